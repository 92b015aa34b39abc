import type { Request, RequestHandler } from 'express';
import { middleware, resolveSession } from '../ory/guard.ts';
import type { Ory } from '../ory/client.ts';
import { badRequest, forbidden } from '../kernel/errors.ts';

import type { Guard } from '../kernel/capability.ts';

export type ObjectGuard = Guard;

/**
 * Session first (401), then Keto (403; 503 when Ory cannot answer, never "allow").
 * `Namespace:object` names the Keto object; `objectOf` may throw (a missing parameter is a
 * 400, an unknown object a 404): that is the request's answer, never the process's end.
 */
export function objectGuard(ory: Ory): ObjectGuard {
  return (relation, objectOf) => middleware(async (req, res) => {
    const identity = await resolveSession(ory, req);
    res.locals.identityId = identity.id;
    const target = await objectOf(req);
    const at = target.indexOf(':');
    if (at <= 0) throw badRequest('OBJECT_INVALID', `not a Keto object: ${target}`);
    const namespace = target.slice(0, at);
    const object = target.slice(at + 1);
    const allowed = await ory.keto.check({ namespace, object, relation, subject: identity.id });
    if (!allowed) throw forbidden('PERMISSION_DENIED', 'You are not allowed to do this', { namespace, relation, object });
  });
}
