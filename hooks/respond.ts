import type { Request, Response } from 'express';
import type { AcceptResult } from '../kernel/inbox.ts';

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
