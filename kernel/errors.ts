/**
 * One error type for the whole service: a stable `code` from the one list below, the HTTP
 * status it maps to, a message safe to show, and optional details. The express error
 * handler (service/http/errors-middleware.ts) turns it into
 * `{ error: { code, message, details } }`. A new code is added here, nowhere else.
 */
export const ERROR_CODES = [
  // requests
  'NOT_FOUND', 'REQUEST_INVALID', 'PAYLOAD_INVALID', 'PAYLOAD_MALFORMED', 'PAYLOAD_TOO_LARGE', 'INTERNAL', 'INBOX_BUSY', 'RATE_LIMITED',
  // webhooks
  'WEBHOOK_SECRET_INVALID', 'WEBHOOK_SIGNATURE_MISSING', 'WEBHOOK_SIGNATURE_INVALID', 'WEBHOOK_KEY_INVALID',
  'WEBHOOK_SIGNATURE_EXPIRED',
  'COLLECTOR_TOKEN_INVALID', 'HOOK_UNKNOWN',
  // sign-in and permissions
  'SESSION_REQUIRED', 'UNAUTHENTICATED', 'PERMISSION_DENIED', 'OBJECT_INVALID',
  // the systems we call
  'DATABASE_UNAVAILABLE', 'NOCODB_UNAVAILABLE', 'ORY_UNAVAILABLE', 'ORY_REQUEST_REJECTED', 'AI_PROVIDER_UNAVAILABLE', 'AI_PROVIDER_REFUSED',
  // identity
  'IDENTITY_NOT_FOUND', 'IDENTITY_INVALID', 'IDENTITY_EXISTS', 'IDENTITY_REQUEST_INVALID',
  // linking a Telegram account by its Login Widget proof
  'TELEGRAM_LOGIN_INVALID', 'TELEGRAM_LOGIN_FORGED', 'TELEGRAM_LOGIN_EXPIRED', 'TELEGRAM_LOGIN_REUSED', 'TELEGRAM_ACCOUNT_TAKEN',
  'TELEGRAM_LOGIN_UNAVAILABLE',
  // workbooks and answers
  'WORKBOOK_NOT_FOUND', 'ANSWER_NOT_FOUND', 'ANSWER_EMPTY', 'ANSWER_TOO_LONG', 'ANSWER_LOCKED', 'NOT_YOUR_ANSWER', 'EXERCISE_NOT_FOUND', 'ORIGIN_REFUSED',
  'DISPUTE_EMPTY', 'DISPUTE_TOO_LONG', 'NOTHING_TO_DISPUTE', 'ALREADY_DISPUTED',
  // AI checks and reviews
  'CHECK_NOT_FOUND', 'REVIEW_NOT_FOUND', 'REVIEW_ALREADY_DECIDED', 'REVIEW_CANCELLED', 'SCORE_OUT_OF_RANGE',
  'NOTHING_TO_ACCEPT', 'GROUP_REQUIRED', 'DEAD_LETTER_NOT_FOUND', 'DEAD_LETTER_REPLAYED',
  // the MCP server and its personal tokens
  'ANSWER_NOT_SUBMITTED', 'MCP_TOKEN_LIMIT', 'MCP_SCOPE_INSUFFICIENT',
  // evaluating the checker on graded answers (scripts/ai-eval.ts)
  'GRADED_SET_INVALID', 'EVAL_RESULTS_CONFLICT', 'EVAL_RUN_LOCKED',
  // guides
  'GUIDE_FORBIDDEN', 'GUIDE_MANIFEST_INVALID', 'GUIDES_NOT_CONFIGURED', 'EDITION_NOT_FOUND', 'EDITIONS_REQUIRED', 'QUERY_TOO_SHORT',
  // points
  'POINTS_RECOMPUTE_UNKNOWN', 'POINTS_QUERY_INVALID',
  // billing
  'TRANSFER_ID_REUSED', 'TRANSFER_NOT_FOUND', 'PAYMENTS_NOT_CONFIGURED', 'PAYMENT_OUTCOME_UNKNOWN', 'PLAN_NOT_FOUND', 'PLAN_ARCHIVED', 'PRICE_NOT_SET', 'SUBSCRIPTION_NOT_FOUND', 'BILLING_QUERY_INVALID',
  // billing: plans sold in parts
  'INSTALLMENTS_INVALID', 'INSTALLMENTS_NOT_FOUND', 'ORDER_ID_REUSED',
  // payments
  'PAYMENT_PROVIDER_REFUSED', 'PAYMENT_PROVIDER_UNKNOWN', 'CHECKOUT_IN_PROGRESS', 'ORDER_NOT_FOUND',
  // Telegram chats' access
  'TELEGRAM_ACCESS_NOT_CONFIGURED',
  // billing: trials, and seats given by an organisation's contact
  'TRIAL_NOT_OFFERED', 'TRIAL_USED', 'TRIAL_NOT_AVAILABLE', 'SEAT_PACK_NOT_FOUND', 'SEAT_REFUSED',
  // payments: YooKassa's notifications are accepted from its networks only
  'WEBHOOK_SENDER_REFUSED',
  // payments: refunds through the provider
  'PAYMENT_NOT_FOUND',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/**
 * A payload that can never be handled as it is (it fails its topic's schema): the worker
 * marks the job `invalid` with these issues and never retries it (after inngest's
 * NonRetriableError).
 */
export class InvalidPayload extends Error {
  constructor(readonly issues: { path: string; message: string }[], message = 'the payload does not match its topic\'s schema') {
    super(message);
    this.name = 'InvalidPayload';
  }
}

export const badRequest = (code: ErrorCode, message: string, details?: unknown) => new AppError(code, 400, message, details);
export const unauthorized = (code: ErrorCode, message: string, details?: unknown) => new AppError(code, 401, message, details);
export const forbidden = (code: ErrorCode, message: string, details?: unknown) => new AppError(code, 403, message, details);
export const notFound = (code: ErrorCode, message: string, details?: unknown) => new AppError(code, 404, message, details);
export const conflict = (code: ErrorCode, message: string, details?: unknown) => new AppError(code, 409, message, details);
export const unavailable = (code: ErrorCode, message: string, details?: unknown) => new AppError(code, 503, message, details);

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
