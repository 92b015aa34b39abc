import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'chai';
import { browserUrls } from '../../ory/standin/index.ts';
import { Browser, csrfTokenOf, openFlow as open, startHookReceiver } from './browser-client.ts';
import { repoRoot } from './spec-dir.ts';
import { startStandin, type Harness } from './standin-harness.ts';

const UI = 'http://ui.test';
const PASSWORD = 'correct horse battery';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const openFlow = (b: Browser, kind: 'login' | 'registration', query = '') => open(b, UI, kind, query);

async function registerInBrowser(h: Harness, email: string, extra: Record<string, string> = {}) {
  const b = new Browser(h.url);
  const { id, csrf } = await openFlow(b, 'registration');
  const res = await b.post(`/self-service/registration?flow=${id}`, {
    form: { csrf_token: csrf, method: 'password', password: PASSWORD, 'traits.email': email, 'traits.locale': 'ru', ...extra },
  });
  return { b, res };
}

async function signIn(h: Harness, email: string, query = '') {
  const b = new Browser(h.url);
  const { id, csrf } = await openFlow(b, 'login', query);
  const res = await b.post(`/self-service/login?flow=${id}`, { form: { csrf_token: csrf, method: 'password', identifier: email, password: PASSWORD } });
  return { b, res };
}

