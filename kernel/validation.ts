import type { z } from 'zod';
import { badRequest, type ErrorCode } from './errors.ts';

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
