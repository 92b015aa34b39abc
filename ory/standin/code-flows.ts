/**
 * Recovery and verification with the code method (kratos.yml `use: code`), API and
 * browser flows. Submitting `email` sends a 6-digit code to that address if an identity
 * has it (and says the same either way, as Kratos does without notify_unknown_recipients);
 * submitting `code` passes the challenge, a wrong one leaves the flow as it was with
 * Kratos' message 4060006 / 4070006 on the flow (200, or back to the UI). Five wrong codes
 * spend the code; a flow that has already passed is replaced by a new one. The courier
 * does not send: the message is in the stand-in's log and at `GET /admin/courier/messages`.
 * Recovery then signs the person in (method `code_recovery`), verifies the address and
 * continues with a settings flow; verification marks the address verified.
 * With verification enabled, registration sends the first verification code itself
 * (`verifyAfterRegistration`); the message's link, `GET /self-service/verification?code=&flow=`,
 * opens that flow in the verification UI with the code filled in.
 */
import { randomInt, timingSafeEqual } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { allowedReturnTo, wantsJson } from './browser.ts';
import type { TemplateType } from './courier.ts';
import type { UiText } from './flow-nodes.ts';
import { messages, type Flow } from './flows.ts';
import { oryErrorBody } from './ory-errors.ts';
import {
  again,
  answerNewFlow,
  getFlow,
  regenerateCsrf,
  requestUrl,
  shown,
  startFlow,
  submission,
  unsupportedMethod,
  type Outcome,
  type SelfServiceDeps,
} from './self-service.ts';
import type { StoredIdentity } from './store.ts';

const MAX_ATTEMPTS = 5;

interface CodeFlow {
  kind: 'recovery' | 'verification';
  template: TemplateType;
  sent: () => UiText;
  invalid: () => UiText;
  /** On the flow that replaces one submitted again after it passed. */
  retried: () => UiText;
  /** How a JSON client is told of that replacing flow. */
  replaced: (d: SelfServiceDeps, next: Flow) => Outcome;
  passed: (d: SelfServiceDeps, flow: Flow, identity: StoredIdentity) => Outcome;
}

export const recovery: CodeFlow = {
  kind: 'recovery',
  template: 'recovery_code_valid',
  sent: messages.recoverySent,
  invalid: messages.recoveryCodeInvalid,
  retried: messages.recoveryRetrySuccess,
  // Without feature_flags.use_continue_with_transitions (kratos.yml sets none), Kratos redirects JSON clients to the new flow.
  replaced: (d, next) => ({ status: 303, body: undefined, location: `${d.publicUrl()}/self-service/recovery/flows?id=${next.id}` }),
  passed(d, flow, identity) {
    const session = d.sessions.issue(identity, 'code_recovery');
    const until = new Date(d.clock().getTime() + d.privilegedMaxAgeMs).toISOString();
    const settings = d.flows.start('settings', {
      type: flow.type,
      requestUrl: flow.request_url,
      csrf: flow.csrf,
      identityId: identity.id,
      returnTo: flow.return_to,
      form: { general: [messages.recovered(d.privilegedMaxAgeMs / 60_000, until)] },
    });
    const settingsUrl = `${d.urls.settings}?flow=${settings.id}`;
    if (flow.type === 'api') {
      return shown(d, flow, {
        continue_with: [
          { action: 'set_ory_session_token', ory_session_token: session.token },
          { action: 'show_settings_ui', flow: { id: settings.id } },
        ],
      });
    }
    const error = oryErrorBody(422, {
      id: 'browser_location_change_required',
      reason: `In order to complete this flow please redirect the browser to: ${settingsUrl}`,
      message: 'browser location change required',
    });
    return { status: 422, body: { ...error, redirect_browser_to: settingsUrl }, redirect: settingsUrl, session };
  },
};

