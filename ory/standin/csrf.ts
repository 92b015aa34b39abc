/**
 * Kratos' anti-CSRF protection of browser flows (ory/nosurf): an HttpOnly cookie
 * `csrf_token_<sha256 of the public URL>` holds a random base token; each browser flow's
 * form carries it masked with a one-time pad (`csrf_token`), so forms differ while one
 * cookie verifies them all. A browser-flow submission whose csrf_token does not unmask to
 * the cookie's token is refused (403 `security_csrf_violation`).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { OryError } from './ory-errors.ts';

const TOKEN_BYTES = 32;
/** nosurf.MaxAge: one year. */
export const CSRF_COOKIE_MAX_AGE_MS = 365 * 24 * 3600_000;

/** Kratos' name: `csrf_token_` + hex sha256 of serve.public.base_url (with its trailing slash). */
export const csrfCookieName = (publicUrl: string) => `csrf_token_${createHash('sha256').update(`${publicUrl.replace(/\/$/, '')}/`).digest('hex')}`;

export const newCsrfBase = () => randomBytes(TOKEN_BYTES).toString('base64url');

const decode = (value: unknown, length: number): Buffer | undefined => {
  if (typeof value !== 'string') return undefined;
  const bytes = Buffer.from(value, 'base64url');
  return bytes.length === length ? bytes : undefined;
};

export const isCsrfBase = (value: string | undefined) => decode(value, TOKEN_BYTES) !== undefined;

export function maskCsrf(base: string): string {
  const token = decode(base, TOKEN_BYTES)!;
  const pad = randomBytes(TOKEN_BYTES);
  return Buffer.concat([pad, xor(pad, token)]).toString('base64url');
}

export function csrfMatches(base: string | undefined, sent: unknown): boolean {
  const token = decode(base, TOKEN_BYTES);
  const masked = decode(sent, 2 * TOKEN_BYTES);
  if (!token || !masked) return false;
  return timingSafeEqual(xor(masked.subarray(0, TOKEN_BYTES), masked.subarray(TOKEN_BYTES)), token);
}

const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, i) => byte ^ b[i]!));

/** nosurfx.ErrInvalidCSRFToken, with the reason of CSRFErrorReason. */
export function csrfViolation(hint: string): OryError {
  return new OryError(403, {
    id: 'security_csrf_violation',
    message: 'the request was rejected to protect you from Cross-Site-Request-Forgery',
    reason: `Please retry the flow and optionally clear your cookies. The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account takeover, leaking personal information, and other serious security issues. ${hint}`,
  });
}
