/**
 * The capability's settings, built from the service's validated config (service/config.ts)
 * by `settingsFromEnv`. Nothing here reads process.env.
 *
 * Money: integer micro-units of `currency` (micro-USD by default). A price of X USD per
 * 1M tokens is X micro-USD per token, so cost = tokens x price, rounded up.
 */
export interface Pricing {
  currency: string;
  /** Currency units per 1M prompt tokens, e.g. 0.15 (USD). */
  inputPer1M: number;
  /** Currency units per 1M completion tokens, e.g. 0.6 (USD). */
  outputPer1M: number;
}

export interface ProviderSettings {
  baseURL: string;
  apiKey: string;
  model: string;
  temperature: number;
  maxOutputTokens: number;
  timeoutMs: number;
  /** Retries of one model call on 429, 5xx and timeouts, with exponential backoff. */
  maxRetries: number;
  /** A Retry-After longer than this ends the call; the check is tried again later. */
  maxBackoffMs: number;
  pricing: Pricing;
}

export interface EmbeddingSettings {
  baseURL: string;
  apiKey: string;
  model: string;
  timeoutMs: number;
  /** Embeddings are booked in the same monthly budget as checks. */
  pricing: { currency: string; inputPer1M: number };
}

export interface LimitSettings {
  perHour: number;
  perDay: number;
  monthlyBudgetMicros: number;
  maxAnswerChars: number;
}

export interface JobSettings {
  /** Attempts of a check (provider unavailable) or of a write-back before a dead letter. */
  maxAttempts: number;
  leaseMs: number;
  pollMs: number;
  /** First retry delay; doubles per attempt. */
  backoffMs: number;
}

export interface AiCheckSettings {
  /** Absent: no AI provider; every answer waits for a mentor with reason AI_NOT_CONFIGURED. */
  provider: ProviderSettings | null;
  embeddings: EmbeddingSettings | null;
  limits: LimitSettings;
  jobs: JobSettings;
  /** Reviewers' group for students without a mentor-led group (Keto `Group:<id>#mentors`). */
  staffReviewGroup: string;
  /**
   * Self-learners get the AI verdict at once; staff look again at `share` of them (0..1,
   * chosen by the check's id, so a retry chooses the same) and at every verdict whose
   * model confidence is below `minConfidence`.
   */
  audit: { share: number; minConfidence: number };
  /** Where the service's pages are (PUBLIC_URL): the links in notices. */
  publicUrl: string;
  /** Docs repository: a local folder or a git URL, and where git clones go. */
  guides: { location: string; cacheDir: string; branch?: string } | null;
  retrieval: { limit: number; ownSectionLimit: number; maxExcerptChars: number; examples: number };
}

/** The environment variables this capability reads, as service/config.ts parses them. */
export interface AiCheckEnv {
  OPENROUTER_API_KEY?: string;
  OPENROUTER_BASE_URL: string;
  AI_CHECK_MODEL?: string;
  AI_CHECK_TEMPERATURE?: number;
  AI_CHECK_MAX_OUTPUT_TOKENS?: number;
  AI_CHECK_TIMEOUT_MS?: number;
  AI_CHECK_PRICE_INPUT_PER_1M?: number;
  AI_CHECK_PRICE_OUTPUT_PER_1M?: number;
  AI_CHECK_CURRENCY?: string;
  AI_CHECK_MONTHLY_BUDGET?: number;
  AI_CHECK_QUOTA_PER_HOUR?: number;
  AI_CHECK_QUOTA_PER_DAY?: number;
  AI_CHECK_MAX_ANSWER_CHARS?: number;
  AI_CHECK_REVIEW_GROUP?: string;
  /** The model costs nothing (a free model): only then may both prices be 0. */
  AI_CHECK_MODEL_FREE?: boolean;
  AI_CHECK_AUDIT_SHARE?: number;
  AI_CHECK_MIN_CONFIDENCE?: number;
  PUBLIC_URL?: string;
  AI_EMBEDDINGS_MODEL?: string;
  /** Currency units (AI_CHECK_CURRENCY) per 1M input tokens of the embeddings model. */
  AI_EMBEDDINGS_PRICE_PER_1M?: number;
  /** The embeddings model costs nothing: only then may its price be 0. */
  AI_EMBEDDINGS_MODEL_FREE?: boolean;
  AI_GUIDES_REPO?: string;
  AI_GUIDES_BRANCH?: string;
  dataDir: string;
}

