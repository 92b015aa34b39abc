import { expect } from 'chai';
import type { Consumer } from '../../kernel/capability.ts';
import { freshDatabase, useRedis, type TestDatabase } from '../support/stack.ts';
import { startTestPlatform, testSecrets, waitFor, type RunningPlatform } from '../support/platform.ts';
import { postDiscourse } from '../support/discourse.ts';

describe('webhook pipeline: an event that keeps failing', () => {
  let db: TestDatabase;
  let platform: RunningPlatform;
  let broken = true;
  const flaky: Consumer = {
    name: 'flaky-recorder',
    topics: ['discourse.post_created'],
    async handle(event, { tx }) {
      await tx.query('insert into flaky_effect (event_id) values ($1)', [event.id]);
      if (broken) throw new Error('the club API is down');
    },
  };
  const status = async () => (await db.pool.query(`select status, attempts, last_error from inbox_job where consumer = 'flaky-recorder'`)).rows[0];
  const effects = async () => (await db.pool.query('select count(*)::int as n from flaky_effect')).rows[0].n as number;

  before(async () => {
    db = await freshDatabase('dead_letters');
    await db.pool.query('create table flaky_effect (event_id bigint)');
    // maxAttempts is 5 in the test platform; the test makes each backoff due at once.
    platform = await startTestPlatform({ db: db.pool, redisUrl: (await useRedis()).url, consumers: [flaky] });
  });
  after(async () => platform?.close());

  it('is retried, then dead-lettered with its error, its effects never half-written; staff replay it once fixed', async () => {
    await postDiscourse(platform.url, testSecrets.discourse, 'flaky-1', 'post_created', { post: { id: 1, raw: 'x' } });
    await waitFor('the event to be dead', async () => {
      await db.pool.query(`update inbox_job set next_attempt_at = now() where status = 'pending'`);
      return (await status())?.status === 'dead';
    }, 30_000);
    expect(await status()).to.include({ status: 'dead', attempts: 5, last_error: 'the club API is down' });
    expect(await effects(), 'every failed attempt rolled back').to.equal(0);

    broken = false;
    const res = await fetch(`${platform.url}/admin/inbox/replay`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ consumer: 'flaky-recorder' }),
    });
    expect(await res.json()).to.deep.equal({ replayed: 1 });
    await waitFor('the replayed event to be done', async () => (await status())?.status === 'done', 15_000);
    expect(await effects()).to.equal(1);
  });

  it('refuses a replay request that names nothing', async () => {
    const res = await fetch(`${platform.url}/admin/inbox/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).to.equal(400);
  });
});
