import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { createPool } from '../../kernel/db.ts';
import { migrate } from '../../service/db/migrate.ts';
import { ensureDatabase, startEmbeddedPostgres, type PostgresHandle } from '../../service/stack/postgres.ts';
import { postDiscourse } from '../support/discourse.ts';
import { freePort, startTestPlatform, testSecrets, waitFor } from '../support/platform.ts';
import { testLog, useRedis } from '../support/stack.ts';
import type { Consumer } from '../../kernel/capability.ts';

const root = path.resolve(import.meta.dirname, '../..');
const post = (id: number) => ({ post: { id, topic_id: 7, user_id: 3, username: 'ann', raw: 'Hello club' } });

/**
 * Faults of issue 12 with real parts: a PostgreSQL of its own (restarted under load) and
 * two service processes on one PostgreSQL and Redis (one killed with SIGKILL under load).
 * What must hold: every delivery answered 202 is processed exactly once; during an outage a
 * delivery gets a 5xx (the sender sends it again), never a 202 for something not stored.
 */
describe('faults: PostgreSQL restarted and an instance killed under load', function () {
  this.timeout(180_000);
  let pgHandle: PostgresHandle | undefined;
  let port: number;
  const dir = path.join(root, '.data/test', `faults-${process.pid}`, 'pg');
  const start = async () => (pgHandle = await startEmbeddedPostgres({ dir, port, log: testLog }));

  before(async () => {
    port = await freePort();
    await start();
  });
  after(async () => {
    await pgHandle?.stop().catch(() => {});
    await rm(path.dirname(dir), { recursive: true, force: true });
  });

  it('PostgreSQL restarted while deliveries arrive: 503 during the outage, nothing acknowledged is lost, each processed once', async () => {
    await ensureDatabase(pgHandle!.url, 'restart');
    const db = createPool(pgHandle!.urlFor('restart'));
    await migrate(db, testLog);
    await db.query('create table fault_effect (event_id bigint, pid int)');
    const recorder: Consumer = {
      name: 'fault-recorder', topics: ['discourse.post_created'],
      async handle(event, { tx }) { await tx.query('insert into fault_effect (event_id, pid) values ($1, 0)', [event.id]); },
    };
    const platform = await startTestPlatform({ db, redisUrl: (await useRedis()).url, consumers: [recorder], staleSeconds: 3 });
    const answered = new Map<string, number>();
    let n = 0;
    const send = async () => {
      const id = `restart-${++n}`;
      const res = await postDiscourse(platform.url, testSecrets.discourse, id, 'post_created', post(n));
      answered.set(id, res.status);
      return res.status;
    };
    try {
      for (let i = 0; i < 30; i++) expect(await send()).to.equal(202);
      await pgHandle!.stop();
      const during: number[] = [];
      for (let i = 0; i < 10; i++) during.push(await send());
      expect(during, 'answers while PostgreSQL is down').to.deep.equal(Array(10).fill(503));
      await start();
      // The service comes back by itself: new deliveries are accepted again.
      await waitFor('deliveries accepted again', async () => (await send()) === 202, 30_000);
      for (let i = 0; i < 30; i++) expect(await send()).to.equal(202);

      const acknowledged = [...answered].filter(([, s]) => s === 202).map(([id]) => id);
      const stored = async () => (await db.query<{ delivery_id: string; effects: number }>(
        `select e.delivery_id, (select count(*)::int from fault_effect f where f.event_id = e.id) as effects
           from inbox_event e where e.source = 'discourse'`)).rows;
      await waitFor('every acknowledged delivery processed', async () => (await stored()).filter((r) => r.effects > 0).length >= acknowledged.length, 60_000);
      const rows = await stored();
      const byId = new Map(rows.map((r) => [r.delivery_id, r.effects]));
      for (const id of acknowledged) expect(byId.get(id), `${id} was acknowledged`).to.equal(1);
      // What got a 503 was not stored half-way: a sender's retry is the only way it comes in.
      for (const [id, s] of answered) if (s !== 202) expect(byId.has(id), `${id} answered ${s}`).to.equal(false);
    } finally {
      await platform.close();
      await db.end();
    }
  });

  it('two instances on one PostgreSQL and Redis, one killed with SIGKILL mid-load: every acknowledged delivery is processed exactly once', async () => {
    await ensureDatabase(pgHandle!.url, 'two_instances');
    const url = pgHandle!.urlFor('two_instances');
    const db = createPool(url);
    await migrate(db, testLog);
    await db.query('create table fault_effect (event_id bigint, pid int)');
    const redis = await useRedis();
    const children: ChildProcess[] = [];
    const instance = () => new Promise<{ url: string; child: ChildProcess }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/instance.ts'], {
        cwd: root, env: { ...process.env, DATABASE_URL: url, REDIS_URL: redis.url, STALE_SECONDS: '3' }, stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ready (\S+)/.exec(out);
        if (m) resolve({ url: m[1]!, child });
      });
      child.once('exit', (code) => reject(new Error(`instance exited with ${code}`)));
    });
    try {
      const [a, b] = await Promise.all([instance(), instance()]);
      const acknowledged: string[] = [];
      let n = 0;
      const sendTo = async (target: string) => {
        const id = `two-${++n}`;
        const res = await postDiscourse(target, testSecrets.discourse, id, 'post_created', post(n)).catch(() => ({ status: 0 }));
        if (res.status === 202) acknowledged.push(id);
        return res.status;
      };
      // Load on both; A dies mid-way with jobs in its workers and deliveries in flight.
      const load = async (ms: number, targets: string[]) => {
        const until = Date.now() + ms;
        for (let i = 0; Date.now() < until; i++) await Promise.all(targets.map((t) => sendTo(t)));
      };
      await load(1500, [a.url, b.url]);
      const killedWhileBusy = (await db.query<{ n: number }>(`select count(*)::int as n from inbox_job where status = 'pending'`)).rows[0]!.n;
      a.child.kill('SIGKILL');
      await load(1500, [a.url, b.url]); // what goes to A now fails to connect: not acknowledged, the sender retries
      await load(500, [b.url]);

      const done = async () => (await db.query<{ n: number }>(
        `select count(*)::int as n from inbox_event e where e.delivery_id = any($1) and exists (select 1 from fault_effect f where f.event_id = e.id)`, [acknowledged])).rows[0]!.n;
      await waitFor('the survivor to process everything acknowledged', async () => (await done()) === acknowledged.length, 90_000);
      const { rows } = await db.query<{ delivery_id: string; effects: number }>(
        `select e.delivery_id, count(f.*)::int as effects from inbox_event e left join fault_effect f on f.event_id = e.id
          where e.delivery_id = any($1) group by 1`, [acknowledged]);
      expect(rows.length, 'each acknowledged delivery is in the inbox').to.equal(acknowledged.length);
      expect(rows.filter((r) => r.effects !== 1), 'processed exactly once').to.deep.equal([]);
      const byPid = (await db.query<{ pid: number; n: number }>('select pid, count(*)::int as n from fault_effect group by pid')).rows;
      expect(byPid.length, 'both instances did work before the kill').to.equal(2);
      expect(acknowledged.length).to.be.greaterThan(50);
      testLog.info({ acknowledged: acknowledged.length, killedWhileBusy }, 'two instances');
    } finally {
      for (const c of children) c.kill('SIGKILL');
      await db.end();
    }
  });
});
