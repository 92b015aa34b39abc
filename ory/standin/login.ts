/**
 * Login with the password method: API flows (`/self-service/login/api`) and browser flows
 * (`/self-service/login/browser`, also with `refresh=true` to re-authenticate the signed-in
 * person, which is what a settings change after privileged_session_max_age asks for).
 */
import { Router } from 'express';
import { messages } from './flows.ts';
import { verifyPassword } from './password.ts';
import {
  again,
  alreadySignedIn,
  answerNewFlow,
  currentSession,
  getFlow,
  signedIn,
  startFlow,
  submission,
  unsupportedMethod,
  type SelfServiceDeps,
} from './self-service.ts';

export function loginRoutes(d: SelfServiceDeps): Router {
  const router = Router();

  router.get('/self-service/login/api', (req, res) => {
    answerNewFlow(d, req, res, startFlow(d, req, res, 'login', 'api'));
  });

  router.get('/self-service/login/browser', (req, res) => {
    const current = currentSession(d, req);
    const refresh = req.query.refresh === 'true' && !!current;
    if (current && !refresh) return alreadySignedIn(d, req, res);
    const flow = startFlow(d, req, res, 'login', 'browser', {
      refresh,
      identityId: current?.identity.id,
      form: current ? { general: [messages.confirmIdentity()], values: { identifier: current.identity.identifiers[0] } } : {},
    });
    answerNewFlow(d, req, res, flow);
  });

  router.get('/self-service/login/flows', getFlow(d, 'login', true));

  router.post(
    '/self-service/login',
    submission(d, 'login', async (flow, body, req) => {
      if (body.method !== 'password') return again(d, flow, { general: [messages.invalid(unsupportedMethod(body.method, 'password'))] });
      const identifier = typeof body.identifier === 'string' ? body.identifier : '';
      const identity = d.identities.byIdentifier(identifier);
      const ok = identity?.password && typeof body.password === 'string' && (await verifyPassword(body.password, identity.password.hash));
      const refused = !identity || !ok || identity.state !== 'active' || (flow.refresh && identity.id !== flow.identity_id);
      if (refused) return again(d, flow, { general: [messages.invalidCredentials()], values: { identifier } }, 'password');
      d.flows.finish(flow);
      const current = currentSession(d, req);
      const session = flow.refresh && current?.identity.id === identity.id ? d.sessions.reauthenticate(current.session) : d.sessions.issue(identity, 'password');
      return signedIn(d, flow, session, identity);
    }),
  );

  return router;
}
