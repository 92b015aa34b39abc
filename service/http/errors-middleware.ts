import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { isAppError } from '../../kernel/errors.ts';

/** Turns any error into `{ error: { code, message, details } }` with the right status. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (isAppError(err)) {
      if (err.status >= 500) log.warn({ code: err.code, path: req.path }, err.message);
      const retryAfter = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      if ((err.status === 503 || err.status === 429) && typeof retryAfter === 'number') res.set('Retry-After', String(retryAfter));
      res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details } });
      return;
    }
    // body-parser errors: malformed JSON, too large, wrong encoding
    const status = (err as { status?: number }).status;
    if (status && status >= 400 && status < 500) {
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : 'PAYLOAD_MALFORMED';
      res.status(status).json({ error: { code, message: (err as Error).message } });
      return;
    }
    log.error({ err, path: req.path }, 'unhandled error');
    res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error' } });
  };
}