export const verification: CodeFlow = {
  kind: 'verification',
  template: 'verification_code_valid',
  sent: messages.verificationSent,
  invalid: messages.verificationCodeInvalid,
  retried: messages.verificationRetrySuccess,
  // retryVerificationFlowWithMessage: flow.NewFlowReplacedError(text.NewErrorSystemGeneric(...)).WithFlow(f), text as Kratos has it.
  replaced: (_d, next) => ({
    status: 410,
    body: {
      ...oryErrorBody(410, { id: 'self_service_flow_replaced', message: 'self-service flow replaced', reason: 'An error occured, please use the new flow.' }),
      use_flow_id: next.id,
    },
  }),
  passed(d, flow) {
    flow.continue_url = flow.return_to ?? d.urls.defaultReturn;
    d.flows.show(flow, { general: [messages.verified()] }, 'code');
    return shown(d, flow);
  },
};

export function codeFlowRoutes(d: SelfServiceDeps, spec: CodeFlow): Router {
  const router = Router();
  const { kind } = spec;

  for (const type of ['api', 'browser'] as const) {
    router.get(`/self-service/${kind}/${type}`, (req, res) => answerNewFlow(d, req, res, startFlow(d, req, res, kind, type)));
  }
  // Kratos checks the anti-CSRF cookie when a verification flow is fetched, not a recovery flow.
  router.get(`/self-service/${kind}/flows`, getFlow(d, kind, kind === 'verification'));

  router.post(
    `/self-service/${kind}`,
    submission(d, kind, (flow, body, req, res) => {
      if (body.method !== 'code') return again(d, flow, { general: [messages.invalid(unsupportedMethod(body.method, 'code'))] });
      if (flow.state === 'passed_challenge') return replaced(d, spec, flow, req, res);
      if (typeof body.email === 'string' && body.email.trim()) return sendCode(d, spec, flow, body.email);
      if (typeof body.code === 'string' && body.code.trim()) return checkCode(d, spec, flow, body.code.trim());
      return again(d, flow, { field: { name: 'email', message: messages.missingProperty('email') } }, 'code');
    }),
  );

  // The link in a verification message (Kratos registers GET on the submit route for it; the spec lists only POST).
  if (kind === 'verification') router.get('/self-service/verification', (req, res) => openLink(d, req, res));

  return router;
}

/**
 * Kratos' verification hook (selfservice/hook/verification.go), which Kratos puts first
 * among the after-registration hooks when verification is enabled, before the web hook
 * and `session` (driver/registry_default_registration.go): for the identity's first
 * address not yet verified, a verification flow of the registration's type in state
 * `sent_email`, and a code sent to the address, whose status becomes `sent`. Without the
 * `show_verification_ui` hook (kratos.yml has none) the registration's answer does not
 * name that flow: the person reaches it through the message's link.
 */
export function verifyAfterRegistration(d: SelfServiceDeps, registration: Flow, identity: StoredIdentity, res: Response): StoredIdentity {
  const address = identity.verifiable_addresses.find((a) => !a.verified && a.value);
  if (!address) return identity;
  // verification.NewPostHookFlow: the registration's request URL, after_verification_return_to becoming return_to.
  const url = new URL(registration.request_url);
  const after = url.searchParams.get('after_verification_return_to');
  if (after) url.searchParams.set('return_to', after);
  url.searchParams.delete('after_verification_return_to');
  url.searchParams.sort();
  const returnTo = url.searchParams.get('return_to');
  const flow = d.flows.start('verification', {
    type: registration.type,
    requestUrl: url.toString(),
    // The hook regenerates the anti-CSRF token of a browser registration.
    csrf: registration.type === 'browser' ? regenerateCsrf(d, res) : '',
    returnTo: (returnTo && allowedReturnTo(returnTo, d.urls)) || undefined,
  });
  flow.state = 'sent_email';
  d.flows.show(flow, { general: [verification.sent()] }, 'code');
  return issueCode(d, verification, flow, identity, address.value);
}

