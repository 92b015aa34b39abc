import type { z } from 'zod';
import { badRequest, notFound, type ErrorCode } from './errors.ts';

/** A zod issue as every 400 and every `invalid` job shows it: the field's path and what is wrong. */
export interface Issue {
  path: string;
  message: string;
}

export const issuesOf = (error: z.ZodError, max = 20): Issue[] =>
  error.issues.slice(0, max).map((i) => ({ path: i.path.join('.'), message: i.message }));

/**
 * Validates with zod; a failure is a 400 `{ error: { code, message, details: Issue[] } }`
 * naming the fields. The one way a request, a webhook body or a query is checked.
 */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string, code: ErrorCode = 'PAYLOAD_INVALID'): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequest(code, `${what} is not valid`, issuesOf(parsed.error));
  return parsed.data;
}

/**
 * A row id in a route (`:id`): a positive integer of at most `digits` digits (18 fits a
 * PostgreSQL bigint, 9 a NocoDB integer id). Anything else names no row: a 404 with `code`,
 * never a database error.
 */
export function rowIdParam(req: { params: Record<string, unknown> }, name: string, code: ErrorCode, digits = 18): string {
  const value = String(req.params[name] ?? '');
  if (!new RegExp(`^[1-9]\\d{0,${digits - 1}}$`).test(value)) throw notFound(code, `no such row: ${value.slice(0, 40)}`);
  return value;
}
