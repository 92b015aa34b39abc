/**
 * One error type for the whole service: a stable `code` callers and tests can rely on,
 * the HTTP status it maps to, a message safe to show, and optional details.
 * The express error handler (service/http/errors-middleware.ts) turns it into
 * `{ error: { code, message, details } }`.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new AppError(code, 400, message, details);
export const unauthorized = (code: string, message: string, details?: unknown) =>
  new AppError(code, 401, message, details);
export const forbidden = (code: string, message: string, details?: unknown) =>
  new AppError(code, 403, message, details);
export const notFound = (code: string, message: string, details?: unknown) =>
  new AppError(code, 404, message, details);
export const conflict = (code: string, message: string, details?: unknown) =>
  new AppError(code, 409, message, details);
export const unavailable = (code: string, message: string, details?: unknown) =>
  new AppError(code, 503, message, details);

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