function sendCode(d: SelfServiceDeps, spec: CodeFlow, flow: Flow, email: string): Outcome {
  const address = email.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(address)) {
    return again(d, flow, { field: { name: 'email', message: messages.invalid(`"${email}" is not valid "email"`) }, values: { email } }, 'code');
  }
  const identity = d.identities.byAddress(address, spec.kind);
  flow.code = undefined;
  if (identity) issueCode(d, spec, flow, identity, address);
  flow.state = 'sent_email';
  d.flows.show(flow, { general: [spec.sent()], values: { email } }, 'code');
  return shown(d, flow);
}

/** A new code for the flow, e-mailed; a verification code marks the address `sent` (code strategy, SendVerificationCodeTo). */
function issueCode(d: SelfServiceDeps, spec: CodeFlow, flow: Flow, identity: StoredIdentity, address: string): StoredIdentity {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expires_at = new Date(d.clock().getTime() + d.codeLifespanMs).toISOString();
  flow.code = { identity_id: identity.id, address, code, expires_at, attempts: 0 };
  const model = { to: address, code, expires_in_minutes: Math.floor(d.codeLifespanMs / 60_000) };
  if (spec.kind === 'recovery') {
    d.courier.send(spec.template, model);
    return identity;
  }
  // constructVerificationLink: the public URL's submit route with ?code=&flow= (url.Values sorts its keys).
  d.courier.send(spec.template, { ...model, verification_url: `${d.publicUrl()}/self-service/verification?code=${code}&flow=${flow.id}` });
  return d.identities.markSent(identity, address);
}

function checkCode(d: SelfServiceDeps, spec: CodeFlow, flow: Flow, code: string): Outcome {
  const sent = flow.code;
  const identity = sent && d.identities.get(sent.identity_id);
  const fresh = sent && sent.attempts < MAX_ATTEMPTS && Date.parse(sent.expires_at) > d.clock().getTime();
  if (!sent || !identity || !fresh || !sameCode(code, sent.code)) {
    if (sent) sent.attempts += 1;
    d.flows.show(flow, { values: flow.form.values, general: [spec.invalid()] });
    return shown(d, flow);
  }
  flow.code = undefined;
  flow.state = 'passed_challenge';
  d.identities.markVerified(identity, sent.address);
  return spec.passed(d, flow, identity);
}

/** A flow submitted again after it passed: Kratos answers with a new flow that says so. */
function replaced(d: SelfServiceDeps, spec: CodeFlow, flow: Flow, req: Request, res: Response): Outcome {
  const next = replacement(d, spec, flow, req, res);
  if (!wantsJson(req)) return { status: 303, body: undefined, location: `${d.urls[spec.kind]}?flow=${next.id}` };
  return spec.replaced(d, next);
}

function replacement(d: SelfServiceDeps, spec: CodeFlow, flow: Flow, req: Request, res: Response): Flow {
  const csrf = flow.type === 'browser' ? regenerateCsrf(d, res) : '';
  return d.flows.start(spec.kind, { type: flow.type, requestUrl: requestUrl(d, req), csrf, form: { general: [spec.retried()] } });
}

/**
 * handleLinkClick of the code strategy: the code goes into the flow's form, the flow gets
 * a new anti-CSRF token (the link may be opened in another browser), and the browser goes
 * to the verification UI, API flows too; the person then submits the code there.
 */
function openLink(d: SelfServiceDeps, req: Request, res: Response): void {
  const flow = d.flows.take('verification', req.query.flow);
  const code = typeof req.query.code === 'string' ? req.query.code.trim() : '';
  let shownFlow = flow;
  if (flow.state === 'passed_challenge') shownFlow = replacement(d, verification, flow, req, res);
  else if (code) {
    d.flows.show(flow, { ...flow.form, values: { ...flow.form.values, code } });
    flow.csrf = regenerateCsrf(d, res);
  }
  res.redirect(303, `${d.urls.verification}?flow=${shownFlow.id}`);
}

const sameCode = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
