/**
 * Self-service flows (login, registration, settings, recovery, verification), API and
 * browser, in the shapes `loginFlow`, `registrationFlow`, `settingsFlow`, `recoveryFlow`
 * and `verificationFlow` of kratos-api.json. Flows live in memory only, and keep what
 * their form shows (messages, submitted values), as Kratos persists a flow's `ui`: a
 * browser that is sent back to the UI URL finds the same form. An unknown flow is 404,
 * an expired one 410.
 */
import { randomUUID } from 'node:crypto';
import { flowNodes, type FormErrors, type UiText } from './flow-nodes.ts';
import type { IdentitySchema } from './identity-schema.ts';
import { OryError } from './ory-errors.ts';

export { messages, type FormErrors } from './flow-nodes.ts';

export type FlowKind = 'registration' | 'login' | 'settings' | 'recovery' | 'verification';
export type FlowType = 'api' | 'browser';

/** A code the courier sent for a recovery or verification flow. */
export interface SentCode {
  identity_id: string;
  address: string;
  code: string;
  expires_at: string;
  attempts: number;
}

export interface Flow {
  id: string;
  kind: FlowKind;
  type: FlowType;
  issued_at: string;
  expires_at: string;
  request_url: string;
  return_to?: string;
  /** The masked anti-CSRF token the form carries (browser flows); '' for API flows. */
  csrf: string;
  state: string;
  active?: string;
  /** What the form shows now: messages and submitted values. */
  form: FormErrors;
  /** Settings: whose flow it is. Login: whom a refresh re-authenticates. */
  identity_id?: string;
  refresh?: boolean;
  code?: SentCode;
  /** Verification: where the "Continue" link leads. */
  continue_url?: string;
}

export interface FlowStart {
  type: FlowType;
  requestUrl: string;
  csrf?: string;
  returnTo?: string;
  identityId?: string;
  refresh?: boolean;
  form?: FormErrors;
}

const INITIAL_STATE: Record<FlowKind, string> = {
  login: 'choose_method',
  registration: 'choose_method',
  settings: 'show_form',
  recovery: 'choose_method',
  verification: 'choose_method',
};

export class Flows {
  private readonly flows = new Map<string, Flow>();

  constructor(
    private readonly schema: IdentitySchema,
    private readonly publicUrl: () => string,
    private readonly lifespanMs: number,
    private readonly clock: () => Date,
  ) {}

  start(kind: FlowKind, start: FlowStart): Flow {
    const now = this.clock();
    const flow: Flow = {
      id: randomUUID(),
      kind,
      type: start.type,
      issued_at: now.toISOString(),
      expires_at: new Date(now.getTime() + this.lifespanMs).toISOString(),
      request_url: start.requestUrl,
      ...(start.returnTo ? { return_to: start.returnTo } : {}),
      csrf: start.csrf ?? '',
      state: INITIAL_STATE[kind],
      form: start.form ?? {},
      ...(start.identityId ? { identity_id: start.identityId } : {}),
      ...(start.refresh ? { refresh: true } : {}),
    };
    this.flows.set(flow.id, flow);
    return flow;
  }

  /** The flow a request names, or Ory's 404 / 410. */
  take(kind: FlowKind, id: unknown): Flow {
    const flow = typeof id === 'string' ? this.flows.get(id) : undefined;
    if (!flow || flow.kind !== kind) throw new OryError(404, { message: 'Unable to locate the resource', reason: `No ${kind} flow with this id.` });
    if (Date.parse(flow.expires_at) <= this.clock().getTime()) {
      this.flows.delete(flow.id);
      throw new OryError(410, { id: 'self_service_flow_expired', reason: `The ${kind} flow has expired.`, message: 'self-service flow expired' });
    }
    return flow;
  }

  finish(flow: Flow): void {
    this.flows.delete(flow.id);
  }

  /** Replaces what the form shows (messages and values). */
  show(flow: Flow, form: FormErrors, active?: string): Flow {
    flow.form = form;
    if (active) flow.active = active;
    return flow;
  }

  /** The flow's JSON; `identity` is the settings flow's identity (public view) and its current traits. */
  view(flow: Flow, extra: { identity?: Record<string, unknown>; continue_with?: unknown[] } = {}): Record<string, unknown> {
    const traits = extra.identity?.traits as Record<string, unknown> | undefined;
    const general: UiText[] = flow.form.general ?? [];
    const json: Record<string, unknown> = {
      id: flow.id,
      type: flow.type,
      expires_at: flow.expires_at,
      issued_at: flow.issued_at,
      request_url: flow.request_url,
      ...(flow.return_to ? { return_to: flow.return_to } : {}),
      ui: {
        action: `${this.publicUrl()}/self-service/${flow.kind}?flow=${flow.id}`,
        method: 'POST',
        nodes: flowNodes(this.schema, flow, traits),
        ...(general.length ? { messages: general } : {}),
      },
      state: flow.state,
      ...(flow.active ? { active: flow.active } : {}),
      ...(extra.identity ? { identity: extra.identity } : {}),
      ...(extra.continue_with ? { continue_with: extra.continue_with } : {}),
    };
    if (flow.kind === 'login') {
      Object.assign(json, { created_at: flow.issued_at, updated_at: flow.issued_at, refresh: flow.refresh ?? false, requested_aal: 'aal1' });
    }
    return json;
  }
}
