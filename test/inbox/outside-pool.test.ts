import { expect } from 'chai';
import type { Consumer } from '../../kernel/capability.ts';
import { createPool } from '../../kernel/db.ts';
import { freshDatabase, useRedis } from '../support/stack.ts';
import { startTestPlatform, testSecrets, waitFor } from '../support/platform.ts';
import { postDiscourse } from '../support/discourse.ts';

const post = (id: number) => ({ post: { id, topic_id: 7, user_id: 3, username: 'ann', raw: 'Hello club' } });

describe('consumers that call out run on a pool of their own (issue 12)', function () {
  this.timeout(60_000);

  it('a hanging outside system (Keto, NocoDB) holds only the outside pool: deliveries are still accepted and other consumers go on', async () => {
    const db = await freshDatabase('outside_pool');
    await db.pool.query('create table club_effect (event_id bigint, consumer text)');
    // Small pools, so that four hung workers would take every connection of one pool.
    const main = createPool(db.url, 2, { connectMs: 3_000 });
    const outside = createPool(db.url, 2, { connectMs: 3_000 });
    let release!: () => void;
    const outsideAnswers = new Promise<void>((r) => { release = r; });
    let hanging = 0;
    const callsOut: Consumer = {
      name: 'calls-keto', topics: ['discourse.post_edited'], callsOut: true,
      async handle(event, { tx }) {
        hanging++;
        await outsideAnswers; // Keto not answering, inside the worker's transaction
        await tx.query(`insert into club_effect values ($1, 'calls-keto')`, [event.id]);
      },
    };
    const local: Consumer = {
      name: 'local', topics: ['discourse.post_created'],
      async handle(event, { tx }) { await tx.query(`insert into club_effect values ($1, 'local')`, [event.id]); },
    };
    const platform = await startTestPlatform({ db: main, outsideDb: outside, redisUrl: (await useRedis()).url, consumers: [callsOut, local] });
    try {
      for (let i = 0; i < 6; i++) expect((await postDiscourse(platform.url, testSecrets.discourse, `edit-${i}`, 'post_edited', post(i))).status).to.equal(202);
      await waitFor('workers hung on the outside system', async () => hanging >= 1, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 10; i++) {
        const started = Date.now();
        const res = await postDiscourse(platform.url, testSecrets.discourse, `create-${i}`, 'post_created', post(100 + i));
        expect(res.status, 'accepted while Keto hangs').to.equal(202);
        expect(Date.now() - started, 'without waiting for a connection').to.be.below(1_000);
      }
      const count = async (consumer: string) => (await db.pool.query<{ n: number }>('select count(*)::int as n from club_effect where consumer = $1', [consumer])).rows[0]!.n;
      await waitFor('the local consumer going on', async () => (await count('local')) === 10, 15_000);
      expect(await count('calls-keto')).to.equal(0);
      release();
      await waitFor('the hung ones finishing once Keto answers', async () => (await count('calls-keto')) === 6, 15_000);
    } finally {
      release();
      await platform.close();
      await main.end();
      await outside.end();
    }
  });
});
