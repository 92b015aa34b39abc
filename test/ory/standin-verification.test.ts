import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'chai';
import { browserUrls } from '../../ory/standin/index.ts';
import { Browser, fetchFlow, flowIdIn, openFlow, startHookReceiver } from './browser-client.ts';
import { repoRoot } from './spec-dir.ts';
import { startStandin, type Harness } from './standin-harness.ts';

const UI = 'http://ui.test';
const PASSWORD = 'correct horse battery';
const messageIds = (flow: any) => (flow.ui.messages ?? []).map((m: any) => m.id);
const node = (flow: any, name: string, type?: string) => flow.ui.nodes.find((n: any) => n.attributes.name === name && (!type || n.attributes.type === type));

async function registerByApi(h: Harness, email: string) {
  const flow = await h.raw('GET', '/self-service/registration/api');
  const res = await h.raw('POST', `/self-service/registration?flow=${flow.body.id}`, { body: { method: 'password', password: PASSWORD, traits: { email, locale: 'ru' } } });
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return res.body;
}

/** The verification message Kratos' courier holds for the address, and the code and link in its body. */
async function verificationMessage(h: Harness, recipient: string) {
  const list = await h.raw('GET', `/admin/courier/messages?recipient=${encodeURIComponent(recipient)}`);
  expect(list.status).to.equal(200);
  const found = list.body.filter((m: any) => m.template_type === 'verification_code_valid');
  expect(found, `one verification_code_valid message to ${recipient}`).to.have.length(1);
  const message = found[0];
  const code = /^\d{6}$/m.exec(message.body)?.[0];
  const link = /^(http\S+)$/m.exec(message.body)?.[1];
  expect(code, message.body).to.be.a('string');
  expect(link, message.body).to.be.a('string');
  return { message, code: code!, link: link!, flowId: new URL(link!).searchParams.get('flow')! };
}

const otherCode = (code: string) => (code === '000000' ? '111111' : '000000');

