import type pg from 'pg';

import type { AcceptResult, NewInboxEvent, Routing } from '../../kernel/inbox.ts';

export type { AcceptResult, NewInboxEvent, Routing };

const ACCEPT_SQL = `
with input as (
  select * from unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) as t(source, delivery_id, topic, payload)
), ins as (
  insert into inbox_event (source, delivery_id, topic, payload)
  select distinct on (source, delivery_id) source, delivery_id, topic, payload from input
  on conflict (source, delivery_id) do nothing
  returning id, source, delivery_id, topic
), jobs as (
  insert into inbox_job (event_id, consumer)
  select ins.id, r.consumer from ins join unnest($5::text[], $6::text[]) as r(topic, consumer) on r.topic = ins.topic
)
select source, delivery_id from ins`;

/**
 * Writes deliveries to the inbox in one statement: the events and, for each, one job per
 * consumer that takes its topic. A delivery already there (same source and delivery id)
 * is acknowledged and ignored. Either all of a request's events are stored or none.
 */
export async function acceptEvents(db: pg.Pool | pg.PoolClient, routing: Routing, events: NewInboxEvent[]): Promise<AcceptResult> {
  const inserted = await insertEvents(db, routing, events);
  return { accepted: inserted.size, duplicates: events.length - inserted.size };
}

export const eventKey = (e: { source: string; deliveryId: string }) => `${e.source}\u0000${e.deliveryId}`;

/** Inserts the events (and their jobs) in one statement; returns the keys that were new. */
export async function insertEvents(db: pg.Pool | pg.PoolClient, routing: Routing, events: NewInboxEvent[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const routeTopics: string[] = [];
  const routeConsumers: string[] = [];
  for (const topic of new Set(events.map((e) => e.topic))) {
    for (const consumer of routing(topic)) {
      routeTopics.push(topic);
      routeConsumers.push(consumer);
    }
  }
  const { rows } = await db.query<{ source: string; delivery_id: string }>(ACCEPT_SQL, [
    events.map((e) => e.source),
    events.map((e) => e.deliveryId),
    events.map((e) => e.topic),
    events.map((e) => JSON.stringify(e.payload)),
    routeTopics,
    routeConsumers,
  ]);
  return new Set(rows.map((r) => eventKey({ source: r.source, deliveryId: r.delivery_id })));
}