describe('Ory stand-in: browser login, registration and logout', () => {
  let h: Harness;
  let hooks: any[];
  let receiver: Awaited<ReturnType<typeof startHookReceiver>>;

  before(async () => {
    receiver = await startHookReceiver('/hooks/kratos/registration');
    hooks = receiver.bodies;
    h = await startStandin({ browser: browserUrls(UI), webhooks: { registration: { url: receiver.url, apiKey: 'hook-secret' } } });
    await registerInBrowser(h, 'reader@example.org');
  });
  after(async () => {
    await h.close();
    receiver.close();
  });
  afterEach(() => expect(h.contractFailures).to.deep.equal([]));

  it("defaults to kratos.yml's UI and return URLs", () => {
    const { load } = createRequire(import.meta.url)('js-yaml') as { load: (text: string) => any };
    const { selfservice } = load(readFileSync(path.join(repoRoot, 'ory/kratos/kratos.yml'), 'utf8'));
    const urls = browserUrls();
    for (const kind of ['login', 'registration', 'settings', 'recovery', 'verification', 'error'] as const) {
      expect(urls[kind], kind).to.equal(selfservice.flows[kind].ui_url);
    }
    expect(urls.defaultReturn).to.equal(selfservice.default_browser_return_url);
    expect(urls.afterLogout).to.equal(selfservice.flows.logout.after.default_browser_return_url);
    expect(urls.allowedReturn).to.deep.equal(selfservice.allowed_return_urls);
  });

  describe('login', () => {
    it('starts a browser flow: 303 to the login UI with ?flow=<id> and an HttpOnly anti-CSRF cookie', async () => {
      const b = new Browser(h.url);
      const { id, flow, csrf, started } = await openFlow(b, 'login');
      expect(started.location).to.equal(`${UI}/auth/login?flow=${id}`);
      expect(id).to.match(uuid);
      const name = b.csrfCookie();
      expect(name, `cookies: ${b.cookieNames()}`).to.be.a('string');
      expect(started.setCookies.find((c) => c.startsWith(`${name}=`))).to.match(/HttpOnly/i).and.match(/SameSite=Lax/i).and.match(/Path=\//);
      expect(flow).to.include({ id, type: 'browser', state: 'choose_method' });
      expect(flow.ui).to.include({ action: `${h.url}/self-service/login?flow=${id}`, method: 'POST' });
      expect(flow.ui.nodes.map((n: any) => n.attributes.name)).to.include.members(['csrf_token', 'identifier', 'password', 'method']);
      expect(csrf).to.be.a('string').and.not.empty.and.not.equal(b.cookie(name!));
    });

    it('answers the new flow as JSON (200 loginFlow) to Accept: application/json', async () => {
      const b = new Browser(h.url);
      const res = await b.get('/self-service/login/browser', { asJson: true });
      expect(res.status).to.equal(200);
      expect(res.body.type).to.equal('browser');
      expect(csrfTokenOf(res.body)).to.not.be.empty;
      expect(b.csrfCookie()).to.be.a('string');
    });

    it('reuses the anti-CSRF cookie for a second flow, with a differently masked token', async () => {
      const b = new Browser(h.url);
      const first = await openFlow(b, 'login');
      const cookie = b.cookie(b.csrfCookie()!);
      const second = await openFlow(b, 'login');
      expect(second.started.setCookies.some((c) => c.startsWith('csrf_token_'))).to.equal(false);
      expect(b.cookie(b.csrfCookie()!)).to.equal(cookie);
      expect(second.csrf).to.not.equal(first.csrf);
    });

    it('refuses a form post without a csrf_token: the browser lands on the error UI with security_csrf_violation', async () => {
      const b = new Browser(h.url);
      const { id } = await openFlow(b, 'login');
      const res = await b.post(`/self-service/login?flow=${id}`, { form: { method: 'password', identifier: 'reader@example.org', password: PASSWORD } });
      expect(res.status).to.equal(303);
      expect(res.location).to.match(new RegExp(`^${UI}/auth/error\\?id=`));
      const errorId = new URL(res.location!).searchParams.get('id');
      const error = await b.get(`/self-service/errors?id=${errorId}`, { asJson: true });
      expect(error.status).to.equal(200);
      expect(error.body.error).to.include({ id: 'security_csrf_violation', code: 403 });
      expect(b.cookie('ory_kratos_session')).to.equal(undefined);
    });

    it('refuses a wrong csrf_token (JSON: 403), and the right token sent by another browser without the cookie', async () => {
      const b = new Browser(h.url);
      const { id, csrf } = await openFlow(b, 'login');
      const other = await openFlow(new Browser(h.url), 'login');
      const wrong = await b.post(`/self-service/login?flow=${id}`, { json: { csrf_token: other.csrf, method: 'password', identifier: 'reader@example.org', password: PASSWORD } });
      expect(wrong.status).to.equal(403);
      expect(wrong.body.error.id).to.equal('security_csrf_violation');
      const stranger = await new Browser(h.url).post(`/self-service/login?flow=${id}`, {
        json: { csrf_token: csrf, method: 'password', identifier: 'reader@example.org', password: PASSWORD },
      });
      expect(stranger.status).to.equal(403);
      expect(stranger.body.error.reason).to.match(/Cookie Header is empty/);
      const fetched = await new Browser(h.url).get(`/self-service/login/flows?id=${id}`, { asJson: true });
      expect(fetched.status, 'a browser flow is not shown without its anti-CSRF cookie').to.equal(403);
    });

    it('shows the form again after a wrong password: 303 back to the UI with the same flow, which carries the message', async () => {
      const b = new Browser(h.url);
      const { id, csrf } = await openFlow(b, 'login');
      const res = await b.post(`/self-service/login?flow=${id}`, { form: { csrf_token: csrf, method: 'password', identifier: 'reader@example.org', password: 'wrong password' } });
      expect(res.status).to.equal(303);
      expect(res.location).to.equal(`${UI}/auth/login?flow=${id}`);
      expect(b.cookie('ory_kratos_session')).to.equal(undefined);
      const flow = (await b.get(`/self-service/login/flows?id=${id}`, { asJson: true })).body;
      expect(flow.ui.messages.map((m: any) => m.id)).to.deep.equal([4000006]);
      expect(flow.ui.nodes.find((n: any) => n.attributes.name === 'identifier').attributes.value).to.equal('reader@example.org');

      const json = await b.post(`/self-service/login?flow=${id}`, { json: { csrf_token: csrf, method: 'password', identifier: 'reader@example.org', password: 'wrong again' } });
      expect(json.status, 'a JSON submission gets the flow').to.equal(400);
      expect(json.body.ui.messages[0].id).to.equal(4000006);
    });

    it('signs in: sets ory_kratos_session (HttpOnly, SameSite=Lax), 303 to return_to, and whoami accepts the cookie', async () => {
      const returnTo = `${UI}/workbooks/7`;
      const { b, res } = await signIn(h, 'Reader@Example.org', `?return_to=${encodeURIComponent(returnTo)}`);
      expect(res.status).to.equal(303);
      expect(res.location).to.equal(returnTo);
      const session = b.cookie('ory_kratos_session');
      expect(session).to.be.a('string').and.not.empty;
      expect(res.setCookies.find((c) => c.startsWith('ory_kratos_session='))).to.match(/HttpOnly/i).and.match(/SameSite=Lax/i).and.match(/Path=\//).and.match(/Expires=/);
      const whoami = await b.get('/sessions/whoami', { asJson: true });
      expect(whoami.status).to.equal(200);
      expect(whoami.body.identity.traits.email).to.equal('reader@example.org');
      expect((await h.ory.whoami({ cookie: `ory_kratos_session=${session}` }))?.identity?.id).to.equal(whoami.body.identity.id);
    });

    it('goes to the default return URL without return_to; a JSON submission gets the session and a redirect_browser_to, not a token', async () => {
      expect((await signIn(h, 'reader@example.org')).res.location).to.equal(`${UI}/`);
      const b = new Browser(h.url);
      const { id, csrf } = await openFlow(b, 'login');
      const res = await b.post(`/self-service/login?flow=${id}`, { json: { csrf_token: csrf, method: 'password', identifier: 'reader@example.org', password: PASSWORD } });
      expect(res.status).to.equal(200);
      expect(res.body).to.not.have.property('session_token');
      expect(res.body.continue_with).to.deep.equal([{ action: 'redirect_browser_to', redirect_browser_to: `${UI}/` }]);
      expect(b.cookie('ory_kratos_session')).to.be.a('string');
    });

    it('refuses a return_to outside allowed_return_urls (error UI; JSON: 400)', async () => {
      const b = new Browser(h.url);
      const res = await b.get(`/self-service/login/browser?return_to=${encodeURIComponent('https://evil.example/')}`);
      expect(res.status).to.equal(303);
      expect(res.location).to.match(new RegExp(`^${UI}/auth/error\\?id=`));
      expect((await b.get(`/self-service/login/browser?return_to=${encodeURIComponent('https://evil.example/')}`, { asJson: true })).status).to.equal(400);
    });

    it('sends a signed-in browser that asks for a login flow to the return URL (JSON: 400 session_already_available)', async () => {
      const { b } = await signIn(h, 'reader@example.org');
      const res = await b.get('/self-service/login/browser');
      expect(res.status).to.equal(303);
      expect(res.location).to.equal(`${UI}/`);
      const json = await b.get('/self-service/login/browser', { asJson: true });
      expect(json.status).to.equal(400);
      expect(json.body.error.id).to.equal('session_already_available');
    });
  });

  describe('registration', () => {
    it('registers from a form post (traits.* fields, transient_payload.*), calls the web hook as a browser flow, and signs in', async () => {
      hooks.length = 0;
      const { b, res } = await registerInBrowser(h, 'Browser.Reg@example.org', {
        'traits.name.first': 'Anna',
        'traits.telegram.username': '',
        'traits.telegram.id': '12345',
        'transient_payload.referral_code': 'AMB9',
      });
      expect(res.status).to.equal(303);
      expect(res.location).to.equal(`${UI}/`);
      expect(hooks).to.have.length(1);
      expect(hooks[0]).to.include({ flow_type: 'browser', method: 'password' });
      expect(hooks[0].transient_payload).to.deep.equal({ referral_code: 'AMB9' });
      const whoami = await b.get('/sessions/whoami', { asJson: true });
      expect(whoami.body.identity.traits).to.deep.equal({ email: 'Browser.Reg@example.org', locale: 'ru', name: { first: 'Anna' }, telegram: { id: 12345 } });
    });

    it('shows the form again on invalid traits: 303 back to the UI, with messages on the fields and the values kept', async () => {
      const b = new Browser(h.url);
      const { id, csrf } = await openFlow(b, 'registration');
      const res = await b.post(`/self-service/registration?flow=${id}`, {
        form: { csrf_token: csrf, method: 'password', password: PASSWORD, 'traits.email': 'not-an-email', 'traits.locale': 'de' },
      });
      expect(res.status).to.equal(303);
      expect(res.location).to.equal(`${UI}/auth/registration?flow=${id}`);
      const flow = (await b.get(`/self-service/registration/flows?id=${id}`, { asJson: true })).body;
      const withMessages = flow.ui.nodes.filter((n: any) => n.messages.length).map((n: any) => n.attributes.name);
      expect(withMessages).to.include.members(['traits.email', 'traits.locale']);
      expect(flow.ui.nodes.find((n: any) => n.attributes.name === 'traits.email').attributes.value).to.equal('not-an-email');
      expect(b.cookie('ory_kratos_session')).to.equal(undefined);
    });

    it('refuses a registration form post without the csrf_token, and calls no hook', async () => {
      hooks.length = 0;
      const b = new Browser(h.url);
      const { id } = await openFlow(b, 'registration');
      const res = await b.post(`/self-service/registration?flow=${id}`, { form: { method: 'password', password: PASSWORD, 'traits.email': 'csrf.reg@example.org' } });
      expect(res.location).to.match(new RegExp(`^${UI}/auth/error\\?id=`));
      expect(hooks).to.have.length(0);
      expect((await h.raw('GET', '/admin/identities?credentials_identifier=csrf.reg@example.org')).body).to.deep.equal([]);
    });
  });

  describe('logout', () => {
    it('gives a logout URL and token; opening it ends the session, clears the cookie and goes to return_to', async () => {
      const { b } = await signIn(h, 'reader@example.org');
      const token = b.cookie('ory_kratos_session')!;
      const returnTo = `${UI}/bye`;
      const flow = await b.get(`/self-service/logout/browser?return_to=${encodeURIComponent(returnTo)}`, { asJson: true });
      expect(flow.status).to.equal(200);
      expect(flow.body.logout_url).to.equal(`${h.url}/self-service/logout?token=${flow.body.logout_token}&return_to=${encodeURIComponent(returnTo)}`);
      const res = await b.get(flow.body.logout_url);
      expect(res.status).to.equal(303);
      expect(res.location).to.equal(returnTo);
      expect(b.cookie('ory_kratos_session'), 'the session cookie is cleared').to.equal(undefined);
      expect((await b.get('/sessions/whoami', { asJson: true })).status).to.equal(401);
      expect(await h.ory.whoami({ token })).to.equal(null);
    });

    it("goes to logout's default return URL without return_to; a JSON request gets 204", async () => {
      const { b } = await signIn(h, 'reader@example.org');
      const flow = await b.get('/self-service/logout/browser', { asJson: true });
      expect((await b.get(flow.body.logout_url)).location).to.equal(`${UI}/auth/login`);
      const second = await signIn(h, 'reader@example.org');
      const url = (await second.b.get('/self-service/logout/browser', { asJson: true })).body.logout_url;
      expect((await second.b.get(url, { asJson: true })).status).to.equal(204);
    });

    it('answers 401 without a session, and refuses an unknown logout token', async () => {
      const b = new Browser(h.url);
      const res = await b.get('/self-service/logout/browser', { asJson: true });
      expect(res.status).to.equal(401);
      expect(res.body.error.id).to.equal('session_inactive');
      expect((await b.get('/self-service/logout?token=ory_lo_unknown', { asJson: true })).status).to.equal(401);
    });
  });
});
