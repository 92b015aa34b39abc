/**
 * Issue 12's bounds and defaults, each as it would bite: the stand-in in production, a
 * secret in a log line, a runaway statement, secrets or root in the image.
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createPool } from '../../kernel/db.ts';
import { loadConfig } from '../../service/config.ts';
import { createLogger } from '../../service/log.ts';
import { refuseStandinInProduction } from '../../service/stack/ory.ts';
import { healthHandler } from '../../service/http/health.ts';
import express from 'express';
import { freshDatabase, useRedis } from '../support/stack.ts';
import { startTestPlatform } from '../support/platform.ts';

describe('hardening: defaults that refuse or bound', () => {
  it('refuses to start the Ory stand-in when NODE_ENV=production, saying which settings are missing', () => {
    const incomplete = loadConfig({ DATA_DIR: '.data/test/hardening', KRATOS_PUBLIC_URL: 'https://auth.school.example' });
    expect(() => refuseStandinInProduction(incomplete, 'production')).to.throw(/ORY_SDK_URL.*KETO_WRITE_URL.*given only KRATOS_PUBLIC_URL/s);
    expect(() => refuseStandinInProduction(incomplete, 'development')).to.not.throw();
    expect(() => refuseStandinInProduction(incomplete, undefined)).to.not.throw();
  });

  it('keeps credentials out of log lines', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const log = createLogger('info', 'test', sink);
    log.info({
      req: { headers: { authorization: 'Bearer ory_st_secret', cookie: 'ory_kratos_session=abc', 'x-session-token': 'ory_st_2', 'x-hook-key': 'k3y', 'user-agent': 'curl' } },
      password: 'hunter2', identity: { token: 'tok-secret-9' },
    }, 'a request');
    const line = lines.join('');
    for (const secret of ['ory_st_secret', 'abc', 'ory_st_2', 'k3y', 'hunter2', 'tok-secret-9']) expect(line, secret).to.not.include(secret);
    expect(line).to.include('[redacted]').and.include('curl');
  });

  it('ends a runaway statement at the pool\'s statement timeout instead of holding a connection', async function () {
    this.timeout(30_000);
    const db = await freshDatabase('hardening');
    const pool = createPool(db.url, 1, { statementMs: 300, connectMs: 2000 });
    try {
      const started = Date.now();
      const err = await pool.query('select pg_sleep(5)').then(() => null, (e: { code?: string }) => e);
      expect(err?.code, 'canceling statement due to statement timeout').to.equal('57014');
      expect(Date.now() - started).to.be.lessThan(3000);
      expect((await pool.query('select 1 as one')).rows[0].one, 'the connection is usable again').to.equal(1);
    } finally {
      await pool.end();
    }
  });

  it('keeps .env out of git and the image, and runs the image as a non-root user', () => {
    const gitignore = readFileSync('.gitignore', 'utf8').split('\n');
    const dockerignore = readFileSync('.dockerignore', 'utf8').split('\n');
    expect(gitignore).to.include('.env');
    expect(dockerignore).to.include('.env');
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    const user = /^USER\s+(\S+)/m.exec(dockerfile)?.[1];
    expect(user, 'a USER line').to.be.a('string');
    expect(user).to.not.match(/^(root|0)$/);
    expect(dockerfile.indexOf('USER'), 'before the command runs').to.be.lessThan(dockerfile.indexOf('CMD'));
  });

  it('checks a receiver\'s secret before reading its body: a stranger\'s large or broken body is a 401, not parsed; metric labels are a fixed set', async function () {
    this.timeout(60_000);
    const db = await freshDatabase('hardening_hooks');
    const platform = await startTestPlatform({ db: db.pool, redisUrl: (await useRedis()).url });
    try {
      const big = `{"x":"${'a'.repeat(6 * 1024 * 1024)}"}`;
      for (const [path, header] of [['/hooks/nocodb', 'x-school-hook-secret'], ['/hooks/kratos/registration', 'x-hook-key'], ['/hooks/telegram', 'x-telegram-bot-api-secret-token']] as const) {
        for (const body of [big, '{not json']) {
          const res = await fetch(`${platform.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', [header]: 'wrong' }, body });
          expect(res.status, `${path} with ${body.length} bytes`).to.equal(401);
        }
      }
      const { rows } = await db.pool.query('select count(*)::int as n from inbox_event');
      expect(rows[0].n).to.equal(0);
      // Paths nobody routes make no metric series of their own.
      for (let i = 0; i < 20; i++) await fetch(`${platform.url}/hooks/random-${i}-${Math.random()}`, { method: 'POST' });
      const metrics = await (await fetch(`${platform.url}/metrics`)).text();
      const routes = new Set([...metrics.matchAll(/route="([^"]+)"/g)].map((m) => m[1]));
      expect([...routes].sort()).to.deep.equal(['/hooks/kratos', '/hooks/nocodb', '/hooks/other', '/hooks/telegram']);
    } finally {
      await platform.close();
    }
  });

  it('refuses a change that a cookie alone authenticates when it comes from another site, before any route sees it', async function () {
    this.timeout(60_000);
    const db = await freshDatabase('hardening_csrf');
    let changes = 0;
    const capability = { name: 'probe', routes: (r: import('express').Router) => { r.post('/change', (_req, res) => { changes++; res.json({ ok: true }); }); } };
    const platform = await startTestPlatform({ db: db.pool, redisUrl: (await useRedis()).url, capabilities: [capability] });
    try {
      const post = (headers: Record<string, string>) => fetch(`${platform.url}/api/probe/change`, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body: '' });
      const own = new URL(platform.url).origin;
      expect((await post({ cookie: 'ory_kratos_session=s', origin: 'https://evil.example' })).status, 'another site, with the cookie').to.equal(403);
      expect((await post({ cookie: 'ory_kratos_session=s', referer: 'https://evil.example/page' })).status, 'another site by Referer').to.equal(403);
      expect(changes).to.equal(0);
      expect((await post({ cookie: 'ory_kratos_session=s', origin: own })).status, 'our own page').to.equal(200);
      expect((await post({ 'x-session-token': 'ory_st_x', origin: 'https://evil.example' })).status, 'a token, which another site cannot send').to.equal(200);
      expect((await fetch(`${platform.url}/api/probe/change`, { headers: { cookie: 'ory_kratos_session=s', origin: 'https://evil.example' } })).status, 'reads are not changes').to.equal(404);
    } finally {
      await platform.close();
    }
  });

  it('answers /health from one round of checks however many ask, and shows the components only with the operations token', async () => {
    let rounds = 0;
    const token = 'ops-token-for-the-test-0123';
    const app = express();
    app.get('/health', healthHandler({ postgres: async () => { rounds++; }, nocodb: async () => { throw new Error('internal detail: 10.0.0.5 refused'); } }, { token, cacheMs: 60_000 }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/health`;
    try {
      const anonymous = await Promise.all(Array.from({ length: 30 }, () => fetch(url).then(async (r) => ({ status: r.status, body: await r.json() as any }))));
      expect(rounds, 'one round for thirty probes').to.equal(1);
      expect(anonymous[0]!.status).to.equal(503);
      expect(JSON.stringify(anonymous[0]!.body), 'no internal detail for strangers').to.not.include('10.0.0.5');
      const ops = await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json() as any;
      expect(ops.components.nocodb.error).to.include('refused');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('lets staff look at the queues but only an operator replay or change jobs', async function () {
    this.timeout(60_000);
    const db = await freshDatabase('hardening_operator');
    const refuse: import('express').RequestHandler = (_req, res) => { res.status(403).json({ error: { code: 'PERMISSION_DENIED', message: 'operators only' } }); };
    const platform = await startTestPlatform({ db: db.pool, redisUrl: (await useRedis()).url, operatorGuard: refuse });
    try {
      expect((await fetch(`${platform.url}/admin/queues`)).status, 'staff look').to.equal(200);
      const replay = await fetch(`${platform.url}/admin/inbox/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(replay.status, 'replaying is an operator\'s').to.equal(403);
      const clean = await fetch(`${platform.url}/admin/queues/api/queues/clean/failed`, { method: 'PUT' });
      expect(clean.status, 'changing jobs too').to.equal(403);
    } finally {
      await platform.close();
    }
  });
});
