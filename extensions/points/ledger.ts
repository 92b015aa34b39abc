import type { PoolClient, QueryConfig } from 'pg';
import type { PointsKind } from '../../schemas/events/points.ts';
import type { Action, ActiveLine, Group, Line, Note, Rule } from './rules.ts';

/**
 * SQL of the append-only tables points_event and points_ledger, and the locks that keep
 * counting serial per person. Nothing here decides points: rules.ts does. The statements
 * run for every event are named (prepared once per connection).
 */

/** Advisory lock namespaces (two-key form): one per person; one shared lock over the rules. */
export const LOCK_PERSON = 0x706f;
export const LOCK_RULES = 0x7070;

const named = (name: string, text: string, values: unknown[]): QueryConfig => ({ name: `points.${name}`, text, values });

/**
 * Counting a person's event reads their day and appends lines: two transactions doing it
 * at once would both see the day without the other's event. So each takes the person's
 * lock; a rule change takes the rules lock exclusively, so events are counted either
 * wholly before or wholly after it.
 */
export async function lockForCounting(tx: PoolClient, personIds: string[]): Promise<void> {
  await tx.query(named('lock', `select pg_advisory_xact_lock_shared(${LOCK_RULES}, 0),
    array(select pg_advisory_xact_lock(${LOCK_PERSON}, hashtext(p::uuid::text))::text from unnest($1::text[]) p) as locked`,
  [[...new Set(personIds)].sort()]));
}

export interface NewEvent {
  key: string;
  personId: string;
  kind: PointsKind;
  source: string;
  occurredAt: Date;
  timeZone: string;
  day: string;
  subject: string;
  version: number;
  retract: boolean;
  actions: number;
  characters: number | null;
  seconds: number | null;
  refs: Record<string, unknown>;
  inboxEventId: string | null;
}

/** Another version of the same subject (a post and its edits). */
export interface OtherVersion {
  eventId: string;
  personId: string;
  kind: PointsKind;
  day: string;
  version: string;
  key: string;
}

interface RuleRow {
  rule_id: number; version: number; kind: PointsKind; points: number; per_character: string | number; per_minute: string | number;
  min_length: number; daily_cap: number | null; cooldown_seconds: number; effective_from: string; ambassador_share: string | number;
}

const milli = (v: string | number) => Math.round(Number(v) * 1000);

export function ruleFromRow(r: RuleRow): Rule {
  return {
    ruleId: r.rule_id, version: r.version, kind: r.kind, points: r.points, perCharacterMilli: milli(r.per_character),
    perMinuteMilli: milli(r.per_minute), minLength: r.min_length, dailyCap: r.daily_cap, cooldownSeconds: r.cooldown_seconds,
    effectiveFrom: String(r.effective_from).slice(0, 10), ambassadorShareMilli: milli(r.ambassador_share),
  };
}

export const RULE_COLUMNS = `rule_id, version, kind, points, per_character, per_minute, min_length, daily_cap, cooldown_seconds,
  to_char(effective_from, 'YYYY-MM-DD') as effective_from, ambassador_share`;

/**
 * The state of a person's kind and day, as columns of one row: every event of it with its
 * liveness (a version is live when it is its subject's latest for the person and not a
 * retraction), the lines not yet compensated, the rule in force, and the ambassador.
 * $1 person, $2 kind, $3 day.
 */
const GROUP_COLUMNS = `
  coalesce((select json_agg(json_build_object('eventId', id::text, 'key', key, 'occurredAt', (extract(epoch from occurred_at) * 1000)::bigint,
    'actions', actions, 'characters', characters, 'seconds', seconds, 'live', live)) from ev), '[]') as events,
  coalesce((select json_agg(json_build_object('id', l.id::text, 'eventId', l.event_id::text, 'personId', l.person_id, 'role', l.role,
    'fromPersonId', l.from_person_id, 'kind', l.kind, 'day', l.day, 'ruleId', l.rule_id, 'ruleVersion', l.rule_version, 'points', l.points,
    'actions', l.actions, 'characters', l.characters, 'seconds', l.seconds, 'note', l.note))
    from points_ledger l where l.event_id in (select id from ev) and l.compensates is null
      and not exists (select 1 from points_ledger c where c.compensates = l.id)), '[]') as lines,
  (select row_to_json(r) from (select ${RULE_COLUMNS} from points_rule_current
    where kind = $2 and effective_from <= $3::date order by effective_from desc, rule_id desc limit 1) r) as rule,
  (select ambassador_id from points_referral where person_id = $1::uuid) as ambassador_id`;

const GROUP_EVENTS = `
ev as (
  select e.id, e.key, e.occurred_at, e.actions, e.characters, e.seconds,
    not e.retract and not exists (
      select 1 from points_event s
      -- person_id as text: the planner would otherwise AND in the person index (settle-store.ts).
      where s.subject = e.subject and s.version >= e.version and s.person_id::text = e.person_id::text and (s.version > e.version or s.key > e.key)
    ) as live
  from points_event e where e.person_id = $1::uuid and e.kind = $2 and e.day = $3::date
)`;

