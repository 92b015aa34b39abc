import { expect } from 'chai';
import { z } from 'zod';
import type { Consumer } from '../../kernel/capability.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { acceptEvents } from '../../service/inbox/accept.ts';
import { processBatch } from '../../service/inbox/worker.ts';
import { freshDatabase, testLog, type TestDatabase } from '../support/stack.ts';
import { defineTopic, TOPICS, topicRegistry } from '../../schemas/topics.ts';

// A topic of this test alone, declared as schemas/topics.ts declares the school's.
const topics = topicRegistry([...TOPICS, defineTopic('note', 'this test', z.looseObject({ text: z.string() }))]);

/**
 * A consumer that handles batches at once (points does) writes one row per event; a
 * payload marked bad makes it throw, in the batch and one by one alike.
 */
function notesConsumer(calls: string[]): Consumer {
  const write = async (tx: import('pg').PoolClient, ids: string[], texts: string[]) => {
    await tx.query(`insert into batch_note (event_id, text) select * from unnest($1::bigint[], $2::text[])`, [ids, texts]);
  };
  const text = (payload: unknown) => {
    const p = payload as { text: string; bad?: boolean; unreadable?: boolean };
    if (p.bad) throw new Error(`bad note ${p.text}`);
    if (p.unreadable) throw new InvalidPayload([{ path: 'text', message: 'not a note this consumer can read' }]);
    return p.text;
  };
  return {
    name: 'notes',
    topics: ['note'],
    async handle(event, { tx }) {
      calls.push(`one:${event.deliveryId}`);
      await write(tx, [event.id], [text(event.payload)]);
    },
    async handleBatch(events, { tx }) {
      calls.push(`batch:${events.length}`);
      // All written before a bad one throws: the savepoint must take it back.
      await write(tx, events.map((e) => e.id), events.map((e) => (e.payload as { text: string }).text));
      for (const e of events) text(e.payload);
    },
  };
}

describe('inbox: a consumer that handles whole batches', () => {
  let db: TestDatabase;
  const routing = (topic: string) => (topic === 'note' ? ['notes'] : []);
  const pending = async () => (await db.pool.query<{ id: string }>(`select event_id::text as id from inbox_job where status = 'pending' order by 1`)).rows.map((r) => r.id);
  const notes = async () => (await db.pool.query(`select text from batch_note order by event_id`)).rows.map((r) => r.text);

  before(async () => {
    db = await freshDatabase('batch');
    await db.pool.query(`create table batch_note (event_id bigint primary key, text text not null)`);
  });

  it('handles a batch in one call and marks every event done', async () => {
    await acceptEvents(db.pool, routing, ['a', 'b', 'c'].map((t) => ({ source: 'test', deliveryId: t, topic: 'note', payload: { text: t } })));
    const calls: string[] = [];
    const r = await processBatch({ db: db.pool, log: testLog, maxAttempts: 3, topics }, notesConsumer(calls), await pending());
    expect(r).to.deep.equal({ done: 3, failed: 0, invalid: 0 });
    expect(calls).to.deep.equal(['batch:3']);
    expect(await notes()).to.deep.equal(['a', 'b', 'c']);
  });

  it('when the batch throws, keeps nothing of it and handles the events one by one: only the bad one fails', async () => {
    await acceptEvents(db.pool, routing, [
      { source: 'test', deliveryId: 'd', topic: 'note', payload: { text: 'd' } },
      { source: 'test', deliveryId: 'e', topic: 'note', payload: { text: 'e', bad: true } },
      { source: 'test', deliveryId: 'f', topic: 'note', payload: { text: 'f' } },
      { source: 'test', deliveryId: 'g', topic: 'note', payload: { text: 'g' } },
    ]);
    const calls: string[] = [];
    const r = await processBatch({ db: db.pool, log: testLog, maxAttempts: 3, topics }, notesConsumer(calls), await pending());
    expect(r).to.deep.equal({ done: 3, failed: 1, invalid: 0 });
    expect(calls).to.deep.equal(['batch:4', 'one:d', 'one:e', 'one:f', 'one:g']);
    expect(await notes()).to.deep.equal(['a', 'b', 'c', 'd', 'f', 'g']);
    const { rows } = await db.pool.query(`select e.delivery_id, j.status, j.attempts, j.last_error from inbox_job j join inbox_event e on e.id = j.event_id
      where j.status <> 'done'`);
    expect(rows).to.deep.equal([{ delivery_id: 'e', status: 'pending', attempts: 1, last_error: 'bad note e' }]);
  });

  it('marks a payload that fails its topic\'s schema, or that the consumer calls invalid, as invalid: never retried, shown with its issues', async () => {
    await acceptEvents(db.pool, routing, [
      { source: 'test', deliveryId: 'h', topic: 'note', payload: { text: 42 } },
      { source: 'test', deliveryId: 'i', topic: 'note', payload: { text: 'i', unreadable: true } },
      { source: 'test', deliveryId: 'j', topic: 'note', payload: { text: 'j' } },
    ]);
    const calls: string[] = [];
    const { rows: ids } = await db.pool.query(`select id::text from inbox_event where delivery_id in ('h', 'i', 'j')`);
    const r = await processBatch({ db: db.pool, log: testLog, maxAttempts: 3, topics }, notesConsumer(calls), ids.map((x) => x.id));
    expect(r).to.deep.equal({ done: 1, failed: 0, invalid: 2 });
    expect(calls, 'the schema\'s reject never reaches the consumer').to.not.include('one:h');
    const { rows } = await db.pool.query(`select delivery_id, consumer, topic, issues from inbox_invalid order by event_id`);
    expect(rows).to.deep.equal([
      { delivery_id: 'h', consumer: 'notes', topic: 'note', issues: 'text: Invalid input: expected string, received number' },
      { delivery_id: 'i', consumer: 'notes', topic: 'note', issues: 'text: not a note this consumer can read' },
    ]);
    const { rows: left } = await db.pool.query(`select j.status from inbox_job j join inbox_event e on e.id = j.event_id where e.delivery_id in ('h', 'i')`);
    expect(left.map((x) => x.status), 'nothing left to retry').to.deep.equal(['invalid', 'invalid']);
  });
});
