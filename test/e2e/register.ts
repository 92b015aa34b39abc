import { randomBytes } from 'node:crypto';
import { expect } from 'chai';

/** Registers a person as the Kratos API flow does it, through the stand-in. */
export async function registerThroughStandin(standinUrl: string, first: string): Promise<{ id: string; email: string; token: string }> {
  const email = `${first.toLowerCase()}.${randomBytes(3).toString('hex')}@school.test`;
  const flow = await (await fetch(`${standinUrl}/self-service/registration/api`, { headers: { accept: 'application/json' } })).json() as { id: string };
  const res = await fetch(`${standinUrl}/self-service/registration?flow=${flow.id}`, {
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ method: 'password', password: `Pw-${randomBytes(8).toString('hex')}`, traits: { email, name: { first, last: 'Test' } } }),
  });
  const body = await res.json() as { identity: { id: string }; session_token: string };
  expect(res.status, `registration of ${first} through the stand-in`).to.equal(200);
  return { id: body.identity.id, email, token: body.session_token };
}
