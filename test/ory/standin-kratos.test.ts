import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { expect } from 'chai';
import { createOry } from '../../ory/client.ts';
import { AppError } from '../../kernel/errors.ts';
import { startStandin, type Harness } from './standin-harness.ts';
import { repoRoot } from './spec-dir.ts';

const traits = (email: string) => ({ email, name: { first: 'Anna', last: 'Petrova' }, locale: 'ru', jurisdiction: 'ru' });

async function register(h: Harness, email: string, password = 'correct horse battery') {
  const flow = await h.raw('GET', '/self-service/registration/api');
  return h.raw('POST', `/self-service/registration?flow=${flow.body.id}`, { body: { method: 'password', password, traits: traits(email) } });
}

async function rejected(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the call to fail');
}

describe('Ory stand-in: Kratos', () => {
  let h: Harness;
  let hooks: { headers: Record<string, unknown>; body: any }[];
  let hookServer: ReturnType<express.Express['listen']>;

  before(async () => {
    hooks = [];
    const hookApp = express().use(express.json());
    hookApp.post('/hooks/kratos/registration', (req, res) => {
      hooks.push({ headers: req.headers, body: req.body });
      res.status(204).end();
    });
    hookServer = await new Promise((resolve) => {
      const s = hookApp.listen(0, '127.0.0.1', () => resolve(s));
    });
    const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hooks/kratos/registration`;
    h = await startStandin({ webhooks: { registration: { url: hookUrl, apiKey: 'hook-secret' } } });
  });
  after(async () => {
    await h.close();
    hookServer.close();
  });
  afterEach(() => {
    expect(h.contractFailures, `responses received by ory/client.ts that break Ory's OpenAPI spec:\n${h.contractFailures.join('\n')}`).to.deep.equal([]);
  });

  it('announces itself as a development stand-in, not Ory', () => {
    expect(h.logs).to.include('warn: Ory stand-in (development only, not Ory)');
  });

  describe('registration (API flow, password)', () => {
    it('creates the identity, returns a session and token, then calls the after-registration web hook', async () => {
      hooks.length = 0;
      const res = await register(h, 'anna@example.org');
      expect(res.status).to.equal(200);
      expect(res.body.identity.traits.email).to.equal('anna@example.org');
      expect(res.body.identity.schema_id).to.equal('default');
      expect(res.body.identity.state).to.equal('active');
      expect(res.body.session.identity.id).to.equal(res.body.identity.id);
      expect(res.body.session_token).to.be.a('string').and.not.empty;
      expect(hooks).to.have.length(1);
      expect(hooks[0]!.headers['x-hook-key']).to.equal('hook-secret');
      expect(hooks[0]!.body).to.have.keys('identity', 'flow_id', 'flow_type', 'method', 'transient_payload');
      expect(hooks[0]!.body.identity.id).to.equal(res.body.identity.id);
      expect(hooks[0]!.body.identity, 'Kratos leaves metadata_admin out of hook bodies').not.to.have.property('metadata_admin');
      expect(hooks[0]!.body).to.include({ flow_type: 'api', method: 'password' });
      expect(hooks[0]!.body.transient_payload, 'webhook.jsonnet sends {} when the form sent no transient payload').to.deep.equal({});
    });

    it('passes the submitted transient_payload to the web hook, and stores none of it', async () => {
      hooks.length = 0;
      const flow = await h.raw('GET', '/self-service/registration/api');
      const transient = { referral_code: 'AMB1', discourse_username: 'anna_p', nested: { any: ['json'] } };
      const res = await h.raw('POST', `/self-service/registration?flow=${flow.body.id}`, {
        body: { method: 'password', password: 'correct horse battery', traits: { ...traits('transient@example.org'), time_zone: 'Europe/Moscow' }, transient_payload: transient },
      });
      expect(res.status).to.equal(200);
      expect(hooks[0]!.body.transient_payload).to.deep.equal(transient);
      expect(hooks[0]!.body.identity.traits.time_zone).to.equal('Europe/Moscow');
      const stored = await h.raw('GET', `/admin/identities/${res.body.identity.id}`);
      expect(JSON.stringify(stored.body)).not.to.contain('AMB1');
    });

    it('sends the body that ory/kratos/webhook.jsonnet renders from the same context (needs the jsonnet CLI)', async function () {
      if (spawnSync('jsonnet', ['--version']).error) this.skip();
      for (const transient of [{ referral_code: 'AMB2' }, undefined]) {
        hooks.length = 0;
        const flow = await h.raw('GET', '/self-service/registration/api');
        const email = `jsonnet.${transient ? 'with' : 'without'}@example.org`;
        await h.raw('POST', `/self-service/registration?flow=${flow.body.id}`, {
          body: { method: 'password', password: 'correct horse battery', traits: traits(email), ...(transient ? { transient_payload: transient } : {}) },
        });
        const ctx = { identity: hooks[0]!.body.identity, flow: { id: flow.body.id, type: 'api', active: 'password', ...(transient ? { transient_payload: transient } : {}) } };
        const rendered = spawnSync('jsonnet', ['--tla-code', `ctx=${JSON.stringify(ctx)}`, path.join(repoRoot, 'ory/kratos/webhook.jsonnet')], { encoding: 'utf8' });
        expect(rendered.status, rendered.stderr).to.equal(0);
        expect(hooks[0]!.body, email).to.deep.equal(JSON.parse(rendered.stdout));
      }
    });

    it('re-renders the form (400) when transient_payload is not an object, and calls no hook', async () => {
      hooks.length = 0;
      const flow = await h.raw('GET', '/self-service/registration/api');
      const res = await h.raw('POST', `/self-service/registration?flow=${flow.body.id}`, {
        body: { method: 'password', password: 'correct horse battery', traits: traits('transient.bad@example.org'), transient_payload: 'AMB1' },
      });
      expect(res.status).to.equal(400);
      expect(hooks).to.have.length(0);
    });

    it('refuses traits identity.schema.json does not have, such as a referral code (400 on traits)', async () => {
      const flow = await h.raw('GET', '/self-service/registration/api');
      const res = await h.raw('POST', `/self-service/registration?flow=${flow.body.id}`, {
        body: { method: 'password', password: 'correct horse battery', traits: { ...traits('extra@example.org'), referral_code: 'AMB1' } },
      });
      expect(res.status).to.equal(400);
    });

    it('re-renders the form (400 registrationFlow) when traits break the identity schema', async () => {
      const flow = await h.raw('GET', '/self-service/registration/api');
      const res = await h.raw('POST', `/self-service/registration?flow=${flow.body.id}`, {
        body: { method: 'password', password: 'long enough password', traits: { email: 'not-an-email', locale: 'de' } },
      });
      expect(res.status).to.equal(400);
      const messages = res.body.ui.nodes.flatMap((n: any) => n.messages.map((m: any) => `${n.attributes.name}: ${m.text}`));
      expect(messages.join('\n')).to.match(/traits\.email/).and.match(/traits\.locale/);
    });

    it('refuses a second account with the same e-mail (400, message 4000007)', async () => {
      await register(h, 'twice@example.org');
      const res = await register(h, 'TWICE@example.org');
      expect(res.status).to.equal(400);
      expect(res.body.ui.messages.map((m: any) => m.id)).to.include(4000007);
    });

    it('answers 404 for an unknown flow', async () => {
      const res = await h.raw('POST', '/self-service/registration?flow=00000000-0000-4000-8000-000000000000', {
        body: { method: 'password', password: 'x'.repeat(10), traits: traits('nobody@example.org') },
      });
      expect(res.status).to.equal(404);
    });
  });

  describe('sessions', () => {
    let token: string;
    let identityId: string;
    before(async () => {
      const res = await register(h, 'session@example.org');
      token = res.body.session_token;
      identityId = res.body.identity.id;
    });

    it('whoami finds the session by X-Session-Token (through ory/client.ts)', async () => {
      const session = await h.ory.whoami({ token });
      expect(session?.identity?.id).to.equal(identityId);
      expect(session?.identity).not.to.have.property('metadata_admin');
    });

    it('whoami finds the session by the ory_kratos_session cookie', async () => {
      const session = await h.ory.whoami({ cookie: `theme=dark; ory_kratos_session=${token}` });
      expect(session?.identity?.id).to.equal(identityId);
    });

    it('whoami without a session is 401 (raw) and null (client)', async () => {
      const res = await h.raw('GET', '/sessions/whoami');
      expect(res.status).to.equal(401);
      expect(res.body.error).to.include({ code: 401, id: 'session_inactive' });
      expect(await h.ory.whoami({ token: 'ory_st_unknown' })).to.equal(null);
    });

    it('logs in with the password (API flow) and rejects a wrong one with 400 loginFlow', async () => {
      const flow = await h.raw('GET', '/self-service/login/api');
      const bad = await h.raw('POST', `/self-service/login?flow=${flow.body.id}`, {
        body: { method: 'password', identifier: 'session@example.org', password: 'wrong password' },
      });
      expect(bad.status).to.equal(400);
      expect(bad.body.ui.messages[0].id).to.equal(4000006);
      const ok = await h.raw('POST', `/self-service/login?flow=${flow.body.id}`, {
        body: { method: 'password', identifier: 'Session@Example.org', password: 'correct horse battery' },
      });
      expect(ok.status).to.equal(200);
      expect((await h.ory.whoami({ token: ok.body.session_token }))?.identity?.id).to.equal(identityId);
    });
  });

  describe('admin identities', () => {
    it('creates, reads, finds by e-mail, sets roles, lists and deletes (through ory/client.ts)', async () => {
      const created = await h.ory.identities.create({ traits: { email: 'mentor@example.org', locale: 'en' }, password: 'mentor password', roles: ['mentor'] });
      expect(created.metadata_admin).to.deep.equal({ roles: ['mentor'] });
      expect((await h.ory.identities.get(created.id))?.traits).to.deep.include({ email: 'mentor@example.org' });
      expect((await h.ory.identities.findByEmail('MENTOR@example.org'))?.id).to.equal(created.id);
      expect(await h.ory.identities.findByEmail('nobody@example.org')).to.equal(null);

      const updated = await h.ory.identities.setRoles(created.id, ['mentor', 'staff']);
      expect(updated.metadata_admin).to.deep.equal({ roles: ['mentor', 'staff'] });

      const { identities } = await h.ory.identities.list();
      expect(identities.map((i) => i.id)).to.include(created.id);

      expect((await h.raw('DELETE', `/admin/identities/${created.id}`)).status).to.equal(204);
      expect(await h.ory.identities.get(created.id)).to.equal(null);
      expect(h.contractChecks(), 'responses to ory/client.ts are checked against the spec').to.be.greaterThan(5);
    });

    it('pages the identity list with page_size and the Link header', async () => {
      for (const n of [1, 2, 3]) await h.ory.identities.create({ traits: { email: `page${n}@example.org` } });
      const seen = new Set<string>();
      let pageToken: string | undefined;
      do {
        const page = await h.ory.identities.list({ pageSize: 2, pageToken });
        expect(page.identities.length).to.be.at.most(2);
        page.identities.forEach((i) => seen.add(i.id));
        pageToken = page.nextPageToken;
      } while (pageToken);
      const all = await h.raw('GET', '/admin/identities');
      expect(seen.size).to.equal(all.body.length);
    });

    it('replaces an identity with PUT and patches it with JSON Patch', async () => {
      const created = await h.ory.identities.create({ traits: { email: 'put@example.org' } });
      const put = await h.raw('PUT', `/admin/identities/${created.id}`, {
        body: { schema_id: 'default', state: 'inactive', traits: { email: 'put@example.org', locale: 'en' }, metadata_public: { cohort: 7 } },
      });
      expect(put.status).to.equal(200);
      expect(put.body).to.deep.include({ state: 'inactive', metadata_public: { cohort: 7 }, metadata_admin: null });
      const patched = await h.raw('PATCH', `/admin/identities/${created.id}`, {
        body: [
          { op: 'replace', path: '/traits/locale', value: 'ru' },
          { op: 'replace', path: '/state', value: 'active' },
        ],
      });
      expect(patched.status).to.equal(200);
      expect(patched.body.traits.locale).to.equal('ru');
      expect(patched.body.state).to.equal('active');
      const forbidden = await h.raw('PATCH', `/admin/identities/${created.id}`, { body: [{ op: 'replace', path: '/id', value: 'x' }] });
      expect(forbidden.status).to.equal(400);
    });

    it('answers 409 for a duplicate e-mail (raw and as IDENTITY_EXISTS)', async () => {
      await h.ory.identities.create({ traits: { email: 'dup@example.org' } });
      const res = await h.raw('POST', '/admin/identities', { body: { schema_id: 'default', traits: { email: 'dup@example.org' } } });
      expect(res.status).to.equal(409);
      const err = await rejected(h.ory.identities.create({ traits: { email: 'Dup@Example.org' } }));
      expect([err.code, err.status]).to.deep.equal(['IDENTITY_EXISTS', 409]);
    });

    it('answers 400 for traits that break the identity schema (raw and as IDENTITY_INVALID)', async () => {
      const res = await h.raw('POST', '/admin/identities', { body: { schema_id: 'default', traits: { email: 'x@example.org', roles: ['admin'] } } });
      expect(res.status).to.equal(400);
      expect(res.body.error.reason).to.match(/additional properties/);
      const err = await rejected(h.ory.identities.create({ traits: { email: 'bad', locale: 'de' as 'ru' } }));
      expect([err.code, err.status]).to.deep.equal(['IDENTITY_INVALID', 400]);
    });

    it('answers 404 for an unknown identity (raw) and null (client)', async () => {
      const res = await h.raw('GET', '/admin/identities/00000000-0000-4000-8000-000000000000');
      expect(res.status).to.equal(404);
      expect(await h.ory.identities.get('00000000-0000-4000-8000-000000000000')).to.equal(null);
    });

    it('serves health as Kratos does', async () => {
      expect((await h.raw('GET', '/health/alive')).body).to.deep.equal({ status: 'ok' });
      expect((await h.raw('GET', '/health/ready')).status).to.equal(200);
      expect(await h.ory.health()).to.deep.include({ ok: true });
    });
  });
});

