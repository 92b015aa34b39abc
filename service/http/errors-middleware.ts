import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { isDatabaseDown } from '../../kernel/db.ts';
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
    if (isDatabaseDown(err)) {
      // PostgreSQL restarting or out of reach: nothing was stored; the sender sends it again.
      log.warn({ path: req.path, err: (err as Error).message }, 'database unavailable');
      res.set('Retry-After', '5').status(503).json({ error: { code: 'DATABASE_UNAVAILABLE', message: 'the database is not reachable right now: send it again shortly' } });
      return;
    }
    log.error({ err, path: req.path }, 'unhandled error');
    res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error' } });
  };
}
