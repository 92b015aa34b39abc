/**
 * Express guards for the service's routes. Both fail closed: when Ory cannot answer, the
 * request fails with 503 ORY_UNAVAILABLE, never passes. Every failure, thrown or rejected,
 * reaches express as next(err): a guard never leaves a promise for Node to reject.
 *
 *   router.get('/workbooks/:id', requireSession(ory),
 *     requirePermission(ory, { namespace: 'Workbook', relation: 'view', object: (req) => req.params.id }), handler)
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError } from '../kernel/errors.ts';
import type { Identity, Ory, Session } from './client.ts';

declare global {
  namespace Express {
    interface Request {
      /** Set by requireSession: the signed-in identity (no metadata_admin: whoami omits it). */
      identity?: Identity;
      orySession?: Session;
    }
  }
}

/**
 * An express middleware from an async function: whatever it throws or rejects with goes to
 * next(err). Express 5 does this for handlers it calls itself; guards composed by hand
 * (one calling another) need it too.
 */
export function middleware(fn: (req: Request, res: Response) => Promise<void> | void): RequestHandler {
  return (req, res, next) => {
    let outcome: Promise<void>;
    try {
      outcome = Promise.resolve(fn(req, res));
    } catch (err) {
      return next(err);
    }
    outcome.then(() => next(), next);
  };
}

/**
 * The session of a request, from the Cookie header, X-Session-Token or `Authorization: Bearer`;
 * sets req.identity and req.orySession. Throws 401 SESSION_REQUIRED without a live session.
 */
export async function resolveSession(ory: Pick<Ory, 'whoami'>, req: Request): Promise<Identity> {
  if (req.identity) return req.identity;
  const cookie = req.get('cookie') || undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
  const token = req.get('x-session-token') || bearer || undefined;
  if (!cookie && !token) throw sessionRequired();
  const session = await ory.whoami({ cookie, token });
  if (!session?.identity || session.active === false) throw sessionRequired();
  req.identity = session.identity;
  req.orySession = session;
  return session.identity;
}

export function requireSession(ory: Pick<Ory, 'whoami'>): RequestHandler {
  return middleware(async (req) => {
    await resolveSession(ory, req);
  });
}

export interface PermissionRule {
  namespace: string;
  relation: string;
  /** The object id the request is about, e.g. `(req) => req.params.id`. */
  object: (req: Request) => string;
}

/** Checks `namespace:object#relation@identity` in Keto; run after requireSession. */
export function requirePermission(ory: Pick<Ory, 'keto'>, rule: PermissionRule): RequestHandler {
  return middleware(async (req) => {
    const subject = req.identity?.id;
    if (!subject) throw sessionRequired();
    const object = rule.object(req);
    const allowed = await ory.keto.check({ namespace: rule.namespace, object, relation: rule.relation, subject });
    if (!allowed) throw new AppError('PERMISSION_DENIED', 403, 'You are not allowed to do this', { namespace: rule.namespace, relation: rule.relation, object });
  });
}

const sessionRequired = () => new AppError('SESSION_REQUIRED', 401, 'Sign in to continue');
