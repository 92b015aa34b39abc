import { expect } from 'chai';
import { acceptEvents } from '../../service/inbox/accept.ts';
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
});
