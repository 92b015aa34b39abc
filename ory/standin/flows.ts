/**
 * Native (API) self-service flows for registration and login with the password method,
 * in the shapes `registrationFlow` and `loginFlow` of kratos-api.json. Flows live in
 * memory only; an unknown flow is 404, an expired one 410.
 */
import { randomUUID } from 'node:crypto';
import type { IdentitySchema, TraitError } from './identity-schema.ts';
import { OryError } from './ory-errors.ts';

type FlowKind = 'registration' | 'login';

export interface Flow {
  id: string;
  kind: FlowKind;
  issued_at: string;
  expires_at: string;
  request_url: string;
}

interface UiText {
  id: number;
  text: string;
  type: 'info' | 'error';
  context?: Record<string, unknown>;
}

interface UiNode {
  type: 'input';
  group: 'default' | 'password';
  attributes: Record<string, unknown>;
  messages: UiText[];
  meta: { label?: UiText };
}

/** Kratos' message ids (text/id.go). */
export const messages = {
  missingProperty: (property: string): UiText => ({ id: 4000002, text: `Property ${property} is missing.`, type: 'error', context: { property } }),
  invalid: (reason: string): UiText => ({ id: 4000001, text: reason, type: 'error', context: { reason } }),
  passwordPolicy: (reason: string): UiText => ({
    id: 4000005,
    text: `The password can not be used because ${reason}.`,
    type: 'error',
    context: { reason },
  }),
  duplicate: (): UiText => ({
    id: 4000007,
    text: 'An account with the same identifier (email, phone, username, ...) exists already.',
    type: 'error',
  }),
  invalidCredentials: (): UiText => ({
    id: 4000006,
    text: 'The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.',
    type: 'error',
  }),
};

/** Errors to show on a re-rendered form. */
export interface FormErrors {
  fields?: TraitError[];
  password?: UiText;
  general?: UiText[];
  values?: Record<string, unknown>;
}

export class Flows {
  private readonly flows = new Map<string, Flow>();

  constructor(
    private readonly schema: IdentitySchema,
    private readonly publicUrl: () => string,
    private readonly lifespanMs: number,
    private readonly clock: () => Date,
  ) {}

  start(kind: FlowKind, requestUrl: string): Flow {
    const now = this.clock();
    const flow: Flow = {
      id: randomUUID(),
      kind,
      issued_at: now.toISOString(),
      expires_at: new Date(now.getTime() + this.lifespanMs).toISOString(),
      request_url: requestUrl,
    };
    this.flows.set(flow.id, flow);
    return flow;
  }

  /** The flow a submission names, or Ory's 404 / 410. */
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

  /** `registrationFlow` or `loginFlow`. */
  view(flow: Flow, errors: FormErrors = {}, active?: 'password'): Record<string, unknown> {
    const nodes = flow.kind === 'registration' ? this.registrationNodes(errors) : loginNodes(errors);
    const json: Record<string, unknown> = {
      id: flow.id,
      type: 'api',
      expires_at: flow.expires_at,
      issued_at: flow.issued_at,
      request_url: flow.request_url,
      ui: {
        action: `${this.publicUrl()}/self-service/${flow.kind}?flow=${flow.id}`,
        method: 'POST',
        nodes,
        ...(errors.general?.length ? { messages: errors.general } : {}),
      },
      state: 'choose_method',
      ...(active ? { active } : {}),
    };
    if (flow.kind === 'login') Object.assign(json, { created_at: flow.issued_at, updated_at: flow.issued_at, refresh: false, requested_aal: 'aal1' });
    return json;
  }

  private registrationNodes(errors: FormErrors): UiNode[] {
    const traits = this.schema.fields.map((f) => {
      const name = ['traits', ...f.path].join('.');
      const title = typeof f.schema.title === 'string' ? f.schema.title : f.path.join('.');
      const type = f.schema.format === 'email' ? 'email' : f.schema.type === 'integer' || f.schema.type === 'number' ? 'number' : 'text';
      const fieldErrors = (errors.fields ?? []).filter((e) => e.field === name);
      return input('default', name, type, {
        label: { id: 1070002, text: title, type: 'info', context: { title } },
        value: valueAt(errors.values, f.path),
        messages: fieldErrors.map((e) => (e.missing ? messages.missingProperty(e.missing) : messages.invalid(e.message))),
        required: this.isRequired(f.path),
      });
    });
    return [
      csrfNode(),
      ...traits,
      input('password', 'password', 'password', {
        label: { id: 1070001, text: 'Password', type: 'info' },
        required: true,
        autocomplete: 'new-password',
        messages: errors.password ? [errors.password] : [],
      }),
      submit('password', { id: 1040001, text: 'Sign up', type: 'info' }),
    ];
  }

  private isRequired(path: string[]): boolean {
    let schema = (this.schema.raw.properties as Record<string, Record<string, unknown>>).traits;
    for (const key of path) {
      if (!schema || !Array.isArray(schema.required) || !schema.required.includes(key)) return false;
      schema = (schema.properties as Record<string, Record<string, unknown>>)[key];
    }
    return true;
  }
}

function loginNodes(errors: FormErrors): UiNode[] {
  return [
    csrfNode(),
    input('default', 'identifier', 'text', { label: { id: 1070004, text: 'ID', type: 'info' }, required: true, value: errors.values?.identifier }),
    input('password', 'password', 'password', { label: { id: 1070001, text: 'Password', type: 'info' }, required: true, autocomplete: 'current-password' }),
    submit('password', { id: 1010001, text: 'Sign in', type: 'info' }),
  ];
}

function input(
  group: UiNode['group'],
  name: string,
  type: string,
  o: { label?: UiText; value?: unknown; required?: boolean; autocomplete?: string; messages?: UiText[] },
): UiNode {
  return {
    type: 'input',
    group,
    attributes: {
      name,
      type,
      ...(o.value !== undefined ? { value: o.value } : {}),
      ...(o.required ? { required: true } : {}),
      ...(o.autocomplete ? { autocomplete: o.autocomplete } : {}),
      disabled: false,
      node_type: 'input',
    },
    messages: o.messages ?? [],
    meta: o.label ? { label: o.label } : {},
  };
}

const csrfNode = (): UiNode => input('default', 'csrf_token', 'hidden', { value: '', required: true });

const submit = (group: UiNode['group'], label: UiText): UiNode => ({
  type: 'input',
  group,
  attributes: { name: 'method', type: 'submit', value: group, disabled: false, node_type: 'input' },
  messages: [],
  meta: { label },
});

function valueAt(values: Record<string, unknown> | undefined, path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), values);
}