describe('Ory stand-in: persistence', () => {
  it('keeps identities, sessions and tuples in storeFile across restarts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ory-standin-'));
    const storeFile = path.join(dir, 'store.json');
    try {
      const first = await startStandin({ storeFile });
      const reg = await register(first, 'kept@example.org');
      await first.ory.keto.write([{ namespace: 'Role', object: 'staff', relation: 'members', subject_id: reg.body.identity.id }]);
      await first.close();

      const second = await startStandin({ storeFile });
      expect((await second.ory.whoami({ token: reg.body.session_token }))?.identity?.id).to.equal(reg.body.identity.id);
      expect(await second.ory.keto.check({ namespace: 'Role', object: 'staff', relation: 'members', subject: reg.body.identity.id })).to.equal(true);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ory/client.ts when Ory is down', () => {
  const down = createOry({ mode: 'self-hosted', kratosPublicUrl: 'http://127.0.0.1:9', kratosAdminUrl: 'http://127.0.0.1:9', ketoReadUrl: 'http://127.0.0.1:9', ketoWriteUrl: 'http://127.0.0.1:9', timeoutMs: 1000 });

  it('throws ORY_UNAVAILABLE (503) instead of answering', async () => {
    for (const call of [down.whoami({ token: 't' }), down.identities.get('x'), down.keto.check({ namespace: 'Role', object: 'staff', relation: 'members', subject: 'u' })]) {
      const err = await rejected(call);
      expect([err.code, err.status]).to.deep.equal(['ORY_UNAVAILABLE', 503]);
    }
  });

  it('reports health as not ok without throwing', async () => {
    const health = await down.health();
    expect(health.ok).to.equal(false);
  });
});
