import type { PoolClient } from 'pg';
import type { PointsKind } from '../../schemas/events/points.ts';
import type { NewEvent } from './ledger.ts';
import type { Group } from './rules.ts';

/** SQL of the batch path (ingest-batch.ts): a batch's events appended in one statement. */

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

export interface BatchInserted {
  /** Subjects held by someone else: none of their events was appended. */
  moved: Set<string>;
  /** Keys already there: not appended again. */
  duplicates: Set<string>;
  /** Days of the other versions of the appended events' subjects. */
  otherDays: Group[];
}

/** Appends the events; `versioned` marks an event with an explicit subject. */
export async function insertBatch(tx: PoolClient, events: { event: NewEvent; versioned: boolean }[]): Promise<BatchInserted> {
  const rows = events.map(({ event: e, versioned }) => ({
    key: e.key, person_id: e.personId, kind: e.kind, source: e.source, occurred_at: e.occurredAt.toISOString(), time_zone: e.timeZone,
    day: e.day, subject: e.subject, version: e.version, retract: e.retract, actions: e.actions, characters: e.characters,
    seconds: e.seconds, refs: e.refs, inbox_event_id: e.inboxEventId, versioned,
  }));
  const { rows: result } = rows.length ? await tx.query<{ what: 'moved' | 'dup' | 'other'; key: string; person_id: string; kind: PointsKind; day: string }>({
    name: 'points.batch-insert', text: INSERT_SQL, values: [JSON.stringify(rows)],
  }) : { rows: [] };
  return {
    moved: new Set(result.filter((r) => r.what === 'moved').map((r) => r.key)),
    duplicates: new Set(result.filter((r) => r.what === 'dup').map((r) => r.key)),
    otherDays: result.filter((r) => r.what === 'other').map((r) => ({ personId: r.person_id, kind: r.kind, day: r.day })),
  };
}
