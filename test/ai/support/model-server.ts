/**
 * A local OpenAI-compatible server (`POST /v1/chat/completions`, `POST /v1/embeddings`),
 * speaking the wire format the `openai` SDK and OpenRouter use. By default it grades like a
 * simple teacher: an answer sharing enough words with the guide excerpts is accepted. A test
 * can script the next responses: an HTTP error, a 429 with Retry-After, a delay past the
 * client's timeout, or output that is not valid JSON; hold chat requests until it lets them
 * go; and have the usage reported at the most a call could be.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';

export type Behaviour =
  | { kind: 'status'; status: number }
  | { kind: 'rate-limit'; retryAfterSeconds: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'invalid-json' }
  | { kind: 'reply'; content: string };

export interface ChatRequest {
  model: string;
  temperature?: number;
  messages: { role: string; content: string }[];
  response_format?: { type: string; json_schema?: { name: string; schema: unknown } };
  authorization: string | undefined;
  /** When the request arrived (ms since the epoch). */
  receivedAt: number;
}

export interface ModelServer {
  /** Base URL for the SDK (`.../v1`). */
  url: string;
  requests: ChatRequest[];
  embeddingRequests: number;
  /** The prompt tokens each embeddings answer reported, in order. */
  embeddingUsage: number[];
  script: Behaviour[];
  /** The next embeddings responses: only `status` is played there. */
  embeddingScript: Behaviour[];
  /**
   * Holds every chat (or embeddings) request until `release()`; `held` counts those waiting.
   * A test sees how many calls were let through at once before any of them is settled.
   */
  hold(what?: 'chat' | 'embeddings'): { held: () => number; release: () => void };
  /** `worst`: report the most tokens a call could be (UTF-8 bytes of the messages, and max_tokens). */
  usage: 'realistic' | 'worst';
  close(): Promise<void>;
}

const words = (text: string) => new Set(text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 4));

function grade(req: ChatRequest): string {
  const user = req.messages.filter((m) => m.role === 'user').pop()!;
  const last = JSON.parse(user.content) as {
    exercise: { max_score: number }; guide_excerpts: { id: string; text: string }[]; student_answer: string;
  };
  const russian = req.messages[0]!.content.includes('in Russian');
  const answer = words(last.student_answer);
  const guide = words(last.guide_excerpts.map((e) => e.text).join(' '));
  const shared = [...answer].filter((w) => guide.has(w) || [...guide].some((g) => g.slice(0, 5) === w.slice(0, 5))).length;
  const good = answer.size > 0 && shared / answer.size >= 0.3 && shared >= 3;
  const max = last.exercise.max_score;
  return JSON.stringify({
    verdict: good ? 'accepted' : 'needs_work',
    score: good ? max : Math.min(1, max),
    feedback: good
      ? (russian ? 'Хорошо: ответ опирается на текст руководства.' : 'Good: the answer follows the guide.')
      : (russian ? 'Перечитайте раздел руководства и дополните ответ.' : 'Re-read the guide section and expand the answer.'),
    used_chunks: last.guide_excerpts.slice(0, 1).map((e) => e.id),
    // Sure of a clear match or a clear miss; unsure in between, as a grader would be.
    confidence: good || shared === 0 ? 0.9 : 0.5,
  });
}

// A deterministic "embedding": hashed bag of words, enough to rank texts sharing words.
function embed(text: string, dims = 64): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const w of words(text)) {
    let h = 0;
    for (const ch of w.slice(0, 6)) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
    v[h % dims]! += 1;
  }
  return v;
}

export async function startModelServer(): Promise<ModelServer> {
  const app = express();
  app.use(express.json({ limit: '2mb' }));
  type Gate = { waiting: number; open: Promise<void> };
  const gates: { chat: Gate | null; embeddings: Gate | null } = { chat: null, embeddings: null };
  const pass = async (what: 'chat' | 'embeddings') => {
    const g = gates[what];
    if (!g) return;
    g.waiting++;
    await g.open;
  };
  const state: ModelServer = {
    url: '', requests: [], embeddingRequests: 0, embeddingUsage: [], script: [], embeddingScript: [], usage: 'realistic',
    close: async () => {},
    hold(what = 'chat') {
      let release!: () => void;
      const g: Gate = { waiting: 0, open: new Promise<void>((resolve) => { release = resolve; }) };
      gates[what] = g;
      return { held: () => g.waiting, release: () => { gates[what] = null; release(); } };
    },
  };

  app.post('/v1/chat/completions', async (req, res) => {
    const body = { ...(req.body as Omit<ChatRequest, 'authorization' | 'receivedAt'>), authorization: req.headers.authorization, receivedAt: Date.now() };
    state.requests.push(body);
    await pass('chat');
    const behaviour = state.script.shift();
    if (behaviour?.kind === 'status') {
      res.status(behaviour.status).json({ error: { message: `scripted ${behaviour.status}`, type: 'server_error', code: behaviour.status } });
      return;
    }
    if (behaviour?.kind === 'rate-limit') {
      res.status(429).set('Retry-After', String(behaviour.retryAfterSeconds))
        .json({ error: { message: 'Rate limit exceeded', type: 'rate_limit', code: 429 } });
      return;
    }
    if (behaviour?.kind === 'delay') await new Promise((r) => setTimeout(r, behaviour.ms));
    // The client gave up (timed out) meanwhile. (req.destroyed is no sign: a request is destroyed once its body is read.)
    if (res.destroyed || !res.socket || res.socket.destroyed) return;
    const content = behaviour?.kind === 'invalid-json' ? 'Sure! The verdict is: accepted, 5 points.'
      : behaviour?.kind === 'reply' ? behaviour.content : grade(body);
    const worst = state.usage === 'worst';
    const promptTokens = worst ? body.messages.reduce((n, m) => n + Buffer.byteLength(m.content), 0)
      : Math.ceil(body.messages.reduce((n, m) => n + m.content.length, 0) / 4);
    const completionTokens = worst ? (body as { max_tokens?: number }).max_tokens ?? Math.ceil(content.length / 4) : Math.ceil(content.length / 4);
    res.json({
      id: `chatcmpl-${state.requests.length}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  });

  app.post('/v1/embeddings', async (req, res) => {
    state.embeddingRequests++;
    await pass('embeddings');
    const behaviour = state.embeddingScript.shift();
    if (behaviour?.kind === 'status') {
      res.status(behaviour.status).json({ error: { message: `scripted ${behaviour.status}`, type: 'server_error', code: behaviour.status } });
      return;
    }
    const input = (req.body as { input: string | string[]; model: string; encoding_format?: 'float' | 'base64' });
    const texts = Array.isArray(input.input) ? input.input : [input.input];
    // As OpenAI does: base64 of little-endian float32 when asked for it, a list of numbers otherwise.
    const encode = (v: number[]) => (input.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v);
    const tokens = Math.ceil(texts.join(' ').length / 4);
    state.embeddingUsage.push(tokens);
    res.json({
      object: 'list', model: input.model,
      data: texts.map((t, index) => ({ object: 'embedding', index, embedding: encode(embed(t)) })),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return state;
}
