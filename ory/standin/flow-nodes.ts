/**
 * The `ui.nodes` of each self-service flow and Kratos' messages (ids of text/id.go), as
 * Kratos renders them for the password, profile and code methods.
 */
import type { Flow } from './flows.ts';
import type { IdentitySchema, TraitError } from './identity-schema.ts';

export interface UiText {
  id: number;
  text: string;
  type: 'info' | 'error' | 'success';
  context?: Record<string, unknown>;
}

type Group = 'default' | 'password' | 'profile' | 'code';

interface UiNode {
  type: 'input' | 'a';
  group: Group;
  attributes: Record<string, unknown>;
  messages: UiText[];
  meta: { label?: UiText };
}

/** What a form shows besides its fields: messages and the values it was submitted with. */
export interface FormErrors {
  fields?: TraitError[];
  password?: UiText;
  /** Messages on one named field other than traits and password (`email`, `code`). */
  field?: { name: string; message: UiText };
  general?: UiText[];
  values?: Record<string, unknown>;
}

const info = (id: number, text: string, context?: Record<string, unknown>): UiText => ({ id, text, type: 'info', ...(context ? { context } : {}) });
const error = (id: number, text: string, context?: Record<string, unknown>): UiText => ({ id, text, type: 'error', ...(context ? { context } : {}) });

export const messages = {
  missingProperty: (property: string) => error(4000002, `Property ${property} is missing.`, { property }),
  invalid: (reason: string) => error(4000001, reason, { reason }),
  passwordPolicy: (reason: string) => error(4000005, `The password can not be used because ${reason}.`, { reason }),
  duplicate: () => error(4000007, 'An account with the same identifier (email, phone, username, ...) exists already.'),
  invalidCredentials: () =>
    error(4000006, 'The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.'),
  confirmIdentity: () => info(1010003, 'Please confirm this action by verifying that it is you.'),
  settingsSaved: (): UiText => ({ id: 1050001, text: 'Your changes have been saved!', type: 'success' }),
  recoverySent: () =>
    info(
      1060003,
      'An email containing a recovery code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.',
    ),
  recovered: (minutes: number, expiresAt: string) =>
    info(
      1060001,
      `You successfully recovered your account. Please change your password or set up an alternative login method (e.g. social sign in) within the next ${minutes.toFixed(2)} minutes.`,
      { privileged_session_expires_at: expiresAt },
    ),
  recoveryCodeInvalid: () => error(4060006, 'The recovery code is invalid or has already been used. Please try again.'),
  recoveryRetrySuccess: () => error(4060001, 'The request was already completed successfully and can not be retried.'),
  verificationSent: () =>
    info(
      1080003,
      'An email containing a verification code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.',
    ),
  verified: (): UiText => ({ id: 1080002, text: 'You successfully verified your email address.', type: 'success' }),
  verificationCodeInvalid: () => error(4070006, 'The verification code is invalid or has already been used. Please try again.'),
  verificationRetrySuccess: () => error(4070002, 'The request was already completed successfully and can not be retried.'),
};

const labels = {
  password: info(1070001, 'Password'),
  identifier: info(1070004, 'ID'),
  save: info(1070003, 'Save'),
  submit: info(1070005, 'Submit'),
  email: info(1070007, 'Email'),
  resend: info(1070008, 'Resend code'),
  continue: info(1070009, 'Continue'),
  recoveryCode: info(1070010, 'Recovery code'),
  verificationCode: info(1070011, 'Verification code'),
  signIn: info(1010001, 'Sign in'),
  signUp: info(1040001, 'Sign up'),
};

