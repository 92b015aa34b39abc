import type { Request, Response } from 'express';
import type { z } from 'zod';
import { badRequest } from '../kernel/errors.ts';
import type { AcceptResult } from '../kernel/inbox.ts';

/** Validates with zod; a failure is a 400 naming the fields, and nothing is written. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw badRequest('PAYLOAD_INVALID', `${what} is not valid`, details);
  }
  return parsed.data;
}

/** 202: stored durably, processed later. A repeat says so, and is still a success for the sender. */
export function acknowledge(res: Response, result: AcceptResult): void {
  res.status(202).json({ accepted: result.accepted, duplicates: result.duplicates });
}

export function header(req: Request, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
