import { createHmac, timingSafeEqual } from 'node:crypto';

/** Compares secrets in constant time; different lengths are simply unequal. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Discourse signs the raw body: `X-Discourse-Event-Signature: sha256=<hex HMAC-SHA256>`. */
export function discourseSignature(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
