/**
 * Registration with the password method, API and browser flows, with a transient_payload
 * for the after-registration web hook. After the identity is saved the hooks run as
 * Kratos orders them: its verification hook first when verification is enabled (a code to
 * the new address, code-flows.ts), then kratos.yml's: the web hook, then `session` (a
 * browser flow gets the session cookie).
 */
import { Router } from 'express';
import { verifyAfterRegistration } from './code-flows.ts';
import { messages, type FormErrors } from './flows.ts';
import { DuplicateIdentifier, InvalidTraits } from './identities.ts';
import { again, alreadySignedIn, answerNewFlow, currentSession, getFlow, isObject, signedIn, startFlow, submission, unsupportedMethod, type SelfServiceDeps } from './self-service.ts';
import type { StoredIdentity } from './store.ts';
import { callWebhook, webhookBody } from './webhook.ts';

export function registrationRoutes(d: SelfServiceDeps): Router {
  const router = Router();

  router.get('/self-service/registration/api', (req, res) => {
    answerNewFlow(d, req, res, startFlow(d, req, res, 'registration', 'api'));
  });

  router.get('/self-service/registration/browser', (req, res) => {
    if (currentSession(d, req)) return alreadySignedIn(d, req, res);
    answerNewFlow(d, req, res, startFlow(d, req, res, 'registration', 'browser'));
  });

  router.get('/self-service/registration/flows', getFlow(d, 'registration', true));

  router.post(
    '/self-service/registration',
    submission(d, 'registration', async (flow, body, _req, res) => {
      const values = isObject(body.traits) ? body.traits : {};
      const refuse = (form: FormErrors) => again(d, flow, { values, ...form }, 'password');
      if (body.method !== 'password') return refuse({ general: [messages.invalid(unsupportedMethod(body.method, 'password'))] });
      // updateRegistrationFlowWithPasswordMethod: transient_payload is an object, kept on the flow for the hooks only.
      if (body.transient_payload !== undefined && !isObject(body.transient_payload)) {
        return refuse({ general: [messages.invalid('transient_payload must be an object.')] });
      }
      if (typeof body.password !== 'string' || body.password.length < d.minPasswordLength) {
        const length = typeof body.password === 'string' ? body.password.length : 0;
        return refuse({ password: messages.passwordPolicy(`password length must be at least ${d.minPasswordLength} characters but only got ${length}`) });
      }
      let identity: StoredIdentity;
      try {
        identity = await d.identities.create({ traits: body.traits }, body.password);
      } catch (err) {
        if (err instanceof InvalidTraits) return refuse({ fields: err.errors });
        if (err instanceof DuplicateIdentifier) return refuse({ general: [messages.duplicate()] });
        throw err;
      }
      d.flows.finish(flow);
      if (d.verificationEnabled) identity = verifyAfterRegistration(d, flow, identity, res);
      const publicIdentity = d.identities.view(identity, { admin: false });
      if (d.hooks.registration) {
        const context = { identity: publicIdentity, flow: { id: flow.id, type: flow.type, active: 'password', transient_payload: body.transient_payload } };
        await callWebhook(d.hooks.registration, webhookBody(context));
      }
      const session = d.sessions.issue(identity, 'password');
      const apiContinue = flow.type === 'api' ? { continue_with: [{ action: 'set_ory_session_token', ory_session_token: session.token }] } : {};
      return signedIn(d, flow, session, identity, { identity: publicIdentity, ...apiContinue });
    }),
  );

  return router;
}
