import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { requireSession } from '../ory/guard.ts';
import type { Ory } from '../ory/client.ts';
import { badRequest, forbidden } from './errors.ts';

/** What the capabilities' routes take: `guard('view', req => 'Workbook:workbook-12')`. */
export type ObjectGuard = (relation: string, objectOf: (req: Request) => string | Promise<string>) => RequestHandler;

/**
 * Session first (401), then Keto (403; 503 when Ory cannot answer, never "allow").
 * `Namespace:object` names the Keto object. One rule is not Keto's: school-wide ratings
 * (`Points:*`) are open to every signed-in person.
 */
export function objectGuard(ory: Ory): ObjectGuard {
  const session = requireSession(ory);
  return (relation, objectOf) => {
    const check = (req: Request, res: Response, next: NextFunction) => {
      const identity = req.identity?.id;
      res.locals.identityId = identity;
      Promise.resolve(objectOf(req)).then(async (target) => {
        const at = target.indexOf(':');
        if (at <= 0) throw badRequest('OBJECT_INVALID', `not a Keto object: ${target}`);
        const namespace = target.slice(0, at);
        const object = target.slice(at + 1);
        if (namespace === 'Points') return next();
        const allowed = await ory.keto.check({ namespace, object, relation, subject: identity! });
        if (!allowed) throw forbidden('PERMISSION_DENIED', 'You are not allowed to do this', { namespace, relation, object });
        next();
      }).catch(next);
    };
    const chain: RequestHandler = (req, res, next) => session(req, res, (err?: unknown) => (err ? next(err) : check(req, res, next)));
    return chain;
  };
}
