/**
 * A local OpenAI-compatible server (`POST /v1/chat/completions`, `POST /v1/embeddings`),
 * speaking the wire format the `openai` SDK and OpenRouter use. By default it grades like a
 * simple teacher: an answer sharing enough words with the guide excerpts is accepted. A test
 * can script the next responses: an HTTP error, a 429 with Retry-After, a delay past the
 * client's timeout, or output that is not valid JSON.
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
}

export interface ModelServer {
  /** Base URL for the SDK (`.../v1`). */
  url: string;
  requests: ChatRequest[];
  embeddingRequests: number;
  script: Behaviour[];
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
  const state: ModelServer = { url: '', requests: [], embeddingRequests: 0, script: [], close: async () => {} };

  app.post('/v1/chat/completions', async (req, res) => {
    const body = { ...(req.body as Omit<ChatRequest, 'authorization'>), authorization: req.headers.authorization };
    state.requests.push(body);
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
    if (res.destroyed || req.destroyed) return;
    const content = behaviour?.kind === 'invalid-json' ? 'Sure! The verdict is: accepted, 5 points.'
      : behaviour?.kind === 'reply' ? behaviour.content : grade(body);
    const promptTokens = Math.ceil(body.messages.reduce((n, m) => n + m.content.length, 0) / 4);
    const completionTokens = Math.ceil(content.length / 4);
    res.json({
      id: `chatcmpl-${state.requests.length}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  });

  app.post('/v1/embeddings', (req, res) => {
    state.embeddingRequests++;
    const input = (req.body as { input: string | string[]; model: string; encoding_format?: 'float' | 'base64' });
    const texts = Array.isArray(input.input) ? input.input : [input.input];
    // As OpenAI does: base64 of little-endian float32 when asked for it, a list of numbers otherwise.
    const encode = (v: number[]) => (input.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v);
    res.json({
      object: 'list', model: input.model,
      data: texts.map((t, index) => ({ object: 'embedding', index, embedding: encode(embed(t)) })),
      usage: { prompt_tokens: texts.join(' ').length / 4, total_tokens: texts.join(' ').length / 4 },
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