const GROUP_SQL = `with ${GROUP_EVENTS} select ${GROUP_COLUMNS}`;

/**
 * Appends an event and, in the same round trip, reads its day as it was before it (a
 * statement does not see its own insert): the caller adds the new event itself.
 */
const INSERT_AND_LOAD_SQL = `
with ins as (
  insert into points_event (key, person_id, kind, source, occurred_at, time_zone, day, subject, version, retract,
    actions, characters, seconds, refs, inbox_event_id)
  values ($4, $1, $2, $5, $6, $7, $3, $8, $9, $10, $11, $12, $13, $14, $15)
  on conflict (key) do nothing
  returning id
), ${GROUP_EVENTS}
select (select id::text from ins) as id,
  coalesce((select json_agg(json_build_object('eventId', id::text, 'personId', person_id, 'kind', kind, 'day', day,
    'version', version::text, 'key', key)) from points_event where subject = $8), '[]') as others,
  ${GROUP_COLUMNS}`;

export interface GroupState {
  eventIds: string[];
  live: Action[];
  active: ActiveLine[];
  rule: Rule | undefined;
  ambassadorId: string | null;
}

interface GroupRow {
  events: (Action & { live: boolean })[];
  lines: ActiveLine[];
  rule: RuleRow | null;
  ambassador_id: string | null;
}

function groupState(row: GroupRow): GroupState {
  return {
    eventIds: row.events.map((e) => e.eventId),
    live: row.events.filter((e) => e.live).map(({ live: _live, ...a }) => ({ ...a, occurredAt: Number(a.occurredAt) })),
    active: row.lines.map((l) => ({ ...l, note: l.note as Note | null })),
    rule: row.rule ? ruleFromRow(row.rule) : undefined,
    ambassadorId: row.ambassador_id,
  };
}

export async function loadGroup(tx: PoolClient, g: Group): Promise<GroupState> {
  const { rows } = await tx.query<GroupRow>(named('group', GROUP_SQL, [g.personId, g.kind, g.day]));
  return groupState(rows[0]!);
}

/**
 * Appends an event; null when its key is already there (a duplicate: no second effect).
 * Returns the other versions of its subject and its day as it was before it.
 */
export async function insertEvent(tx: PoolClient, e: NewEvent): Promise<{ id: string; others: OtherVersion[]; before: GroupState } | null> {
  const { rows } = await tx.query<GroupRow & { id: string | null; others: OtherVersion[] }>(named('insert', INSERT_AND_LOAD_SQL, [
    e.personId, e.kind, e.day, e.key, e.source, e.occurredAt, e.timeZone, e.subject, e.version, e.retract,
    e.actions, e.characters, e.seconds, JSON.stringify(e.refs), e.inboxEventId,
  ]));
  const row = rows[0];
  return row?.id ? { id: row.id, others: row.others, before: groupState(row) } : null;
}

const APPEND_SQL = `
insert into points_ledger (event_id, person_id, role, from_person_id, kind, day, rule_id, rule_version, points, actions,
  characters, seconds, note, compensates, recompute_id, recorded_at)
select t.*, $15::bigint, $16::timestamptz from unnest($1::bigint[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::date[], $7::int[],
  $8::int[], $9::int[], $10::int[], $11::int[], $12::int[], $13::text[], $14::bigint[]) as t`;

/** Appends lines (compensations carry `compensates`); a line is compensated at most once. */
export async function appendLines(tx: PoolClient, lines: Line[], at: Date, recomputeId: string | null = null): Promise<number> {
  if (lines.length === 0) return 0;
  const col = <T>(f: (l: Line) => T) => lines.map(f);
  const r = await tx.query(named('append', APPEND_SQL, [
    col((l) => l.eventId), col((l) => l.personId), col((l) => l.role), col((l) => l.fromPersonId), col((l) => l.kind), col((l) => l.day),
    col((l) => l.ruleId), col((l) => l.ruleVersion), col((l) => l.points), col((l) => l.actions), col((l) => l.characters),
    col((l) => l.seconds), col((l) => l.note), col((l) => l.compensates ?? null), recomputeId, at,
  ]));
  return r.rowCount ?? 0;
}

export async function recordIgnored(tx: PoolClient, inboxEventId: string, topic: string, reason: string, details?: unknown): Promise<void> {
  await tx.query(`insert into points_ignored (inbox_event_id, topic, reason, details) values ($1, $2, $3, $4)
    on conflict (inbox_event_id) do nothing`, [inboxEventId, topic, reason.slice(0, 1000), details === undefined ? null : JSON.stringify(details)]);
}