export const DEFAULT_LIMITS: LimitSettings = { perHour: 10, perDay: 30, monthlyBudgetMicros: 20_000_000, maxAnswerChars: 4000 };
export const DEFAULT_JOBS: JobSettings = { maxAttempts: 5, leaseMs: 120_000, pollMs: 2_000, backoffMs: 5_000 };
export const DEFAULT_AUDIT = { share: 0.1, minConfidence: 0.6 };
export const DEFAULT_RETRIEVAL = { limit: 6, ownSectionLimit: 3, maxExcerptChars: 1500, examples: 3 };

export function settingsFromEnv(env: AiCheckEnv): AiCheckSettings {
  const apiKey = env.OPENROUTER_API_KEY;
  const model = env.AI_CHECK_MODEL;
  // A price of 0 makes the monthly budget refuse nothing: a paid model needs its prices.
  if (apiKey && model && !env.AI_CHECK_PRICE_INPUT_PER_1M && !env.AI_CHECK_PRICE_OUTPUT_PER_1M && env.AI_CHECK_MODEL_FREE !== true) {
    throw new Error(`AI checks with ${model} need its prices (AI_CHECK_PRICE_INPUT_PER_1M, AI_CHECK_PRICE_OUTPUT_PER_1M, in ${env.AI_CHECK_CURRENCY ?? 'USD'} per 1M tokens), or AI_CHECK_MODEL_FREE=true for a free model: with prices of 0 the monthly budget would hold nothing`);
  }
  // The same rule for embeddings: they are paid from the same budget.
  if (apiKey && env.AI_EMBEDDINGS_MODEL && !env.AI_EMBEDDINGS_PRICE_PER_1M && env.AI_EMBEDDINGS_MODEL_FREE !== true) {
    throw new Error(`embeddings with ${env.AI_EMBEDDINGS_MODEL} need their price (AI_EMBEDDINGS_PRICE_PER_1M, in ${env.AI_CHECK_CURRENCY ?? 'USD'} per 1M tokens), or AI_EMBEDDINGS_MODEL_FREE=true for a free model: with a price of 0 the monthly budget would not count them`);
  }
  return {
    provider: apiKey && model ? {
      baseURL: env.OPENROUTER_BASE_URL,
      apiKey,
      model,
      temperature: env.AI_CHECK_TEMPERATURE ?? 0,
      maxOutputTokens: env.AI_CHECK_MAX_OUTPUT_TOKENS ?? 600,
      timeoutMs: env.AI_CHECK_TIMEOUT_MS ?? 30_000,
      maxRetries: 3,
      maxBackoffMs: 20_000,
      pricing: {
        currency: env.AI_CHECK_CURRENCY ?? 'USD',
        inputPer1M: env.AI_CHECK_PRICE_INPUT_PER_1M ?? 0,
        outputPer1M: env.AI_CHECK_PRICE_OUTPUT_PER_1M ?? 0,
      },
    } : null,
    embeddings: apiKey && env.AI_EMBEDDINGS_MODEL
      ? {
        baseURL: env.OPENROUTER_BASE_URL, apiKey, model: env.AI_EMBEDDINGS_MODEL, timeoutMs: env.AI_CHECK_TIMEOUT_MS ?? 30_000,
        pricing: { currency: env.AI_CHECK_CURRENCY ?? 'USD', inputPer1M: env.AI_EMBEDDINGS_PRICE_PER_1M ?? 0 },
      }
      : null,
    limits: {
      perHour: env.AI_CHECK_QUOTA_PER_HOUR ?? DEFAULT_LIMITS.perHour,
      perDay: env.AI_CHECK_QUOTA_PER_DAY ?? DEFAULT_LIMITS.perDay,
      monthlyBudgetMicros: env.AI_CHECK_MONTHLY_BUDGET !== undefined
        ? Math.round(env.AI_CHECK_MONTHLY_BUDGET * 1_000_000) : DEFAULT_LIMITS.monthlyBudgetMicros,
      maxAnswerChars: env.AI_CHECK_MAX_ANSWER_CHARS ?? DEFAULT_LIMITS.maxAnswerChars,
    },
    jobs: DEFAULT_JOBS,
    staffReviewGroup: env.AI_CHECK_REVIEW_GROUP ?? 'reviewers',
    audit: { share: env.AI_CHECK_AUDIT_SHARE ?? DEFAULT_AUDIT.share, minConfidence: env.AI_CHECK_MIN_CONFIDENCE ?? DEFAULT_AUDIT.minConfidence },
    publicUrl: (env.PUBLIC_URL ?? 'http://localhost:8080').replace(/\/+$/, ''),
    guides: env.AI_GUIDES_REPO
      ? { location: env.AI_GUIDES_REPO, cacheDir: `${env.dataDir}/guides`, ...(env.AI_GUIDES_BRANCH ? { branch: env.AI_GUIDES_BRANCH } : {}) }
      : null,
    retrieval: DEFAULT_RETRIEVAL,
  };
}
