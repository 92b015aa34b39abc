import { expect } from 'chai';
import { acceptEvents } from '../../service/inbox/accept.ts';
import { createInbox } from '../../service/inbox/inbox.ts';
import { freshDatabase, type TestDatabase } from '../support/stack.ts';

describe('inbox: accepting deliveries', () => {
  let db: TestDatabase;
  const routing = (topic: string) => (topic.startsWith('club.') ? ['points', 'audit'] : []);

  before(async () => {
    db = await freshDatabase('accept');
  });

  it('stores a delivery once and a repeat of it has no second effect', async () => {
    const event = { source: 'discourse', deliveryId: 'd-1', topic: 'club.post_created', payload: { id: 1 } };
    expect(await acceptEvents(db.pool, routing, [event])).to.deep.equal({ accepted: 1, duplicates: 0 });
    expect(await acceptEvents(db.pool, routing, [event])).to.deep.equal({ accepted: 0, duplicates: 1 });
    const { rows } = await db.pool.query(`select consumer from inbox_job j join inbox_event e on e.id = j.event_id
      where e.delivery_id = 'd-1' order by consumer`);
    expect(rows.map((r) => r.consumer)).to.deep.equal(['audit', 'points']);
  });

  it('creates no job for a topic nobody consumes, but keeps the event', async () => {
    await acceptEvents(db.pool, routing, [{ source: 'x', deliveryId: 'd-2', topic: 'other', payload: {} }]);
    const { rows } = await db.pool.query(`select count(j.*)::int as jobs from inbox_event e left join inbox_job j on j.event_id = e.id where e.delivery_id = 'd-2'`);
    expect(rows[0].jobs).to.equal(0);
  });

  it('tells a sender to come back (503 INBOX_BUSY, Retry-After) when too much waits for its insert, and loses nothing it accepted', async () => {
    const inbox = createInbox({ db: db.pool, routing, maxInFlight: 1, maxWaitingEvents: 3 });
    // Hold the table so the first insert waits, as a slow disk would.
    const holder = await db.pool.connect();
    await holder.query('begin');
    await holder.query('lock table inbox_event in exclusive mode');
    const ev = (id: string) => ({ source: 'busy', deliveryId: id, topic: 'club.post_created', payload: { id } });
    const first = inbox.accept([ev('b-1')]);
    const second = inbox.accept([ev('b-2'), ev('b-3')]);
    const refused = await inbox.accept([ev('b-4'), ev('b-5')]).then(() => null, (e: { code?: string; status?: number; details?: { retryAfterSeconds?: number } }) => e);
    expect(refused?.code).to.equal('INBOX_BUSY');
    expect(refused?.status).to.equal(503);
    expect(refused?.details?.retryAfterSeconds).to.be.greaterThan(0);
    await holder.query('commit');
    holder.release();
    expect(await first).to.deep.equal({ accepted: 1, duplicates: 0 });
    expect(await second).to.deep.equal({ accepted: 2, duplicates: 0 });
    expect(await inbox.accept([ev('b-4'), ev('b-5')]), 'come back later: taken').to.deep.equal({ accepted: 2, duplicates: 0 });
  });
});