/** `traits` are the settings flow's identity's current traits. */
export function flowNodes(schema: IdentitySchema, flow: Flow, traits?: Record<string, unknown>): UiNode[] {
  const form = flow.form;
  const csrf = input('default', 'csrf_token', 'hidden', { value: flow.csrf, required: true });
  switch (flow.kind) {
    case 'login':
      return [
        csrf,
        input('default', 'identifier', 'text', { label: labels.identifier, required: true, value: form.values?.identifier }),
        input('password', 'password', 'password', { label: labels.password, required: true, autocomplete: 'current-password' }),
        submit('password', labels.signIn),
      ];
    case 'registration':
      return [
        csrf,
        ...traitNodes(schema, 'default', form, form.values),
        passwordNode(form),
        submit('password', labels.signUp),
      ];
    case 'settings':
      return [
        csrf,
        ...traitNodes(schema, 'profile', form, form.values ?? traits),
        submit('profile', labels.save),
        passwordNode(form),
        submit('password', labels.save),
      ];
    case 'recovery':
    case 'verification':
      return [csrf, ...codeNodes(flow)];
  }
}

function codeNodes(flow: Flow): UiNode[] {
  const form = flow.form;
  const on = (name: string) => (form.field?.name === name ? [form.field.message] : []);
  if (flow.state === 'passed_challenge') {
    return flow.continue_url
      ? [{ type: 'a', group: 'code', attributes: { href: flow.continue_url, title: labels.continue, id: 'continue', node_type: 'a' }, messages: [], meta: { label: labels.continue } }]
      : [];
  }
  if (flow.state === 'sent_email') {
    const label = flow.kind === 'recovery' ? labels.recoveryCode : labels.verificationCode;
    return [
      input('code', 'code', 'text', { label, required: true, pattern: '[0-9]+', value: form.values?.code, messages: on('code') }),
      submit('code', labels.submit),
      ...(flow.code ? [submit('code', labels.resend, { name: 'email', value: flow.code.address })] : []),
    ];
  }
  return [
    input('code', 'email', 'email', { label: labels.email, required: true, value: form.values?.email, messages: on('email') }),
    submit('code', labels.submit),
  ];
}

function traitNodes(schema: IdentitySchema, group: Group, form: FormErrors, values: Record<string, unknown> | undefined): UiNode[] {
  return schema.fields.map((f) => {
    const name = ['traits', ...f.path].join('.');
    const title = typeof f.schema.title === 'string' ? f.schema.title : f.path.join('.');
    const type = f.schema.format === 'email' ? 'email' : f.schema.type === 'integer' || f.schema.type === 'number' ? 'number' : 'text';
    const fieldErrors = (form.fields ?? []).filter((e) => e.field === name);
    return input(group, name, type, {
      label: { id: 1070002, text: title, type: 'info', context: { title } },
      value: valueAt(values, f.path),
      messages: fieldErrors.map((e) => (e.missing ? messages.missingProperty(e.missing) : messages.invalid(e.message))),
      required: isRequired(schema, f.path),
    });
  });
}

const passwordNode = (form: FormErrors) =>
  input('password', 'password', 'password', {
    label: labels.password,
    required: true,
    autocomplete: 'new-password',
    messages: form.password ? [form.password] : [],
  });

function isRequired(schema: IdentitySchema, path: string[]): boolean {
  let node = (schema.raw.properties as Record<string, Record<string, unknown>>).traits;
  for (const key of path) {
    if (!node || !Array.isArray(node.required) || !node.required.includes(key)) return false;
    node = (node.properties as Record<string, Record<string, unknown>>)[key];
  }
  return true;
}

function input(
  group: Group,
  name: string,
  type: string,
  o: { label?: UiText; value?: unknown; required?: boolean; autocomplete?: string; pattern?: string; messages?: UiText[] },
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
      ...(o.pattern ? { pattern: o.pattern } : {}),
      disabled: false,
      node_type: 'input',
    },
    messages: o.messages ?? [],
    meta: o.label ? { label: o.label } : {},
  };
}

/** A submit button; by default `method=<group>`. */
const submit = (group: Group, label: UiText, { name = 'method', value = group as string } = {}): UiNode => ({
  type: 'input',
  group,
  attributes: { name, type: 'submit', value, disabled: false, node_type: 'input' },
  messages: [],
  meta: { label },
});

export function valueAt(values: Record<string, unknown> | undefined, path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), values);
}
