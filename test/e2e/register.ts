import { randomBytes } from 'node:crypto';
import { expect } from 'chai';

export interface Registration {
  /** Default `<first>.<random>@school.test`. */
  email?: string;
  /** The traits besides the e-mail, as identity.schema.json allows them; default a name `<first> Test`. */
  traits?: Record<string, unknown>;
  /** What the registration form sends beside the traits for the web hooks (referral_code, discourse_username). */
  transientPayload?: Record<string, unknown>;
}

export interface Registered {
  id: string;
  email: string;
  password: string;
  token: string;
  flowId: string;
  identity: Record<string, unknown>;
}

/**
 * Registers a person as a client of the Kratos API flow does it, through the stand-in:
 * GET /self-service/registration/api, then POST the password method with the traits and,
 * when given, the transient payload, which Kratos hands to the after-registration web hook.
 */
export async function registerThroughStandin(standinUrl: string, first: string, opts: Registration = {}): Promise<Registered> {
  const email = opts.email ?? `${first.toLowerCase()}.${randomBytes(3).toString('hex')}@school.test`;
  const password = `Pw-${randomBytes(8).toString('hex')}`;
  const flow = await (await fetch(`${standinUrl}/self-service/registration/api`, { headers: { accept: 'application/json' } })).json() as { id: string };
  const res = await fetch(`${standinUrl}/self-service/registration?flow=${flow.id}`, {
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      method: 'password', password, traits: { email, ...(opts.traits ?? { name: { first, last: 'Test' } }) },
      ...(opts.transientPayload ? { transient_payload: opts.transientPayload } : {}),
    }),
  });
  const body = await res.json() as { identity: { id: string } & Record<string, unknown>; session_token: string };
  expect(res.status, `registration of ${first} through the stand-in: ${JSON.stringify(body).slice(0, 500)}`).to.equal(200);
  return { id: body.identity.id, email, password, token: body.session_token, flowId: flow.id, identity: body.identity };
}
