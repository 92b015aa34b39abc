import { expect } from 'chai';
import type { Consumer } from '../../kernel/capability.ts';
import { freshDatabase, useRedis, type TestDatabase } from '../support/stack.ts';
import { startTestPlatform, testSecrets, waitFor, type RunningPlatform } from '../support/platform.ts';
import { postDiscourse } from '../support/discourse.ts';

/** A consumer whose effect is a row in club_effect, written in the worker's transaction. */
const recordingConsumer: Consumer = {
  name: 'club-recorder',
  topics: ['discourse.post_created', 'discourse.post_edited', 'discourse.post_destroyed', 'discourse.post_recovered'],
  async handle(event, { tx }) {
    await tx.query('insert into club_effect (event_id, topic) values ($1, $2)', [event.id, event.topic]);
  },
};

const post = (id: number) => ({ post: { id, topic_id: 7, user_id: 3, username: 'ann', raw: 'Hello club' } });

describe('webhook pipeline: receiver -> inbox -> bull -> consumer', () => {
  let db: TestDatabase;
  let platform: RunningPlatform;
  const effects = async (topic?: string) =>
    (await db.pool.query<{ n: number }>('select count(*)::int as n from club_effect where $1::text is null or topic = $1', [topic ?? null])).rows[0]!.n;

  before(async () => {
    db = await freshDatabase('pipeline');
    await db.pool.query('create table club_effect (event_id bigint, topic text)');
    const redis = await useRedis();
    platform = await startTestPlatform({ db: db.pool, redisUrl: redis.url, consumers: [recordingConsumer] });
  });
  after(async () => platform?.close());

  it('accepts a signed delivery with 202 and the consumer\'s effect follows', async () => {
    const res = await postDiscourse(platform.url, testSecrets.discourse, 'evt-1', 'post_created', post(1));
    expect(res.status).to.equal(202);
    expect(res.json).to.deep.equal({ accepted: 1, duplicates: 0 });
    await waitFor('the effect', async () => (await effects('discourse.post_created')) === 1);
  });

  it('acknowledges a repeated delivery and ignores it: one effect only', async () => {
    const first = await postDiscourse(platform.url, testSecrets.discourse, 'evt-2', 'post_edited', post(2));
    const again = await postDiscourse(platform.url, testSecrets.discourse, 'evt-2', 'post_edited', post(2));
    expect(first.json).to.deep.equal({ accepted: 1, duplicates: 0 });
    expect(again.status).to.equal(202);
    expect(again.json).to.deep.equal({ accepted: 0, duplicates: 1 });
    await waitFor('the effect', async () => (await effects('discourse.post_edited')) >= 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(await effects('discourse.post_edited')).to.equal(1);
  });

  it('refuses a forged signature with 401 and writes nothing', async () => {
    const before = (await db.pool.query('select count(*)::int as n from inbox_event')).rows[0].n;
    const res = await postDiscourse(platform.url, 'not-the-secret', 'evt-forged', 'post_created', post(3));
    expect(res.status).to.equal(401);
    expect(res.json).to.deep.nested.include({ 'error.code': 'WEBHOOK_SIGNATURE_INVALID' });
    const unsigned = await postDiscourse(platform.url, testSecrets.discourse, 'evt-unsigned', 'post_created', post(3), (h) => {
      delete h['x-discourse-event-signature'];
    });
    expect(unsigned.status).to.equal(401);
    expect(unsigned.json).to.deep.nested.include({ 'error.code': 'WEBHOOK_SIGNATURE_MISSING' });
    expect((await db.pool.query('select count(*)::int as n from inbox_event')).rows[0].n).to.equal(before);
  });

  it('refuses a malformed delivery with 400 and a reason, and writes nothing', async () => {
    const before = (await db.pool.query('select count(*)::int as n from inbox_event')).rows[0].n;
    const noEventId = await postDiscourse(platform.url, testSecrets.discourse, 'evt-x', 'post_created', post(4), (h) => {
      delete h['x-discourse-event-id'];
    });
    expect(noEventId.status).to.equal(400);
    expect(noEventId.json).to.deep.nested.include({ 'error.code': 'PAYLOAD_INVALID' });
    const badBody = await postDiscourse(platform.url, testSecrets.discourse, 'evt-y', 'post_created', { post: { id: 'not-a-number' } });
    expect(badBody.status).to.equal(400);
    expect(JSON.stringify(badBody.json)).to.contain('post');
    expect((await db.pool.query('select count(*)::int as n from inbox_event')).rows[0].n).to.equal(before);
  });

  it('keeps accepting while Redis is down and processes the backlog when it returns', async () => {
    const redis = await useRedis();
    await redis.stop();
    try {
      for (let i = 0; i < 5; i++) {
        const res = await postDiscourse(platform.url, testSecrets.discourse, `evt-down-${i}`, 'post_destroyed', post(100 + i));
        expect(res.status, 'accepted while Redis is down').to.equal(202);
      }
      await new Promise((r) => setTimeout(r, 500));
      expect(await effects('discourse.post_destroyed')).to.equal(0);
    } finally {
      await redis.start();
    }
    await waitFor('the backlog to be processed', async () => (await effects('discourse.post_destroyed')) === 5, 30_000);
    const pending = (await db.pool.query(`select count(*)::int as n from inbox_job where status <> 'done'`)).rows[0].n;
    expect(pending).to.equal(0);
  });
});
