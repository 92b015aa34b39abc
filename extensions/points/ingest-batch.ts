import type { PoolClient } from 'pg';
import type { CanonicalEvent } from '../../schemas/events/points.ts';
import { ingest, newEvent, subjectOf, type CountingContext } from './ingest.ts';
import { lockForCounting } from './ledger.ts';
import { park, resolvePeople } from './people.ts';
import { settleGroupsSql } from './recompute.ts';

/**
 * Many canonical events into the ledger in a handful of statements: the batch path of
 * ingest.ts, with the same outcome as counting the events one by one. People are resolved
 * and locked together, unknown ones parked together, the events appended in one insert,
 * and the days they touch settled by the set-based SQL of the recomputation (which the
 * tests hold to the same answers as rules.ts). A thing that changed hands (versions of
 * one subject under different people) goes through ingest.ts, which knows how to retract
 * the former owner's copy.
 */

export interface BatchItem {
  event: CanonicalEvent;
  inboxEventId: string | null;
}

/*
 * Appends the batch's events. Only events with an explicit subject (a post, an answer: a
 * thing with versions) are probed for other versions; an event that is its own thing
 * (subject = its key) has none. Answers what the caller cannot know: subjects held by
 * someone else (moved), keys already there (dup), and the days of other versions of the
 * new events' subjects (other). Everything else was appended, and its day is the caller's.
 */
const INSERT_SQL = `
with b as (
  -- One JSON document instead of fifteen arrays: the driver's array encoding costs more than the insert.
  select key, person_id, kind, source, occurred_at, time_zone, day, subject, version, retract, actions, characters, seconds,
    coalesce(refs, '{}') as refs, inbox_event_id, versioned
  from jsonb_to_recordset($1::jsonb) as b(key text, person_id uuid, kind text, source text, occurred_at timestamptz, time_zone text,
    day date, subject text, version bigint, retract boolean, actions int, characters int, seconds int, refs jsonb, inbox_event_id bigint,
    versioned boolean)
),
-- Subjects already held by someone else: these go one by one (ingest.ts). An index probe
-- per versioned event (limit 1 keeps the planner from scanning the whole table).
moved as (
  select distinct b.subject from b
  cross join lateral (select 1 from points_event e where e.subject = b.subject and e.person_id <> b.person_id limit 1) other
  where b.versioned
),
ins as (
  insert into points_event (key, person_id, kind, source, occurred_at, time_zone, day, subject, version, retract,
    actions, characters, seconds, refs, inbox_event_id)
  select key, person_id, kind, source, occurred_at, time_zone, day, subject, version, retract, actions, characters, seconds, refs, inbox_event_id
  from b where not (b.versioned and b.subject in (select subject from moved))
  on conflict (key) do nothing
  returning key, subject
)
select 'moved' as what, subject as key, null::text as person_id, null::text as kind, null::text as day from moved
union all
select 'dup', b.key, null, null, null from b
  where not (b.versioned and b.subject in (select subject from moved)) and b.key not in (select key from ins)
union all
-- Days of the other versions of the same subjects: an edit can end the life of a version on another day.
select distinct 'other', null, e.person_id::text, e.kind, to_char(e.day, 'YYYY-MM-DD')
  from points_event e where e.subject = any(array(select ins.subject from ins join b on b.key = ins.key where b.versioned))`;

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

  const rows = together.map((k) => {
    const e = newEvent(k.event, k.person, k.inboxEventId);
    return {
      key: e.key, person_id: e.personId, kind: e.kind, source: e.source, occurred_at: e.occurredAt.toISOString(), time_zone: e.timeZone,
      day: e.day, subject: e.subject, version: e.version, retract: e.retract, actions: e.actions, characters: e.characters,
      seconds: e.seconds, refs: e.refs, inbox_event_id: e.inboxEventId, versioned: k.event.subject !== undefined,
    };
  });
  const { rows: result } = rows.length ? await tx.query<{ what: 'moved' | 'dup' | 'other'; key: string; person_id: string; kind: string; day: string }>({
    name: 'points.batch-insert', text: INSERT_SQL, values: [JSON.stringify(rows)],
  }) : { rows: [] };
  const moved = new Set(result.filter((r) => r.what === 'moved').map((r) => r.key));
  const dup = new Set(result.filter((r) => r.what === 'dup').map((r) => r.key));
  const added = rows.filter((r) => !(r.versioned && moved.has(r.subject)) && !dup.has(r.key));
  await settleGroupsSql(tx, [
    ...added.map((r) => ({ personId: r.person_id, kind: r.kind, day: r.day })),
    ...result.filter((r) => r.what === 'other').map((r) => ({ personId: r.person_id, kind: r.kind, day: r.day })),
  ], ctx.now);

  const alone = new Set([...apart, ...together.filter((t) => t.event.subject !== undefined && moved.has(t.event.subject.id))]);
  for (const k of known.filter((x) => alone.has(x))) await ingest(tx, k.event, { ...ctx, inboxEventId: k.inboxEventId });
}
