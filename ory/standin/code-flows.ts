/**
 * Recovery and verification with the code method (kratos.yml `use: code`), API and
 * browser flows. Submitting `email` sends a 6-digit code to that address if an identity
 * has it (and says the same either way, as Kratos does without notify_unknown_recipients);
 * submitting `code` passes the challenge. Five wrong codes spend the code. The courier does
 * not send: the code is in the stand-in's log and at `GET /admin/courier/messages`.
 * Recovery then signs the person in (method `code_recovery`), verifies the address and
 * continues with a settings flow; verification marks the address verified.
 */
import { randomInt, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { TemplateType } from './courier.ts';
import type { UiText } from './flow-nodes.ts';
import { messages, type Flow } from './flows.ts';
import { oryErrorBody } from './ory-errors.ts';
import { again, answerNewFlow, getFlow, shown, startFlow, submission, unsupportedMethod, type Outcome, type SelfServiceDeps } from './self-service.ts';
import type { StoredIdentity } from './store.ts';

const MAX_ATTEMPTS = 5;

interface CodeFlow {
  kind: 'recovery' | 'verification';
  template: TemplateType;
  subject: string;
  /** What the message asks, e.g. "recover access to your account". */
  asks: string;
  sent: () => UiText;
  invalid: () => UiText;
  passed: (d: SelfServiceDeps, flow: Flow, identity: StoredIdentity) => Outcome;
}

export const recovery: CodeFlow = {
  kind: 'recovery',
  template: 'recovery_code_valid',
  subject: 'Recover access to your account',
  asks: 'recover access to your account',
  sent: messages.recoverySent,
  invalid: messages.recoveryCodeInvalid,
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
  subject: 'Please verify your email address',
  asks: 'verify your account',
  sent: messages.verificationSent,
  invalid: messages.verificationCodeInvalid,
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
    submission(d, kind, (flow, body) => {
      if (body.method !== 'code') return again(d, flow, { general: [messages.invalid(unsupportedMethod(body.method, 'code'))] });
      if (typeof body.email === 'string' && body.email.trim()) return sendCode(d, spec, flow, body.email);
      if (typeof body.code === 'string' && body.code.trim()) return checkCode(d, spec, flow, body.code.trim());
      return again(d, flow, { field: { name: 'email', message: messages.missingProperty('email') } }, 'code');
    }),
  );

  return router;
}

function sendCode(d: SelfServiceDeps, spec: CodeFlow, flow: Flow, email: string): Outcome {
  const address = email.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(address)) {
    return again(d, flow, { field: { name: 'email', message: messages.invalid(`"${email}" is not valid "email"`) }, values: { email } }, 'code');
  }
  const identity = d.identities.byAddress(address, spec.kind);
  flow.code = undefined;
  if (identity) {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expires_at = new Date(d.clock().getTime() + d.codeLifespanMs).toISOString();
    flow.code = { identity_id: identity.id, address, code, expires_at, attempts: 0 };
    d.courier.send({ recipient: address, template_type: spec.template, subject: spec.subject, body: `Hi,\n\nplease ${spec.asks} by entering the following code:\n\n${code}\n`, code });
  }
  flow.state = 'sent_email';
  d.flows.show(flow, { general: [spec.sent()], values: { email } }, 'code');
  return shown(d, flow);
}

function checkCode(d: SelfServiceDeps, spec: CodeFlow, flow: Flow, code: string): Outcome {
  const sent = flow.code;
  const identity = sent && d.identities.get(sent.identity_id);
  const fresh = sent && sent.attempts < MAX_ATTEMPTS && Date.parse(sent.expires_at) > d.clock().getTime();
  if (!sent || !identity || !fresh || !sameCode(code, sent.code)) {
    if (sent) sent.attempts += 1;
    return again(d, flow, { field: { name: 'code', message: spec.invalid() } }, 'code');
  }
  flow.code = undefined;
  flow.state = 'passed_challenge';
  d.identities.markVerified(identity, sent.address);
  return spec.passed(d, flow, identity);
}

const sameCode = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
