import type { RequestHandler } from 'express';
import { forbidden } from '../../kernel/errors.ts';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A cookie goes with every request a browser makes, also from another site's page: a
 * request that changes something and is authenticated by the cookie alone (no session token
 * or bearer header, which another site cannot set) must come from our own pages. Browsers
 * say where a request comes from in Origin (or Referer); one from another origin is refused
 * with 403 ORIGIN_REFUSED before any route sees it. Webhooks (/hooks) carry no cookie
 * session and have their own secrets. `origin` is PUBLIC_URL's; without it, the request's
 * own host.
 */
export function crossSiteGuard(origin?: string): RequestHandler {
  const ours = origin ? new URL(origin).origin : undefined;
  return (req, _res, next) => {
    if (SAFE.has(req.method) || req.path.startsWith('/hooks/')) return next();
    if (!req.get('cookie') || req.get('x-session-token') || req.get('authorization')) return next();
    const from = req.get('origin') ?? refererOrigin(req.get('referer'));
    if (!from) return next();
    const expected = ours ?? `${req.protocol}://${req.get('host')}`;
    next(from === expected ? undefined : forbidden('ORIGIN_REFUSED', 'this request came from another site'));
  };
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'invalid';
  }
}
