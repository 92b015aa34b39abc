/**
 * An address verified as its owner verifies it: a Kratos API verification flow through the
 * Ory stand-in, the code read from the message its courier holds for the address (the
 * admin API `GET /admin/courier/messages?recipient=`, as only the mailbox's owner reads
 * the mail), and the code submitted. Kratos calls no hook for this.
 */
import { expect } from 'chai';

const json = async (res: Response) => ({ status: res.status, body: await res.json() as any });

export async function verifyAddress(standinUrl: string, email: string): Promise<void> {
  const post = (path: string, body: unknown) => fetch(`${standinUrl}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body),
  }).then(json);
  const flow = await json(await fetch(`${standinUrl}/self-service/verification/api`, { headers: { accept: 'application/json' } }));
  const sent = await post(`/self-service/verification?flow=${flow.body.id}`, { method: 'code', email });
  expect(sent.body.state, `a verification code sent to ${email}`).to.equal('sent_email');
  const messages = await json(await fetch(`${standinUrl}/admin/courier/messages?recipient=${encodeURIComponent(email.toLowerCase())}`));
  // Newest first, as Kratos lists them.
  const last = (messages.body as { template_type: string; body: string }[]).find((m) => m.template_type === 'verification_code_valid');
  const code = last && /^\d{6}$/m.exec(last.body)?.[0];
  expect(code, `the verification code e-mailed to ${email}`).to.be.a('string');
  const done = await post(`/self-service/verification?flow=${flow.body.id}`, { method: 'code', code });
  expect(done.body.state, `the address ${email} verified: ${JSON.stringify(done.body).slice(0, 300)}`).to.equal('passed_challenge');
}
