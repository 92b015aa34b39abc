/**
 * Express guards for the service's routes. Both fail closed: when Ory cannot answer, the
 * request fails with 503 ORY_UNAVAILABLE, never passes. Errors go to next(err) as AppError.
 *
 *   router.get('/workbooks/:id', requireSession(ory),
 *     requirePermission(ory, { namespace: 'Workbook', relation: 'view', object: (req) => req.params.id }), handler)
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError } from '../service/errors.ts';
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

/** Resolves the session from the Cookie header, X-Session-Token or `Authorization: Bearer`. */
export function requireSession(ory: Pick<Ory, 'whoami'>): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const cookie = req.get('cookie') || undefined;
    const bearer = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const token = req.get('x-session-token') || bearer || undefined;
    if (!cookie && !token) return next(sessionRequired());
    ory.whoami({ cookie, token }).then((session) => {
      if (!session?.identity || session.active === false) return next(sessionRequired());
      req.identity = session.identity;
      req.orySession = session;
      next();
    }, next);
  };
}

export interface PermissionRule {
  namespace: string;
  relation: string;
  /** The object id the request is about, e.g. `(req) => req.params.id`. */
  object: (req: Request) => string;
}

/** Checks `namespace:object#relation@identity` in Keto; run after requireSession. */
export function requirePermission(ory: Pick<Ory, 'keto'>, rule: PermissionRule): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const subject = req.identity?.id;
    if (!subject) return next(sessionRequired());
    let object: string;
    try {
      object = rule.object(req);
    } catch (err) {
      return next(err);
    }
    ory.keto.check({ namespace: rule.namespace, object, relation: rule.relation, subject }).then((allowed) => {
      if (allowed) return next();
      next(new AppError('PERMISSION_DENIED', 403, 'You are not allowed to do this', { namespace: rule.namespace, relation: rule.relation, object }));
    }, next);
  };
}

const sessionRequired = () => new AppError('SESSION_REQUIRED', 401, 'Sign in to continue');
