import { expect } from 'chai';
import { browserUrls } from '../../ory/standin/index.ts';
import { Browser, fetchFlow, flowIdIn, openFlow as open, startHookReceiver, type FlowKind } from './browser-client.ts';
import { startStandin, type Harness } from './standin-harness.ts';

const UI = 'http://ui.test';
const PASSWORD = 'correct horse battery';
const MINUTE = 60_000;

const openFlow = (b: Browser, kind: FlowKind, query = '') => open(b, UI, kind, query);

const messageIds = (flow: any) => (flow.ui.messages ?? []).map((m: any) => m.id);
const nodeMessageIds = (flow: any, name: string) => flow.ui.nodes.find((n: any) => n.attributes.name === name)?.messages.map((m: any) => m.id);

describe('Ory stand-in: settings, recovery and verification', () => {
  let h: Harness;
  let settingsHooks: any[];
  let receiver: Awaited<ReturnType<typeof startHookReceiver>>;
  let offset = 0;

  /** Registers in a browser; the browser keeps the session cookie. */
  async function register(email: string): Promise<{ b: Browser; identityId: string }> {
    const b = new Browser(h.url);
    const { id, csrf } = await openFlow(b, 'registration');
    const res = await b.post(`/self-service/registration?flow=${id}`, {
      json: { csrf_token: csrf, method: 'password', password: PASSWORD, traits: { email, name: { first: 'Ivan' }, locale: 'ru' } },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return { b, identityId: res.body.identity.id };
  }

  async function codeFromCourier(recipient: string, template: string): Promise<string> {
    const list = await h.raw('GET', `/admin/courier/messages?recipient=${encodeURIComponent(recipient)}`);
    expect(list.status).to.equal(200);
    const message = list.body.find((m: any) => m.template_type === template);
    expect(message, `a ${template} message to ${recipient}`).to.exist;
    return /\b(\d{6})\b/.exec(message.body)![1]!;
  }

  before(async () => {
    receiver = await startHookReceiver('/hooks/kratos/settings');
    settingsHooks = receiver.bodies;
    h = await startStandin({ browser: browserUrls(UI), webhooks: { settings: { url: receiver.url, apiKey: 'hook-secret' } }, clock: () => new Date(Date.now() + offset) });
  });
  after(async () => {
    await h.close();
    receiver.close();
  });
  afterEach(() => expect(h.contractFailures).to.deep.equal([]));

  describe('settings', () => {
    it('sends a browser without a session to the login UI (JSON: 401)', async () => {
      const b = new Browser(h.url);
      const res = await b.get('/self-service/settings/browser');
      expect(res.status).to.equal(303);
      expect(res.location).to.equal(`${UI}/auth/login`);
      expect((await b.get('/self-service/settings/browser', { asJson: true })).status).to.equal(401);
    });

    it("shows the person's traits; a profile form post saves them, calls the settings web hook and shows 1050001 on the flow", async () => {
      const { b, identityId } = await register('settings.profile@example.org');
      const { id, flow, csrf } = await openFlow(b, 'settings');
      expect(flow).to.include({ type: 'browser', state: 'show_form' });
      expect(flow.identity.id).to.equal(identityId);
      expect(flow.ui.nodes.find((n: any) => n.attributes.name === 'traits.name.first').attributes.value).to.equal('Ivan');
      settingsHooks.length = 0;
      const res = await b.post(`/self-service/settings?flow=${id}`, {
        form: { csrf_token: csrf, method: 'profile', 'traits.email': 'settings.profile@example.org', 'traits.name.first': 'Иван', 'traits.locale': 'en', 'traits.time_zone': 'Asia/Yekaterinburg' },
      });
      expect(res.status).to.equal(303);
      expect(res.location).to.equal(`${UI}/auth/settings?flow=${id}`);
      const after = (await fetchFlow(b, 'settings', id)).flow;
      expect(after.state).to.equal('success');
      expect(messageIds(after)).to.deep.equal([1050001]);
      expect(after.identity.traits).to.deep.equal({ email: 'settings.profile@example.org', name: { first: 'Иван' }, locale: 'en', time_zone: 'Asia/Yekaterinburg' });
      expect(settingsHooks).to.have.length(1);
      expect(settingsHooks[0]).to.include({ flow_type: 'browser', method: 'profile', flow_id: id });
      expect(settingsHooks[0].identity.traits.locale).to.equal('en');
    });

    it('refuses a settings post without the csrf_token and shows invalid traits again (400 for JSON)', async () => {
      const { b } = await register('settings.invalid@example.org');
      const { id, csrf } = await openFlow(b, 'settings');
      const noToken = await b.post(`/self-service/settings?flow=${id}`, { form: { method: 'profile', 'traits.email': 'settings.invalid@example.org', 'traits.locale': 'en' } });
      expect(noToken.location).to.match(new RegExp(`^${UI}/auth/error\\?id=`));
      const bad = await b.post(`/self-service/settings?flow=${id}`, { json: { csrf_token: csrf, method: 'profile', traits: { email: 'settings.invalid@example.org', locale: 'de' } } });
      expect(bad.status).to.equal(400);
      expect(nodeMessageIds(bad.body, 'traits.locale')).to.deep.equal([4000001]);
      expect((await b.get('/sessions/whoami', { asJson: true })).body.identity.traits.locale).to.equal('ru');
    });

    it('changes the password within privileged_session_max_age: the old one no longer signs in, the new one does', async () => {
      const { b } = await register('settings.password@example.org');
      const { id, csrf } = await openFlow(b, 'settings');
      const short = await b.post(`/self-service/settings?flow=${id}`, { json: { csrf_token: csrf, method: 'password', password: 'short' } });
      expect(short.status).to.equal(400);
      expect(nodeMessageIds(short.body, 'password')).to.deep.equal([4000005]);
      const res = await b.post(`/self-service/settings?flow=${id}`, { form: { csrf_token: csrf, method: 'password', password: 'a brand new passphrase' } });
      expect(res.location).to.equal(`${UI}/auth/settings?flow=${id}`);
      const login = await h.raw('GET', '/self-service/login/api');
      const old = await h.raw('POST', `/self-service/login?flow=${login.body.id}`, { body: { method: 'password', identifier: 'settings.password@example.org', password: PASSWORD } });
      expect(old.status).to.equal(400);
      const fresh = await h.raw('POST', `/self-service/login?flow=${login.body.id}`, { body: { method: 'password', identifier: 'settings.password@example.org', password: 'a brand new passphrase' } });
      expect(fresh.status).to.equal(200);
    });

    it('asks for a refresh login after privileged_session_max_age (15 min), then accepts the change', async () => {
      const { b } = await register('settings.refresh@example.org');
      const { id, csrf } = await openFlow(b, 'settings');
      offset += 16 * MINUTE;
      try {
        const json = await b.post(`/self-service/settings?flow=${id}`, { json: { csrf_token: csrf, method: 'password', password: 'another new passphrase' } });
        expect(json.status).to.equal(403);
        expect(json.body.error.id).to.equal('session_refresh_required');
        const res = await b.post(`/self-service/settings?flow=${id}`, { form: { csrf_token: csrf, method: 'password', password: 'another new passphrase' } });
        expect(res.status).to.equal(303);
        const back = `${UI}/auth/settings?flow=${id}`;
        expect(res.location).to.equal(`${h.url}/self-service/login/browser?refresh=true&return_to=${encodeURIComponent(back)}`);
        expect(json.body.redirect_browser_to).to.equal(res.location);
        // A profile change that keeps the e-mail needs no refresh.
        const profile = await b.post(`/self-service/settings?flow=${id}`, { json: { csrf_token: csrf, method: 'profile', traits: { email: 'settings.refresh@example.org', locale: 'en' } } });
        expect(profile.status).to.equal(200);

        const started = await b.get(res.location!);
        expect(started.status).to.equal(303);
        const login = await fetchFlow(b, 'login', flowIdIn(started.location));
        expect(login.flow.refresh).to.equal(true);
        expect(messageIds(login.flow)).to.deep.equal([1010003]);
        const sessionBefore = b.cookie('ory_kratos_session');
        const done = await b.post(`/self-service/login?flow=${login.id}`, { form: { csrf_token: login.csrf, method: 'password', identifier: 'settings.refresh@example.org', password: PASSWORD } });
        expect(done.location).to.equal(back);
        expect(b.cookie('ory_kratos_session'), 'a refresh re-authenticates the same session').to.equal(sessionBefore);
        const saved = await b.post(`/self-service/settings?flow=${id}`, { form: { csrf_token: csrf, method: 'password', password: 'another new passphrase' } });
        expect(saved.location).to.equal(back);
      } finally {
        offset -= 16 * MINUTE;
      }
    });

    it("refuses someone else's settings flow (403 security_identity_mismatch)", async () => {
      const anna = await register('settings.anna@example.org');
      const boris = await register('settings.boris@example.org');
      const { id } = await openFlow(anna.b, 'settings');
      const res = await boris.b.get(`/self-service/settings/flows?id=${id}`, { asJson: true });
      expect(res.status).to.equal(403);
      expect(res.body.error.id).to.equal('security_identity_mismatch');
    });

    it('serves API settings flows with the session token', async () => {
      const flow = await h.raw('GET', '/self-service/registration/api');
      const reg = await h.raw('POST', `/self-service/registration?flow=${flow.body.id}`, {
        body: { method: 'password', password: PASSWORD, traits: { email: 'settings.api@example.org' } },
      });
      const headers = { 'x-session-token': reg.body.session_token };
      const settings = await h.raw('GET', '/self-service/settings/api', { headers });
      expect(settings.status).to.equal(200);
      expect(settings.body.type).to.equal('api');
      const res = await h.raw('POST', `/self-service/settings?flow=${settings.body.id}`, { headers, body: { method: 'profile', traits: { email: 'settings.api@example.org', locale: 'en' } } });
      expect(res.status).to.equal(200);
      expect(res.body.state).to.equal('success');
      expect(res.body.identity.traits.locale).to.equal('en');
      expect((await h.raw('GET', '/self-service/settings/api')).status).to.equal(401);
    });
  });

  describe('recovery by code', () => {
    it('e-mails a code (courier messages and the log), refuses a wrong one, and with the right one signs in and continues to settings', async () => {
      await register('recover.me@example.org');
      const b = new Browser(h.url);
      const { id, flow, csrf } = await openFlow(b, 'recovery');
      expect(flow.state).to.equal('choose_method');
      const sent = await b.post(`/self-service/recovery?flow=${id}`, { form: { csrf_token: csrf, method: 'code', email: 'Recover.Me@example.org' } });
      expect(sent.location).to.equal(`${UI}/auth/recovery?flow=${id}`);
      const waiting = (await fetchFlow(b, 'recovery', id)).flow;
      expect(waiting.state).to.equal('sent_email');
      expect(messageIds(waiting)).to.deep.equal([1060003]);
      expect(waiting.ui.nodes.map((n: any) => n.attributes.name)).to.include('code');
      const code = await codeFromCourier('recover.me@example.org', 'recovery_code_valid');
      expect(h.logs.some((l) => l.includes(`code ${code}`)), 'the code is in the log').to.equal(true);

      const wrong = await b.post(`/self-service/recovery?flow=${id}`, { form: { csrf_token: csrf, method: 'code', code: code === '000000' ? '111111' : '000000' } });
      expect(wrong.location).to.equal(`${UI}/auth/recovery?flow=${id}`);
      const refused = (await fetchFlow(b, 'recovery', id)).flow;
      expect(messageIds(refused), 'Kratos puts 4060006 on the flow, not on the code field').to.deep.equal([4060006]);
      expect(refused.state).to.equal('sent_email');
      expect(b.cookie('ory_kratos_session')).to.equal(undefined);

      const ok = await b.post(`/self-service/recovery?flow=${id}`, { form: { csrf_token: csrf, method: 'code', code } });
      expect(ok.status).to.equal(303);
      expect(ok.location).to.match(new RegExp(`^${UI}/auth/settings\\?flow=`));
      const whoami = await b.get('/sessions/whoami', { asJson: true });
      expect(whoami.body.authentication_methods[0].method).to.equal('code_recovery');
      const settings = await fetchFlow(b, 'settings', flowIdIn(ok.location));
      expect(messageIds(settings.flow)).to.deep.equal([1060001]);
      const changed = await b.post(`/self-service/settings?flow=${settings.id}`, { form: { csrf_token: settings.csrf, method: 'password', password: 'recovered passphrase' } });
      expect(changed.location).to.equal(`${UI}/auth/settings?flow=${settings.id}`);
      const again = await b.post(`/self-service/recovery?flow=${id}`, { json: { csrf_token: csrf, method: 'code', code } });
      expect(again.status, 'a passed flow is replaced: Kratos redirects JSON clients to the new flow').to.equal(303);
      const replacement = new URL(again.location!).searchParams.get('id')!;
      expect(again.location).to.equal(`${h.url}/self-service/recovery/flows?id=${replacement}`);
      expect(messageIds((await b.get(again.location!, { asJson: true })).body)).to.deep.equal([4060001]);
    });

    it('says the same for an unknown address and sends nothing', async () => {
      const b = new Browser(h.url);
      const { id, csrf } = await openFlow(b, 'recovery');
      const res = await b.post(`/self-service/recovery?flow=${id}`, { json: { csrf_token: csrf, method: 'code', email: 'nobody.here@example.org' } });
      expect(res.status).to.equal(200);
      expect(res.body.state).to.equal('sent_email');
      expect((await h.raw('GET', '/admin/courier/messages?recipient=nobody.here%40example.org')).body).to.deep.equal([]);
    });

    it('answers a JSON submission of the right code with 422 redirect_browser_to the settings flow, and sets the session cookie', async () => {
      await register('recover.spa@example.org');
      const b = new Browser(h.url);
      const { id, csrf } = await openFlow(b, 'recovery');
      await b.post(`/self-service/recovery?flow=${id}`, { json: { csrf_token: csrf, method: 'code', email: 'recover.spa@example.org' } });
      const code = await codeFromCourier('recover.spa@example.org', 'recovery_code_valid');
      const res = await b.post(`/self-service/recovery?flow=${id}`, { json: { csrf_token: csrf, method: 'code', code } });
      expect(res.status).to.equal(422);
      expect(res.body.error.id).to.equal('browser_location_change_required');
      expect(res.body.redirect_browser_to).to.match(new RegExp(`^${UI}/auth/settings\\?flow=`));
      expect((await b.get('/sessions/whoami', { asJson: true })).body.identity.traits.email).to.equal('recover.spa@example.org');
    });

    it('refuses a recovery post without the csrf_token', async () => {
      const b = new Browser(h.url);
      const { id } = await openFlow(b, 'recovery');
      const res = await b.post(`/self-service/recovery?flow=${id}`, { json: { method: 'code', email: 'recover.me@example.org' } });
      expect(res.status).to.equal(403);
    });

    it('serves API recovery flows: the passed flow continues with a session token and a settings flow', async () => {
      await register('recover.api@example.org');
      const flow = await h.raw('GET', '/self-service/recovery/api');
      await h.raw('POST', `/self-service/recovery?flow=${flow.body.id}`, { body: { method: 'code', email: 'recover.api@example.org' } });
      const code = await codeFromCourier('recover.api@example.org', 'recovery_code_valid');
      const res = await h.raw('POST', `/self-service/recovery?flow=${flow.body.id}`, { body: { method: 'code', code } });
      expect(res.status).to.equal(200);
      expect(res.body.state).to.equal('passed_challenge');
      const [token, settings] = res.body.continue_with;
      expect(token.action).to.equal('set_ory_session_token');
      expect(settings.action).to.equal('show_settings_ui');
      expect((await h.ory.whoami({ token: token.ory_session_token }))?.identity?.traits?.email).to.equal('recover.api@example.org');
    });
  });

  describe('verification by code', () => {
    it('e-mails a code and with it marks the address verified; the flow then links to the return URL', async () => {
      const { identityId } = await register('verify.me@example.org');
      const b = new Browser(h.url);
      const { id, csrf } = await openFlow(b, 'verification', `?return_to=${encodeURIComponent(`${UI}/welcome`)}`);
      await b.post(`/self-service/verification?flow=${id}`, { form: { csrf_token: csrf, method: 'code', email: 'verify.me@example.org' } });
      expect(messageIds((await fetchFlow(b, 'verification', id)).flow)).to.deep.equal([1080003]);
      const code = await codeFromCourier('verify.me@example.org', 'verification_code_valid');
      const wrong = await b.post(`/self-service/verification?flow=${id}`, { json: { csrf_token: csrf, method: 'code', code: code === '000000' ? '111111' : '000000' } });
      expect(wrong.status, 'Kratos answers a wrong code with the flow (200)').to.equal(200);
      expect(messageIds(wrong.body)).to.deep.equal([4070006]);
      expect(wrong.body.state).to.equal('sent_email');
      const ok = await b.post(`/self-service/verification?flow=${id}`, { form: { csrf_token: csrf, method: 'code', code } });
      expect(ok.location).to.equal(`${UI}/auth/verification?flow=${id}`);
      const passed = (await fetchFlow(b, 'verification', id)).flow;
      expect(passed.state).to.equal('passed_challenge');
      expect(messageIds(passed)).to.deep.equal([1080002]);
      expect(passed.ui.nodes.find((n: any) => n.type === 'a').attributes.href).to.equal(`${UI}/welcome`);
      const identity = await h.raw('GET', `/admin/identities/${identityId}`);
      expect(identity.body.verifiable_addresses[0]).to.include({ value: 'verify.me@example.org', verified: true, status: 'completed' });
    });

    it('serves API verification flows and refuses a browser post without the csrf_token', async () => {
      await register('verify.api@example.org');
      const flow = await h.raw('GET', '/self-service/verification/api');
      const sent = await h.raw('POST', `/self-service/verification?flow=${flow.body.id}`, { body: { method: 'code', email: 'verify.api@example.org' } });
      expect(sent.body.state).to.equal('sent_email');
      const code = await codeFromCourier('verify.api@example.org', 'verification_code_valid');
      const res = await h.raw('POST', `/self-service/verification?flow=${flow.body.id}`, { body: { method: 'code', code } });
      expect(res.body.state).to.equal('passed_challenge');
      const b = new Browser(h.url);
      const browserFlow = await openFlow(b, 'verification');
      expect((await b.post(`/self-service/verification?flow=${browserFlow.id}`, { json: { method: 'code', email: 'verify.api@example.org' } })).status).to.equal(403);
    });
  });
});
