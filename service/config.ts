import path from 'node:path';
import { z } from 'zod';
import { ianaTimeZone } from '../schemas/events/points.ts';
import { YOOKASSA_NETWORKS } from '../schemas/events/yookassa.ts';
import { networkProblem } from '../kernel/networks.ts';
import { GRID_LANGUAGES } from '../nocodb/names.ts';

/**
 * The only place that reads process.env. Every setting is optional: what is not given
 * is embedded (PostgreSQL, Redis, NocoDB, the Ory stand-in) and started by service/stack.
 */
const optionalUrl = z.url().optional();
/** A comma-separated list of IP addresses and CIDR networks. */
const networkList = (fallback: readonly string[]) => z.string().optional()
  .transform((v) => (v === undefined || v.trim() === '' ? [...fallback] : v.split(',').map((x) => x.trim()).filter(Boolean)))
  .superRefine((list, ctx) => { for (const e of list) { const p = networkProblem(e); if (p) ctx.addIssue({ code: 'custom', message: p }); } });
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
  /** The language of NocoDB's titles, descriptions and choice labels for staff (nocodb/names.ts). */
  NOCODB_LANGUAGE: z.preprocess((v) => (v === '' ? undefined : v), z.enum(GRID_LANGUAGES).default('ru')),
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
  /** OAuth 2 authorization servers for MCP hosts (Ory Hydra / Ory Network issuer URLs), comma-separated; none: personal tokens only. */
  MCP_AUTHORIZATION_SERVERS: z.string().default('').transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean)).pipe(z.array(z.url())),
  TELEGRAM_WEBHOOK_SECRET: z.string().min(8).optional(),
  /** The school's chats (extensions/telegram-access): 'dry-run' lists who would be removed, 'on' also removes them. */
  TELEGRAM_REMOVALS: z.enum(['dry-run', 'on']).default('dry-run'),
  /** Days after a person's access ends before they are removed from its chats. */
  TELEGRAM_REMOVAL_GRACE_DAYS: z.coerce.number().int().min(0).max(365).default(3),
  /** Days a single-use invite link works (a new one is made when it expires unused). */
  TELEGRAM_INVITE_DAYS: z.coerce.number().int().min(1).max(365).default(7),

  /** Moneta (MONETA.Assistant): the shop's account id and integrity code; test mode moves no money. */
  MONETA_ACCOUNT_ID: z.string().regex(/^\d+$/).optional(),
  MONETA_INTEGRITY_CODE: z.string().min(4).optional(),
  MONETA_TEST_MODE: z.enum(['true', 'false']).transform((v) => v === 'true').default(false),
  MONETA_FORM_URL: z.url().default('https://www.payanyway.ru/assistant.htm'),
  /** Days before a subscription's last day that its holder is reminded, e.g. `7,1` (empty: none). */
  BILLING_REMINDER_DAYS: z.string().regex(/^\s*(\d{1,3}\s*(,\s*\d{1,3}\s*)*)?$/, 'days as a comma-separated list, e.g. 7,1').default('7,1')
    .transform((v) => [...new Set(v.split(',').map((d) => d.trim()).filter(Boolean).map(Number))].sort((a, b) => b - a)),

  /** Stripe (non-rouble currencies): the secret key sk_..., the webhook endpoint's signing secret whsec_... (README: Stripe). */
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  /** Where Stripe's API is (tests: the local server). */
  STRIPE_API_URL: z.url().default('https://api.stripe.com'),
  /** The currencies sold through Stripe, comma-separated ISO 4217 codes. */
  STRIPE_CURRENCIES: z.string().default('EUR,USD,GBP')
    .transform((v) => v.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[A-Z]{3}$/, 'a currency is three letters, e.g. EUR')).min(1)),
  /** How old a delivery's Stripe-Signature timestamp may be (Stripe's own default: 300 s). */
  STRIPE_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().positive().max(3600).default(300),
  /** Per request to Stripe; the package retries once with the same Idempotency-Key. */
  STRIPE_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
  /** YooKassa (API v3): the shop's id and secret key (HTTP Basic); without both it is off. */
  YOOKASSA_SHOP_ID: z.string().regex(/^\d*$/, 'the shop id is digits').optional(),
  YOOKASSA_SECRET_KEY: z.string().refine((v) => v === '' || v.length >= 8, 'at least 8 characters').optional(),
  YOOKASSA_API_URL: z.url().default('https://api.yookassa.ru/v3'),
  /** How long one call to YooKassa may take before its outcome is unknown. */
  YOOKASSA_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** Where YooKassa's notifications may come from (comma-separated networks); default: its published list. */
  YOOKASSA_ALLOWED_NETWORKS: networkList(YOOKASSA_NETWORKS),
  /** Reverse proxies in front of the service whose X-Forwarded-For is believed (comma-separated networks); default none: the socket's peer is the sender. */
  TRUSTED_PROXIES: networkList([]),

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

/** Stripe's settings for billing (the client) and for /hooks/stripe (the signature), each only when given. */
export function stripeSettings(config: Env) {
  return {
    account: config.STRIPE_SECRET_KEY ? {
      secretKey: config.STRIPE_SECRET_KEY, apiUrl: config.STRIPE_API_URL, currencies: config.STRIPE_CURRENCIES, timeoutMs: config.STRIPE_TIMEOUT_MS,
    } : undefined,
    hook: config.STRIPE_WEBHOOK_SECRET ? { webhookSecret: config.STRIPE_WEBHOOK_SECRET, toleranceSeconds: config.STRIPE_WEBHOOK_TOLERANCE_SECONDS } : undefined,
  };
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
