import type { Request, RequestHandler } from 'express';
import { AppError } from './errors.ts';

export interface RateLimit {
  /** Requests a person may make at once before the limit applies. */
  burst: number;
  /** Requests refilled per minute after the burst. */
  perMinute: number;
}

/**
 * A token bucket per signed-in person (after the guard: req.identity), or per address
 * before sign-in, for reads that cost the database a scan (statements, calendars). Past it:
 * 429 RATE_LIMITED with Retry-After. Kept in this process's memory, at most `maxKeys`
 * buckets (the oldest go first), so N instances allow N times the rate: a bound on cost,
 * not an exact quota.
 */
export function rateLimit(limit: RateLimit, opts: { maxKeys?: number; now?: () => number } = {}): RequestHandler {
  const maxKeys = opts.maxKeys ?? 100_000;
  const now = opts.now ?? Date.now;
  const perMs = limit.perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (req: Request, _res, next) => {
    const key = (req as Request & { identity?: { id?: string } }).identity?.id ?? `ip:${req.ip ?? ''}`;
    const t = now();
    const b = buckets.get(key) ?? { tokens: limit.burst, at: t };
    buckets.delete(key); // re-inserted last: the map's order is the least recently seen first
    b.tokens = Math.min(limit.burst, b.tokens + (t - b.at) * perMs);
    b.at = t;
    if (b.tokens < 1) {
      buckets.set(key, b);
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
      next(new AppError('RATE_LIMITED', 429, 'too many requests of this kind: try again shortly', { retryAfterSeconds }));
      return;
    }
    b.tokens -= 1;
    buckets.set(key, b);
    if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value as string);
    next();
  };
}