describe('Ory stand-in: verification e-mailed at registration', () => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startHookReceiver>>;

  before(async () => {
    receiver = await startHookReceiver('/hooks/kratos/registration');
    h = await startStandin({ browser: browserUrls(UI), webhooks: { registration: { url: receiver.url, apiKey: 'hook-secret' } } });
  });
  after(async () => {
    await h.close();
    receiver.close();
  });
  afterEach(() => expect(h.contractFailures, h.contractFailures.join('\n')).to.deep.equal([]));

  it("is on by default, as kratos.yml's verification flow (enabled, use: code)", () => {
    const { load } = createRequire(import.meta.url)('js-yaml') as { load: (text: string) => any };
    const { selfservice } = load(readFileSync(path.join(repoRoot, 'ory/kratos/kratos.yml'), 'utf8'));
    expect(selfservice.flows.verification).to.include({ enabled: true, use: 'code' });
    expect(selfservice.methods.code.config.lifespan).to.equal('15m');
  });

  describe('API registration', () => {
    it("e-mails Kratos' verification_code_valid message to the new address, whose status becomes sent", async () => {
      const reg = await registerByApi(h, 'Verify.Api@Example.org');
      const address = reg.identity.verifiable_addresses[0];
      expect(address).to.include({ value: 'verify.api@example.org', via: 'email', verified: false, status: 'sent' });
      expect(reg.continue_with.map((c: any) => c.action), 'without the show_verification_ui hook, Kratos names no verification flow').to.deep.equal(['set_ory_session_token']);

      const { message, code, link, flowId } = await verificationMessage(h, 'verify.api@example.org');
      expect(message).to.include({ recipient: 'verify.api@example.org', template_type: 'verification_code_valid', type: 'email', channel: 'email' });
      expect(message.subject).to.equal(`Use code ${code} to verify your account`);
      expect(link).to.equal(`${h.url}/self-service/verification?code=${code}&flow=${flowId}`);
      expect(message.body).to.equal(
        `Verify your account with the following code:\n\n${code}\n\nor clicking the following link:\n\n${link}\n\n` +
          'If this was not you, do nothing. This code / link expires in 15 minutes.\n',
      );
      expect(h.logs.some((l) => l.includes(`verification_code_valid to verify.api@example.org, code ${code}`)), 'the code is in the log').to.equal(true);

      const flow = await h.raw('GET', `/self-service/verification/flows?id=${flowId}`);
      expect(flow.status).to.equal(200);
      expect(flow.body).to.include({ type: 'api', state: 'sent_email', active: 'code' });
      expect(messageIds(flow.body)).to.deep.equal([1080003]);
      expect(node(flow.body, 'code')).to.exist;
      expect(node(flow.body, 'email', 'submit').attributes.value, 'the resend button').to.equal('verify.api@example.org');
    });

    it('shows the address as sent to the after-registration web hook too: Kratos runs its verification hook first', async () => {
      receiver.bodies.length = 0;
      const reg = await registerByApi(h, 'verify.hook@example.org');
      expect(receiver.bodies).to.have.length(1);
      expect(receiver.bodies[0].identity.id).to.equal(reg.identity.id);
      expect(receiver.bodies[0].identity.verifiable_addresses[0]).to.include({ value: 'verify.hook@example.org', status: 'sent', verified: false });
    });

    it('refuses a wrong code (200, message 4070006, address unverified), verifies with the right one, and replaces the flow when it is sent again', async () => {
      const reg = await registerByApi(h, 'verify.code@example.org');
      const { code, flowId } = await verificationMessage(h, 'verify.code@example.org');

      const wrong = await h.raw('POST', `/self-service/verification?flow=${flowId}`, { body: { method: 'code', code: otherCode(code) } });
      expect(wrong.status).to.equal(200);
      expect(wrong.body.state).to.equal('sent_email');
      expect(wrong.body.ui.messages).to.deep.equal([{ id: 4070006, text: 'The verification code is invalid or has already been used. Please try again.', type: 'error' }]);
      const unverified = await h.raw('GET', `/admin/identities/${reg.identity.id}`);
      expect(unverified.body.verifiable_addresses[0]).to.include({ verified: false, status: 'sent' });
      expect(unverified.body.verifiable_addresses[0]).not.to.have.property('verified_at');

      const ok = await h.raw('POST', `/self-service/verification?flow=${flowId}`, { body: { method: 'code', code } });
      expect(ok.status).to.equal(200);
      expect(ok.body.state).to.equal('passed_challenge');
      expect(messageIds(ok.body)).to.deep.equal([1080002]);
      const verified = (await h.raw('GET', `/admin/identities/${reg.identity.id}`)).body.verifiable_addresses[0];
      expect(verified).to.include({ value: 'verify.code@example.org', verified: true, status: 'completed' });
      expect(Date.parse(verified.verified_at), 'verified_at is a time').to.be.a('number').and.not.NaN;
      const session = await h.ory.whoami({ token: reg.session_token });
      expect(session?.identity?.verifiable_addresses?.[0]).to.include({ verified: true, status: 'completed' });

      const again = await h.raw('POST', `/self-service/verification?flow=${flowId}`, { body: { method: 'code', code } });
      expect(again.status).to.equal(410);
      expect(again.body.error).to.include({ id: 'self_service_flow_replaced', code: 410 });
      const replacement = await h.raw('GET', `/self-service/verification/flows?id=${again.body.use_flow_id}`);
      expect(messageIds(replacement.body)).to.deep.equal([4070002]);
    });

    it('sends nothing for an identity created through the admin API (no registration hooks)', async () => {
      await h.ory.identities.create({ traits: { email: 'verify.admin@example.org' } });
      expect((await h.raw('GET', '/admin/courier/messages?recipient=verify.admin%40example.org')).body).to.deep.equal([]);
    });
  });

  describe('browser registration', () => {
    it('e-mails the code; the link opens the flow in the verification UI with the code filled in, and submitting it verifies', async () => {
      const b = new Browser(h.url);
      const reg = await openFlow(b, UI, 'registration', `?return_to=${encodeURIComponent(`${UI}/welcome`)}`);
      const done = await b.post(`/self-service/registration?flow=${reg.id}`, {
        form: { csrf_token: reg.csrf, method: 'password', password: PASSWORD, 'traits.email': 'verify.browser@example.org', 'traits.locale': 'en' },
      });
      expect(done.status).to.equal(303);
      expect(done.location, 'registration still returns to return_to').to.equal(`${UI}/welcome`);
      const identity = (await b.get('/sessions/whoami', { asJson: true })).body.identity;
      expect(identity.verifiable_addresses[0]).to.include({ status: 'sent', verified: false });

      const { code, link, flowId } = await verificationMessage(h, 'verify.browser@example.org');
      // The person opens the e-mail elsewhere: a browser without cookies.
      const phone = new Browser(h.url);
      const opened = await phone.get(link);
      expect(opened.status).to.equal(303);
      expect(opened.location).to.equal(`${UI}/auth/verification?flow=${flowId}`);
      expect(phone.csrfCookie(), 'the link sets an anti-CSRF cookie for the rest of the flow').to.be.a('string');

      const shown = await fetchFlow(phone, 'verification', flowIdIn(opened.location));
      expect(shown.flow).to.include({ type: 'browser', state: 'sent_email' });
      expect(node(shown.flow, 'code').attributes.value).to.equal(code);

      const wrong = await phone.post(`/self-service/verification?flow=${flowId}`, { form: { csrf_token: shown.csrf, method: 'code', code: otherCode(code) } });
      expect(wrong.location).to.equal(`${UI}/auth/verification?flow=${flowId}`);
      expect(messageIds((await fetchFlow(phone, 'verification', flowId)).flow)).to.deep.equal([4070006]);
      expect((await h.raw('GET', `/admin/identities/${identity.id}`)).body.verifiable_addresses[0].verified).to.equal(false);

      const ok = await phone.post(`/self-service/verification?flow=${flowId}`, { form: { csrf_token: shown.csrf, method: 'code', code } });
      expect(ok.location).to.equal(`${UI}/auth/verification?flow=${flowId}`);
      const passed = (await fetchFlow(phone, 'verification', flowId)).flow;
      expect(passed.state).to.equal('passed_challenge');
      expect(passed.ui.nodes.find((n: any) => n.type === 'a').attributes.href, "the registration's return_to").to.equal(`${UI}/welcome`);
      const verified = (await h.raw('GET', `/admin/identities/${identity.id}`)).body.verifiable_addresses[0];
      expect(verified).to.include({ verified: true, status: 'completed' });

      const reopened = await phone.get(link);
      expect(reopened.location, 'a used link leads to a new flow').to.match(new RegExp(`^${UI}/auth/verification\\?flow=`)).and.not.equal(opened.location);
      expect(messageIds((await fetchFlow(phone, 'verification', flowIdIn(reopened.location))).flow)).to.deep.equal([4070002]);
    });
  });

  describe('with verification disabled', () => {
    it('registers without a message, the address pending', async () => {
      const off = await startStandin({ verificationEnabled: false });
      try {
        const reg = await registerByApi(off, 'verify.off@example.org');
        expect(reg.identity.verifiable_addresses[0]).to.include({ status: 'pending', verified: false });
        expect((await off.raw('GET', '/admin/courier/messages')).body).to.deep.equal([]);
        expect(off.contractFailures).to.deep.equal([]);
      } finally {
        await off.close();
      }
    });
  });
});
