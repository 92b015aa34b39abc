/**
 * Kratos' public API, as far as the project uses it: whoami, native (API) registration
 * (with a transient_payload for the web hook) and login with the password method, the
 * identity schema, health.
 */
import { Router, type Request } from 'express';
import type { Flows } from './flows.ts';
import { messages } from './flows.ts';
import { DuplicateIdentifier, InvalidTraits, type Identities } from './identities.ts';
import type { IdentitySchema } from './identity-schema.ts';
import { OryError } from './ory-errors.ts';
import { verifyPassword } from './password.ts';
import { sessionToken, type Sessions } from './sessions.ts';
import type { StoredIdentity } from './store.ts';
import { callWebhook, webhookBody, type WebhookTarget } from './webhook.ts';

export interface KratosPublicDeps {
  identities: Identities;
  sessions: Sessions;
  flows: Flows;
  schema: IdentitySchema;
  minPasswordLength: number;
  registrationHook?: WebhookTarget;
  publicUrl: () => string;
}

export function kratosPublicRoutes(d: KratosPublicDeps): Router {
  const router = Router();
  const requestUrl = (req: Request) => `${d.publicUrl()}${req.originalUrl}`;

  router.get('/sessions/whoami', (req, res) => {
    const found = d.sessions.find(sessionToken(req.headers));
    if (!found) {
      throw new OryError(401, {
        id: 'session_inactive',
        reason: 'No active session was found in this request.',
        message: 'request does not have a valid authentication session',
      });
    }
    res.json(d.sessions.view(found.session, found.identity, false));
  });

  router.get('/self-service/registration/api', (req, res) => {
    res.json(d.flows.view(d.flows.start('registration', requestUrl(req))));
  });

  router.post('/self-service/registration', async (req, res) => {
    const flow = d.flows.take('registration', req.query.flow);
    const body = (req.body ?? {}) as { method?: unknown; password?: unknown; traits?: unknown; transient_payload?: unknown };
    const values = isObject(body.traits) ? body.traits : {};
    const again = (errors: Parameters<Flows['view']>[1]) => res.status(400).json(d.flows.view(flow, { values, ...errors }, 'password'));

    if (body.method !== 'password') return again({ general: [messages.invalid(`The stand-in supports only the password method, not ${JSON.stringify(body.method)}.`)] });
    // updateRegistrationFlowWithPasswordMethod: transient_payload is an object, kept on the flow for the hooks only.
    if (body.transient_payload !== undefined && !isObject(body.transient_payload)) {
      return again({ general: [messages.invalid('transient_payload must be an object.')] });
    }
    if (typeof body.password !== 'string' || body.password.length < d.minPasswordLength) {
      const length = typeof body.password === 'string' ? body.password.length : 0;
      return again({ password: messages.passwordPolicy(`password length must be at least ${d.minPasswordLength} characters but only got ${length}`) });
    }
    let identity: StoredIdentity;
    try {
      identity = await d.identities.create({ traits: body.traits }, body.password);
    } catch (err) {
      if (err instanceof InvalidTraits) return again({ fields: err.errors });
      if (err instanceof DuplicateIdentifier) return again({ general: [messages.duplicate()] });
      throw err;
    }
    d.flows.finish(flow);
    // Hooks in kratos.yml order: the web hook, then `session`.
    const publicIdentity = d.identities.view(identity, { admin: false });
    if (d.registrationHook) {
      const context = { identity: publicIdentity, flow: { id: flow.id, type: 'api', active: 'password', transient_payload: body.transient_payload } } as const;
      await callWebhook(d.registrationHook, webhookBody(context));
    }
    const session = d.sessions.issue(identity, 'password');
    res.json({
      identity: publicIdentity,
      session: d.sessions.view(session, identity, false),
      session_token: session.token,
      continue_with: [{ action: 'set_ory_session_token', ory_session_token: session.token }],
    });
  });

  router.get('/self-service/login/api', (req, res) => {
    res.json(d.flows.view(d.flows.start('login', requestUrl(req))));
  });

  router.post('/self-service/login', async (req, res) => {
    const flow = d.flows.take('login', req.query.flow);
    const body = (req.body ?? {}) as { method?: unknown; identifier?: unknown; password?: unknown };
    const again = (errors: Parameters<Flows['view']>[1]) => res.status(400).json(d.flows.view(flow, errors, 'password'));

    if (body.method !== 'password') return again({ general: [messages.invalid(`The stand-in supports only the password method, not ${JSON.stringify(body.method)}.`)] });
    const identifier = typeof body.identifier === 'string' ? body.identifier : '';
    const identity = d.identities.byIdentifier(identifier);
    const ok = identity?.password && typeof body.password === 'string' && (await verifyPassword(body.password, identity.password.hash));
    if (!identity || !ok || identity.state !== 'active') return again({ general: [messages.invalidCredentials()], values: { identifier } });
    d.flows.finish(flow);
    const session = d.sessions.issue(identity, 'password');
    res.json({ session: d.sessions.view(session, identity, false), session_token: session.token });
  });

  router.get('/schemas/:id', (req, res) => {
    if (Buffer.from(req.params.id, 'base64url').toString() !== d.schema.id && req.params.id !== d.schema.id) {
      throw new OryError(404, { message: 'Unable to locate the resource' });
    }
    res.json(d.schema.raw);
  });

  return router;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
