import type { PoolClient } from 'pg';
import type { CanonicalEvent } from '../../schemas/events/points.ts';
import { ingest, newEvent, subjectOf, type CountingContext } from './ingest.ts';
import { insertBatch } from './ingest-batch-store.ts';
import { lockForCounting } from './ledger.ts';
import { park, resolvePeople } from './people-store.ts';
import { settleGroupsSql } from './settle-store.ts';

/**
 * Many canonical events into the ledger in a handful of statements: the batch path of
 * ingest.ts, with the same outcome as counting the events one by one. People are resolved
 * (people-store.ts) and locked together, unknown ones parked together, the events
 * appended in one insert (ingest-batch-store.ts), and the days they touch settled by the
 * set-based statement of settle-store.ts (which the tests hold to the same answers as
 * rules.ts). A thing that changed hands (versions of one subject under different people)
 * goes through ingest.ts, which knows how to retract the former owner's copy.
 */

export interface BatchItem {
  event: CanonicalEvent;
  inboxEventId: string | null;
}

/**
 * Counts a batch inside the caller's transaction. Items are in arrival order; an item
 * whose key came earlier in the batch is a duplicate, as it would be one by one.
 */
export async function ingestBatch(tx: PoolClient, items: BatchItem[], ctx: Omit<CountingContext, 'inboxEventId'>): Promise<void> {
  const seen = new Set<string>();
  const unique = items.filter((i) => !seen.has(i.event.key) && seen.add(i.event.key));
  if (unique.length === 0) return;
  const people = await resolvePeople(tx, unique.map((u) => u.event), ctx.defaultTimeZone);
  const known = unique.flatMap((item, n) => (people[n] ? [{ ...item, person: people[n] }] : []));
  await lockForCounting(tx, known.map((k) => k.person.personId));
  await park(tx, unique.filter((_, n) => !people[n]));

  // Versions of one subject under different people in this batch: one by one as well.
  const owners = new Map<string, Set<string>>();
  for (const k of known) owners.set(subjectOf(k.event).id, (owners.get(subjectOf(k.event).id) ?? new Set()).add(k.person.personId));
  const together = known.filter((k) => owners.get(subjectOf(k.event).id)!.size === 1);
  const apart = known.filter((k) => owners.get(subjectOf(k.event).id)!.size > 1);

  const rows = together.map((k) => ({ event: newEvent(k.event, k.person, k.inboxEventId), versioned: k.event.subject !== undefined }));
  const { moved, duplicates, otherDays } = await insertBatch(tx, rows);
  const added = rows.filter((r) => !(r.versioned && moved.has(r.event.subject)) && !duplicates.has(r.event.key)).map((r) => r.event);
  await settleGroupsSql(tx, [...added.map((e) => ({ personId: e.personId, kind: e.kind, day: e.day })), ...otherDays], ctx.now);

  const alone = new Set([...apart, ...together.filter((t) => t.event.subject !== undefined && moved.has(t.event.subject.id))]);
  for (const k of known.filter((x) => alone.has(x))) await ingest(tx, k.event, { ...ctx, inboxEventId: k.inboxEventId });
}
