/**
 * The inbox does not grow for ever: deliveries every consumer is done with go after
 * INBOX_RETENTION_DAYS, in batches; what is unfinished, and the latest event of each NocoDB
 * row (the deletion sweep's memory), stays.
 */
import { expect } from 'chai';
import { pruneInbox } from '../../service/inbox/retention.ts';
import { acceptEvents } from '../../service/inbox/accept.ts';
import { freshDatabase, type TestDatabase } from '../support/stack.ts';

describe('inbox: retention', () => {
  let db: TestDatabase;
  before(async () => {
    db = await freshDatabase('inbox_retention');
  });

  it('removes old finished deliveries in batches, and keeps unfinished ones and the latest event of each NocoDB row', async () => {
    const routing = () => ['c'];
    const row = (id: number, stamp: string) => ({ table: 'answers', tableId: 't', operation: 'update', row: { Id: id, UpdatedAt: stamp }, via: 'webhook' });
    await acceptEvents(db.pool, routing, [
      ...Array.from({ length: 25 }, (_, i) => ({ source: 'discourse', deliveryId: `old-${i}`, topic: 'discourse.post_created', payload: { post: { id: i } } })),
      { source: 'discourse', deliveryId: 'old-pending', topic: 'discourse.post_created', payload: { post: { id: 99 } } },
      { source: 'nocodb', deliveryId: 'answers:7:a', topic: 'nocodb.answers.update', payload: row(7, 'a') },
      { source: 'nocodb', deliveryId: 'answers:7:b', topic: 'nocodb.answers.update', payload: row(7, 'b') },
      { source: 'discourse', deliveryId: 'recent', topic: 'discourse.post_created', payload: { post: { id: 100 } } },
    ]);
    await db.pool.query(`update inbox_job set status = 'done', done_at = now() where event_id in (select id from inbox_event where delivery_id <> 'old-pending')`);
    await db.pool.query(`update inbox_event set received_at = now() - interval '40 days' where delivery_id <> 'recent'`);

    const removed = await pruneInbox(db.pool, { days: 30, batch: 10 });
    expect(removed, '25 old posts and the older event of row 7').to.equal(26);
    const { rows } = await db.pool.query<{ delivery_id: string }>('select delivery_id from inbox_event order by id');
    expect(rows.map((r) => r.delivery_id).sort()).to.deep.equal(['answers:7:b', 'old-pending', 'recent']);
    const { rows: jobs } = await db.pool.query('select count(*)::int as n from inbox_job j left join inbox_event e on e.id = j.event_id where e.id is null');
    expect(jobs[0].n, 'no job left without its event').to.equal(0);
    expect(await pruneInbox(db.pool, { days: 0 }), '0 days: kept for ever').to.equal(0);
  });
});
