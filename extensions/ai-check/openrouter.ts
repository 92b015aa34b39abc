import OpenAI from 'openai';
import type { Logger } from 'pino';
import { AppError } from '../../kernel/errors.ts';
import type { EmbeddingSettings, ProviderSettings } from './settings.ts';

/**
 * Every call to the model provider (OpenRouter, or any OpenAI-compatible endpoint) is in
 * this module, through the `openai` SDK. The SDK's own retries are off: ours below retry
 * 429 (honouring Retry-After), 5xx, timeouts and dropped connections with exponential
 * backoff and full jitter, and turn what is left into errors with stable codes:
 * AI_PROVIDER_UNAVAILABLE (try later) and AI_PROVIDER_REFUSED (a 4xx: key, credits, request).
 * Each attempt, not each call, is booked by the caller's AttemptMeter: a retry is money too.
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export interface Completion {
  text: string;
  model: string;
  /** Null when the provider reported no usage: the caller charges its reservation then. */
  usage: Usage | null;
}

export interface JsonSchemaFormat {
  name: string;
  schema: Record<string, unknown>;
}

/**
 * Books every attempt of one call, retries included (budget.ts budgetMeter): `before` runs
 * ahead of each attempt and may refuse it by throwing; `after` gets each attempt's outcome,
 * the usage the provider reported or a failure (which may still be billed).
 */
export interface AttemptMeter {
  before(attempt: number): Promise<void>;
  after(attempt: number, outcome: { ok: true; usage: Usage | null } | { ok: false }): Promise<void>;
}

export interface ChatModel {
  readonly model: string;
  complete(messages: ChatMessage[], format: JsonSchemaFormat, meter?: AttemptMeter): Promise<Completion>;
}

export interface EmbeddingBatch {
  vectors: number[][];
  usage: Usage | null;
}

/** One embeddings request of at most `batchSize` texts; embeddings.ts meters and batches it. */
export interface EmbeddingClient {
  readonly model: string;
  readonly batchSize: number;
  embedBatch(texts: string[], meter?: AttemptMeter): Promise<EmbeddingBatch>;
}

interface RetryOptions<T> {
  maxRetries: number;
  maxBackoffMs: number;
  baseBackoffMs?: number;
  log: Logger;
  what: string;
  sleep?: (ms: number) => Promise<void>;
  meter?: AttemptMeter | undefined;
  usageOf?: (value: T) => Usage | null;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After as seconds or an HTTP date, or OpenRouter's retry-after-ms; null when absent. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | null {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers?.get('retry-after');
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function classify(e: unknown): { retryable: boolean; status: number | null; waitMs: number | null; message: string } {
  if (e instanceof OpenAI.APIConnectionError) return { retryable: true, status: null, waitMs: null, message: e.message };
  if (e instanceof OpenAI.APIError) {
    const status = e.status ?? null;
    const retryable = status === null || status === 408 || status === 429 || status >= 500;
    return { retryable, status, waitMs: retryAfterMs(e.headers), message: e.message };
  }
  throw e;
}

export async function withProviderRetries<T>(call: () => Promise<T>, opts: RetryOptions<T>): Promise<T> {
  const sleep = opts.sleep ?? defaultSleep;
  const base = opts.baseBackoffMs ?? 500;
  for (let attempt = 0; ; attempt++) {
    await opts.meter?.before(attempt);
    let value: T;
    try {
      value = await call();
    } catch (e) {
      // Booked before anything else: a failed or timed-out attempt may be billed all the same.
      await opts.meter?.after(attempt, { ok: false });
      const failure = classify(e);
      if (!failure.retryable) {
        throw new AppError('AI_PROVIDER_REFUSED', 502, `the AI provider refused the ${opts.what} (${failure.status})`, { status: failure.status, error: failure.message });
      }
      const backoff = Math.min(opts.maxBackoffMs, base * 2 ** attempt);
      const waitMs = failure.waitMs ?? Math.round(Math.random() * backoff);
      if (attempt >= opts.maxRetries || waitMs > opts.maxBackoffMs) {
        throw new AppError('AI_PROVIDER_UNAVAILABLE', 503, `the AI provider did not answer the ${opts.what}`, { status: failure.status, error: failure.message, retryAfterMs: failure.waitMs });
      }
      opts.log.warn({ component: 'ai-check', what: opts.what, status: failure.status, attempt: attempt + 1, waitMs }, 'AI provider call failed, retrying');
      await sleep(waitMs);
      continue;
    }
    await opts.meter?.after(attempt, { ok: true, usage: opts.usageOf?.(value) ?? null });
    return value;
  }
}

const count = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;

/** What the provider says a chat call used; null (book the reservation) unless it says both. */
function chatUsage(usage: { prompt_tokens?: number; completion_tokens?: number } | undefined): Usage | null {
  return count(usage?.prompt_tokens) && count(usage?.completion_tokens) ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens } : null;
}

/** An embeddings response's `usage.prompt_tokens`, else its `total_tokens`. */
function embeddingUsage(usage: { prompt_tokens?: number; total_tokens?: number } | undefined): Usage | null {
  const tokens = usage?.prompt_tokens ?? usage?.total_tokens;
  return count(tokens) ? { promptTokens: tokens, completionTokens: 0 } : null;
}

export function createChatModel(settings: ProviderSettings, deps: { log: Logger; sleep?: (ms: number) => Promise<void> }): ChatModel {
  const client = new OpenAI({ apiKey: settings.apiKey, baseURL: settings.baseURL, timeout: settings.timeoutMs, maxRetries: 0 });
  return {
    model: settings.model,
    async complete(messages, format, meter) {
      const response = await withProviderRetries(() => client.chat.completions.create({
        model: settings.model,
        temperature: settings.temperature,
        max_tokens: settings.maxOutputTokens,
        messages,
        response_format: { type: 'json_schema', json_schema: { name: format.name, strict: true, schema: format.schema } },
      }), {
        maxRetries: settings.maxRetries, maxBackoffMs: settings.maxBackoffMs, log: deps.log, what: 'check', meter,
        usageOf: (r) => chatUsage(r.usage), ...(deps.sleep ? { sleep: deps.sleep } : {}),
      });
      return {
        text: response.choices[0]?.message?.content ?? '',
        model: response.model || settings.model,
        usage: chatUsage(response.usage),
      };
    },
  };
}

export function createEmbeddingClient(settings: EmbeddingSettings, deps: { log: Logger; sleep?: (ms: number) => Promise<void> }): EmbeddingClient {
  const client = new OpenAI({ apiKey: settings.apiKey, baseURL: settings.baseURL, timeout: settings.timeoutMs, maxRetries: 0 });
  return {
    model: settings.model,
    batchSize: 64,
    async embedBatch(input, meter) {
      const response = await withProviderRetries(() => client.embeddings.create({ model: settings.model, input, encoding_format: 'float' }), {
        maxRetries: 3, maxBackoffMs: 20_000, log: deps.log, what: 'embedding', meter,
        usageOf: (r) => embeddingUsage(r.usage), ...(deps.sleep ? { sleep: deps.sleep } : {}),
      });
      const sorted = [...response.data].sort((a, b) => a.index - b.index);
      return { vectors: sorted.map((d) => d.embedding), usage: embeddingUsage(response.usage) };
    },
  };
}
