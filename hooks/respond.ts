import type { Request, Response } from 'express';
import type { AcceptResult } from '../kernel/inbox.ts';
import { safeEqual } from './signature.ts';

/** The one validation of a request (kernel/validation.ts): a 400 naming the fields. */
export { parseOr400 } from '../kernel/validation.ts';

/** 202: stored durably, processed later. A repeat says so, and is still a success for the sender. */
export function acknowledge(res: Response, result: AcceptResult): void {
  res.status(202).json({ accepted: result.accepted, duplicates: result.duplicates });
}

export function header(req: Request, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * A receiver's shared secret in a header, checked before the body is read: a caller without
 * it costs no parsing of a large body.
 */
export function requireSecret(name: string, secret: () => string, fail: () => Error): import('express').RequestHandler {
  return (req, _res, next) => {
    const given = header(req, name);
    next(!given || !safeEqual(given, secret()) ? fail() : undefined);
  };
}
