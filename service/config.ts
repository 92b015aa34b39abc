import path from 'node:path';
import { z } from 'zod';
import { ianaTimeZone } from '../schemas/events/points.ts';

/**
 * The only place that reads process.env. Every setting is optional: what is not given
 * is embedded (PostgreSQL, Redis, NocoDB, the Ory stand-in) and started by service/stack.
 */
const optionalUrl = z.url().optional();
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const envSchema = z.object({
  PORT: port(3000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_URL: optionalUrl,

  DATABASE_URL: optionalUrl,
  /** What NocoDB's "Service data (read-only)" source connects as: a role that may only SELECT the staff views. */
  NOCODB_SOURCE_DATABASE_URL: optionalUrl,
  PG_PORT: port(54329),

  REDIS_URL: optionalUrl,
  REDIS_PORT: port(63790),

  NOCODB_URL: optionalUrl,
  NOCODB_TOKEN: z.string().optional(),
  NOCODB_PORT: port(8080),
  NOCODB_BASE: z.string().default('School'),
  NOCODB_HOOK_SECRET: z.string().min(16).optional(),
  NOCODB_SWEEP_SECONDS: z.coerce.number().positive().default(5),
  /** Shows /health's details and opens /metrics (Authorization: Bearer). Without it, only outside production. */
  OPS_TOKEN: z.string().min(16).optional(),
  ORY_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(5),
  NOCODB_PUBLIC_URL: optionalUrl,
  RECONCILE_MINUTES: z.coerce.number().positive().default(10),

  ORY_SDK_URL: optionalUrl,
  ORY_API_KEY: z.string().optional(),
  KRATOS_PUBLIC_URL: optionalUrl,
  KRATOS_ADMIN_URL: optionalUrl,
  KETO_READ_URL: optionalUrl,
  KETO_WRITE_URL: optionalUrl,
  ORY_STANDIN_PORT: port(4455),
  KRATOS_HOOK_KEY: z.string().min(16).optional(),

  DISCOURSE_WEBHOOK_SECRET: z.string().min(8).optional(),
  COLLECTOR_TOKEN: z.string().min(16).optional(),
  TELEGRAM_BOT_TOKEN: z.string().optional(),
  /** The bot's user name without @: the Login Widget on /account/telegram needs it. */
  TELEGRAM_BOT_USERNAME: z.string().regex(/^[A-Za-z0-9_]{5,64}$/, 'a Telegram bot user name without @').optional(),
  TELEGRAM_API_URL: z.url().default('https://api.telegram.org'),
  TELEGRAM_WEBHOOK_SECRET: z.string().min(8).optional(),

  /** Moneta (MONETA.Assistant): the shop's account id and integrity code; test mode moves no money. */
  MONETA_ACCOUNT_ID: z.string().regex(/^\d+$/).optional(),
  MONETA_INTEGRITY_CODE: z.string().min(4).optional(),
  MONETA_TEST_MODE: z.enum(['true', 'false']).transform((v) => v === 'true').default(false),
  MONETA_FORM_URL: z.url().default('https://www.payanyway.ru/assistant.htm'),
  /** Days before a subscription's last day that its holder is reminded, e.g. `7,1` (empty: none). */
  BILLING_REMINDER_DAYS: z.string().regex(/^\s*(\d{1,3}\s*(,\s*\d{1,3}\s*)*)?$/, 'days as a comma-separated list, e.g. 7,1').default('7,1')
    .transform((v) => [...new Set(v.split(',').map((d) => d.trim()).filter(Boolean).map(Number))].sort((a, b) => b - a)),

  SMTP_URL: optionalUrl,
  MAIL_FROM: z.string().default('School <no-reply@school.local>'),

  SCHOOL_TIME_ZONE: ianaTimeZone.default('Europe/Moscow'),

  POSTHOG_KEY: z.string().optional(),
  POSTHOG_HOST: z.url().default('https://eu.i.posthog.com'),

  OPENROUTER_API_KEY: z.string().optional(),
  OPENROUTER_BASE_URL: z.url().default('https://openrouter.ai/api/v1'),
  AI_CHECK_MODEL: z.string().optional(),
  AI_CHECK_TEMPERATURE: z.coerce.number().min(0).max(2).optional(),
  AI_CHECK_MAX_OUTPUT_TOKENS: z.coerce.number().int().positive().optional(),
  AI_CHECK_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  AI_CHECK_PRICE_INPUT_PER_1M: z.coerce.number().min(0).optional(),
  AI_CHECK_PRICE_OUTPUT_PER_1M: z.coerce.number().min(0).optional(),
  AI_CHECK_CURRENCY: z.string().length(3).optional(),
  AI_CHECK_MONTHLY_BUDGET: z.coerce.number().min(0).optional(),
  AI_CHECK_QUOTA_PER_HOUR: z.coerce.number().int().min(0).optional(),
  AI_CHECK_QUOTA_PER_DAY: z.coerce.number().int().min(0).optional(),
  AI_CHECK_MAX_ANSWER_CHARS: z.coerce.number().int().positive().optional(),
  AI_CHECK_REVIEW_GROUP: z.string().optional(),
  AI_CHECK_MODEL_FREE: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  AI_CHECK_AUDIT_SHARE: z.coerce.number().min(0).max(1).optional(),
  AI_CHECK_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).optional(),
  AI_EMBEDDINGS_MODEL: z.string().optional(),
  AI_EMBEDDINGS_PRICE_PER_1M: z.coerce.number().min(0).optional(),
  AI_EMBEDDINGS_MODEL_FREE: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  AI_GUIDES_REPO: z.string().optional(),
  AI_GUIDES_BRANCH: z.string().optional(),

  INBOX_STALE_SECONDS: z.coerce.number().positive().default(120),
  INBOX_MAX_ATTEMPTS: z.coerce.number().int().positive().default(8),
  /** Days a delivery every consumer is done with stays in the inbox (0: forever). */
  INBOX_RETENTION_DAYS: z.coerce.number().int().min(0).default(30),
  WORKER_CONCURRENCY: z.coerce.number().int().positive().default(4),
});

export type Env = z.infer<typeof envSchema>;

/** Every setting the service reads, for documentation and checks of deployment files. */
export const CONFIG_KEYS = Object.keys(envSchema.shape);

export interface Config extends Env {
  dataDir: string;
  credentialsFile: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const dataDir = path.resolve(cwd, parsed.data.DATA_DIR);
  return { ...parsed.data, dataDir, credentialsFile: path.join(dataDir, 'credentials.json') };
}
