/**
 * Settings with the password and profile (traits) methods, API and browser flows, for the
 * signed-in person only. Changing the password or a protected trait (an identifier or an
 * address) needs a session authenticated within privileged_session_max_age, else Kratos
 * asks for a login with `refresh=true` first. After a profile change the settings web hook
 * of kratos.yml runs (after saving). A saved flow shows message 1050001; a browser goes
 * back to the settings UI with the flow, or to return_to.
 */
import { Router, type Request } from 'express';
import { messages, type Flow } from './flows.ts';
import { DuplicateIdentifier, InvalidTraits } from './identities.ts';
import { OryError, oryErrorBody } from './ory-errors.ts';
import { again, answerNewFlow, flowView, isObject, requireSession, startFlow, submission, unsupportedMethod, type Outcome, type SelfServiceDeps } from './self-service.ts';
import type { StoredIdentity, StoredSession } from './store.ts';
import { callWebhook, webhookBody } from './webhook.ts';

export function settingsRoutes(d: SelfServiceDeps): Router {
  const router = Router();

  for (const type of ['api', 'browser'] as const) {
    router.get(`/self-service/settings/${type}`, (req, res) => {
      const { identity } = requireSession(d, req);
      answerNewFlow(d, req, res, startFlow(d, req, res, 'settings', type, { identityId: identity.id }));
    });
  }

  router.get('/self-service/settings/flows', (req, res) => {
    const flow = d.flows.take('settings', req.query.id);
    owner(d, req, flow);
    res.json(flowView(d, flow));
  });

  router.post(
    '/self-service/settings',
    submission(d, 'settings', async (flow, body, req) => {
      const { session, identity } = owner(d, req, flow);
      if (body.method === 'password') return changePassword(d, flow, session, identity, body.password);
      if (body.method === 'profile') return changeProfile(d, flow, session, identity, body);
      return again(d, flow, { general: [messages.invalid(unsupportedMethod(body.method, 'password or profile'))] });
    }),
  );

  return router;
}

/** The flow's person, signed in: 401 without a session, 403 for someone else's flow. */
function owner(d: SelfServiceDeps, req: Request, flow: Flow) {
  const found = requireSession(d, req);
  if (found.identity.id !== flow.identity_id) {
    throw new OryError(403, {
      id: 'security_identity_mismatch',
      reason: 'The request was initiated by someone else and has been blocked for security reasons. Please go back and try again.',
    });
  }
  return found;
}

async function changePassword(d: SelfServiceDeps, flow: Flow, session: StoredSession, identity: StoredIdentity, password: unknown): Promise<Outcome> {
  if (typeof password !== 'string' || password.length < d.minPasswordLength) {
    const length = typeof password === 'string' ? password.length : 0;
    return again(d, flow, { password: messages.passwordPolicy(`password length must be at least ${d.minPasswordLength} characters but only got ${length}`) }, 'password');
  }
  if (!d.sessions.isPrivileged(session, d.privilegedMaxAgeMs)) return refreshRequired(d, flow);
  await d.identities.setPassword(identity, password);
  return saved(d, flow, 'password');
}

async function changeProfile(d: SelfServiceDeps, flow: Flow, session: StoredSession, identity: StoredIdentity, body: Record<string, unknown>): Promise<Outcome> {
  const traits = body.traits;
  if (!isObject(traits)) return again(d, flow, { general: [messages.invalid('traits must be an object.')] }, 'profile');
  if (body.transient_payload !== undefined && !isObject(body.transient_payload)) {
    return again(d, flow, { general: [messages.invalid('transient_payload must be an object.')], values: traits }, 'profile');
  }
  if (changesProtectedTraits(d, identity, traits) && !d.sessions.isPrivileged(session, d.privilegedMaxAgeMs)) return refreshRequired(d, flow);
  let updated: StoredIdentity;
  try {
    updated = d.identities.updateTraits(identity, traits);
  } catch (err) {
    if (err instanceof InvalidTraits) return again(d, flow, { fields: err.errors, values: traits }, 'profile');
    if (err instanceof DuplicateIdentifier) return again(d, flow, { general: [messages.duplicate()], values: traits }, 'profile');
    throw err;
  }
  if (d.hooks.settings) {
    const context = { identity: d.identities.view(updated, { admin: false }), flow: { id: flow.id, type: flow.type, active: 'profile', transient_payload: body.transient_payload } };
    await callWebhook(d.hooks.settings, webhookBody(context));
  }
  return saved(d, flow, 'profile');
}

/** Identifiers and recovery/verification addresses are protected fields in Kratos. */
function changesProtectedTraits(d: SelfServiceDeps, identity: StoredIdentity, traits: Record<string, unknown>): boolean {
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  const addresses = (t: Record<string, unknown>) => [...d.schema.addresses(t, 'recovery'), ...d.schema.addresses(t, 'verification')].map((a) => `${a.via}:${a.value}`);
  return !same(d.schema.passwordIdentifiers(traits), identity.identifiers) || !same(addresses(traits), addresses(identity.traits));
}

function saved(d: SelfServiceDeps, flow: Flow, method: 'password' | 'profile'): Outcome {
  flow.state = 'success';
  d.flows.show(flow, { general: [messages.settingsSaved()] }, method);
  return { status: 200, body: flowView(d, flow), redirect: flow.return_to };
}

/** 403 `session_refresh_required`; a browser is sent to a refresh login that returns to this flow. */
function refreshRequired(d: SelfServiceDeps, flow: Flow): Outcome {
  const back = `${d.urls.settings}?flow=${flow.id}`;
  const login = `${d.publicUrl()}/self-service/login/browser?refresh=true&return_to=${encodeURIComponent(back)}`;
  const error = oryErrorBody(403, {
    id: 'session_refresh_required',
    reason: 'The login session is too old and thus not allowed to update these fields. Please re-authenticate.',
  });
  return { status: 403, body: { ...error, ...(flow.type === 'browser' ? { redirect_browser_to: login } : {}) }, redirect: login };
}
