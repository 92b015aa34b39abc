import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { register } from '../../extensions/points/index.ts';
import { freshDatabase, testLog, useRedis, type TestDatabase } from '../support/stack.ts';
import { startTestPlatform, testSecrets, waitFor, type RunningPlatform } from '../support/platform.ts';

/** The collector endpoints through the real service: bearer token, validation, inbox, bull, points. */
describe('points: collectors post single events and batches', () => {
  let db: TestDatabase;
  let platform: RunningPlatform;
  const student = randomUUID();
  const at = (minute: number) => new Date(Date.parse('2025-03-03T09:00:00Z') + minute * 60_000).toISOString();
  const heartbeat = (key: string, minute: number, seconds = 60) => ({ key, kind: 'reading_heartbeat', person_id: student, occurred_at: at(minute), measures: { seconds }, refs: { guide: 'intro' } });
  const post = (path: string, body: unknown, token = testSecrets.collector) => fetch(`${platform.url}/hooks/collector/${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, json: await r.json() as Record<string, unknown> }));
  const counted = async () => (await db.pool.query<{ events: number; seconds: number }>(
    `select count(*)::int as events, coalesce(sum(seconds), 0)::int as seconds from points_event where person_id = $1`, [student])).rows[0]!;

  before(async () => {
    db = await freshDatabase('collector');
    const redis = await useRedis();
    const points = register({ db: db.pool, log: testLog, clock: () => new Date('2025-03-04T00:00:00Z'), guard: () => (_q, _s, n) => n(), signedIn: (_q, _s, n) => n(), defaultTimeZone: 'UTC' });
    platform = await startTestPlatform({ db: db.pool, redisUrl: redis.url, capabilities: [points] });
  });
  after(async () => platform?.close());

  it('refuses a missing or wrong token with 401 and a batch with one bad event with 400 naming it; nothing is stored', async () => {
    expect((await post('events', heartbeat('h-0', 0), 'wrong')).status).to.equal(401);
    const bad = await post('batch', { events: [heartbeat('h-1', 1), { ...heartbeat('h-2', 2), occurred_at: 'yesterday' }] });
    expect(bad.status).to.equal(400);
    expect(JSON.stringify(bad.json)).to.contain('events.1.occurred_at');
    const { rows } = await db.pool.query(`select count(*)::int as n from inbox_event`);
    expect(rows[0].n).to.equal(0);
  });

  it('counts a batch once, however often it is sent, and an event repeated in another batch once', async () => {
    const events = Array.from({ length: 50 }, (_, i) => heartbeat(`b-${i}`, 10 + i));
    expect((await post('batch', { events })).json).to.deep.equal({ accepted: 50, duplicates: 0 });
    expect((await post('batch', { events })).json).to.deep.equal({ accepted: 0, duplicates: 50 });
    // A new batch with ten of the same events and five new ones.
    expect((await post('batch', { events: [...events.slice(0, 10), ...Array.from({ length: 5 }, (_, i) => heartbeat(`c-${i}`, 100 + i))] })).status).to.equal(202);
    expect((await post('events', heartbeat('b-0', 10))).status).to.equal(202);
    const c = await waitFor('the events counted', async () => {
      const now = await counted();
      const { rows } = await db.pool.query(`select count(*)::int as n from inbox_job where status <> 'done'`);
      return now.events === 55 && rows[0].n === 0 ? now : undefined;
    });
    expect(c).to.deep.equal({ events: 55, seconds: 55 * 60 });
    const { rows } = await db.pool.query(`select count(*)::int as n from inbox_event where topic = 'collector.batch'`);
    expect(rows[0].n, 'one inbox event per distinct batch').to.equal(2);
  });

  it('counts the valid events of a batch and records the ones it cannot count, with their index', async () => {
    const events = [heartbeat('v-1', 200), { ...heartbeat('v-2', 201), measures: {} }, heartbeat('v-3', 202)];
    expect((await post('batch', { events })).status).to.equal(202);
    await waitFor('the valid ones counted', async () => (await counted()).events === 57);
    const { rows } = await db.pool.query(`select reason, details from points_ignored where topic = 'collector.batch'`);
    expect(rows).to.have.length(1);
    expect(rows[0].reason).to.equal('1 of 3 events of the batch are not valid; the others count');
    expect(rows[0].details).to.deep.equal([{ index: 1, reason: 'reading_heartbeat needs measures.seconds' }]);
  });
});
