import type { PoolClient } from 'pg';

/**
 * SQL of settling, set-based: the rules of rules.ts (the specification; the tests hold this
 * statement to it) written as one INSERT ... SELECT with window functions, over many
 * person-kind-days at once. Two entry points share the statement: settleGroupsSql, the last
 * step of the counting path (ingest-batch.ts), for the days a batch touched; and
 * recomputeScope, for whole people (recompute.ts's jobs, registration.ts). Reproducible: the
 * rule in force on each event's day (effective_from) applies; events are taken in
 * (occurred_at, key) order; what is already right is left alone; what differs is
 * compensated and re-added.
 */

export interface RecomputeScope {
  /** null: every person. */
  personIds: string[] | null;
  /** null: every kind. */
  kinds: string[] | null;
  /** null: from the first day. */
  fromDay: string | null;
}

/*
 * $1 person ids (null = all), $2 kinds (null = all), $3 first day (null = all),
 * $4 recompute id, $5 booking time.
 * ev:      the scoped people's events, each marked live when it is the latest version of its
 *          subject for the person and not a retraction (whole subjects, before the day filter);
 * rules:   each kind's rules as [effective_from, next effective_from) ranges;
 * scored:  the rule of the day and the previous live action (cooldown);
 * raw:     points before the cap, or the reason for none (short, cooldown, no rule);
 * capped:  the cap over the running raw sum of the day;
 * target:  own lines and ambassador lines;
 * lines:   every ledger line of these events (a compensation carries its line's event);
 * active:  those not compensated yet;
 * changed: events whose active lines differ from their target lines (an event has at most
 *          one line per role; more than one active is itself a difference): their active lines
 *          are reversed and their target lines added (CHANGED_BY_JOIN / CHANGED_BY_PAIRS below).
 */
const EVENTS_OF_PEOPLE = `
ev as (
  select * from (
    select e.id, e.person_id, e.kind, e.day, e.occurred_at, e.key, e.actions, e.characters, e.seconds,
      not e.retract and row_number() over (partition by e.person_id, e.subject order by e.version desc, e.key desc) = 1 as live
    from points_event e
    where ($1::uuid[] is null or e.person_id = any($1)) and ($2::text[] is null or e.kind = any($2))
  ) x where $3::date is null or x.day >= $3::date
)`;

/*
 * The same for some person-kind-days ($1 people, $2 kinds, $3 days, element-wise): the
 * incremental path of a batch of new events. Liveness looks at the whole subject through
 * its index, as ledger.ts does for one day.
 */
const EVENTS_OF_GROUPS = `
g as (select distinct * from unnest($1::uuid[], $2::text[], $3::date[]) as g(person_id, kind, day)),
ev as (
  select e.id, e.person_id, e.kind, e.day, e.occurred_at, e.key, e.actions, e.characters, e.seconds,
    not e.retract and not exists (
      -- (subject, version) is the index; the rest filters the few versions found (person_id is
      -- compared as text so that the planner does not AND in the person index, 2x slower).
      select 1 from points_event s
      where s.subject = e.subject and s.version >= e.version and s.person_id::text = e.person_id::text and (s.version > e.version or s.key > e.key)
    ) as live
  -- A probe of the (person, kind, day) index per day: offset 0 keeps the planner from
  -- hashing the days and scanning the whole table, which it prefers while it is small.
  from g cross join lateral (
    select * from points_event e where e.person_id = g.person_id and e.kind = g.kind and e.day = g.day offset 0
  ) e
)`;

const settleSql = (events: string, tail: string) => `
with ${events},
rules as (
  select r.rule_id, r.version, r.kind, r.points, r.min_length, r.daily_cap, r.cooldown_seconds, r.effective_from,
    -- Factors in thousandths, as rules.ts carries them: integer arithmetic, exact and fast.
    (r.per_character * 1000)::bigint as per_character_milli, (r.per_minute * 1000)::bigint as per_minute_milli,
    (r.ambassador_share * 1000)::bigint as ambassador_share_milli,
    lead(r.effective_from) over (partition by r.kind order by r.effective_from) as effective_to
  from (select distinct on (kind, effective_from) * from points_rule_current order by kind, effective_from, rule_id desc) r
),
scored as (
  select l.id, l.person_id, l.kind, l.day, l.occurred_at, l.key, l.actions, l.characters, l.seconds,
    r.rule_id, r.version as rule_version, r.points as rule_points, r.per_character_milli, r.per_minute_milli, r.min_length,
    r.daily_cap, r.cooldown_seconds, r.ambassador_share_milli,
    lag(l.occurred_at) over (partition by l.person_id, l.kind, l.day order by l.occurred_at, l.key) as previous_at
  from ev l
  left join rules r on r.kind = l.kind and l.day >= r.effective_from and (r.effective_to is null or l.day < r.effective_to)
  where l.live
),
raw as (
  select s.*, case
      when s.rule_id is null then 'no_rule'
      when s.min_length > 0 and s.characters is not null and s.characters < s.min_length then 'short'
      when s.cooldown_seconds > 0 and s.previous_at is not null
        and s.occurred_at - s.previous_at < make_interval(secs => s.cooldown_seconds) then 'cooldown'
    end as early_note
  from scored s
),
pointed as (
  select r.*, case when r.early_note is null
      then r.rule_points * r.actions + (coalesce(r.characters, 0) * r.per_character_milli / 1000)::int
        + (coalesce(r.seconds, 0) * r.per_minute_milli / 60000)::int
      else 0 end as raw_points
  from raw r
),
capped as (
  select p.id, p.person_id, p.kind, p.day, p.rule_id, p.rule_version, p.actions, p.characters, p.seconds, p.early_note,
    p.raw_points, p.ambassador_share_milli, case when p.daily_cap is null then p.raw_points
      else greatest(0, least(p.raw_points, p.daily_cap - (sum(p.raw_points) over (
        partition by p.person_id, p.kind, p.day order by p.occurred_at, p.key rows between unbounded preceding and current row) - p.raw_points)))
    end as points
  from pointed p
),
target as (
  select c.id as event_id, c.person_id, 'own'::text as role, null::uuid as from_person_id, c.kind, c.day, c.rule_id, c.rule_version,
    c.points::int as points, c.actions, coalesce(c.characters, 0) as characters, coalesce(c.seconds, 0) as seconds,
    coalesce(c.early_note, case when c.points < c.raw_points then 'cap' end) as note
  from capped c
  union all
  select c.id, ref.ambassador_id, 'ambassador', c.person_id, c.kind, c.day, c.rule_id, c.rule_version,
    (c.points * c.ambassador_share_milli / 1000)::int, 0, 0, 0, null
  from capped c join points_referral ref on ref.person_id = c.person_id
  where c.points * c.ambassador_share_milli >= 1000
),
lines as (
  select l.* from points_ledger l join ev on ev.id = l.event_id
),
-- A compensation has the event of the line it cancels: the anti-join stays within these lines.
active as (
  select l.id as line_id, l.event_id, l.person_id, l.role, l.from_person_id, l.kind, l.day, l.rule_id, l.rule_version, l.points,
    l.actions, l.characters, l.seconds, l.note
  from lines l
  where l.compensates is null and not exists (select 1 from lines c where c.compensates = l.id)
),
${tail}order by event_id, compensates is null, role desc`;

/*
 * Two ways to end the statement, the same lines either way (the tests compare both with
 * rules.ts). For whole people, a hash join of the changed events with their lines. For a
 * batch of days the planner sees small inputs and joins them in a nested loop that grows
 * with the square of the batch: there each pair carries its own verdict instead, at the
 * price of two window sorts that a million rows do not want.
 */
const CHANGED_BY_JOIN = `
changed as (
  select coalesce(t.event_id, a.event_id) as event_id
  from target t full join active a on a.event_id = t.event_id and a.role = t.role
  where t.event_id is null or a.event_id is null
    or (t.person_id, t.from_person_id, t.kind, t.day, t.rule_id, t.rule_version, t.points, t.actions, t.characters, t.seconds, t.note)
      is distinct from (a.person_id, a.from_person_id, a.kind, a.day, a.rule_id, a.rule_version, a.points, a.actions, a.characters, a.seconds, a.note)
  union
  select event_id from active group by event_id, role having count(*) > 1
)
insert into points_ledger (event_id, person_id, role, from_person_id, kind, day, rule_id, rule_version, points, actions,
  characters, seconds, note, compensates, recompute_id, recorded_at)
select * from (
  select a.event_id, a.person_id, a.role, a.from_person_id, a.kind, a.day, a.rule_id, a.rule_version, -a.points, -a.actions,
    -a.characters, -a.seconds, a.note, a.line_id as compensates, $4::bigint, $5::timestamptz
  from active a where a.event_id in (select event_id from changed)
  union all
  select t.event_id, t.person_id, t.role, t.from_person_id, t.kind, t.day, t.rule_id, t.rule_version, t.points, t.actions,
    t.characters, t.seconds, t.note, null, $4::bigint, $5::timestamptz
  from target t where t.event_id in (select event_id from changed)
) lines
-- Per event: its reversals, then its new lines, so a statement reads in order.
`;
const CHANGED_BY_PAIRS = `
paired as (
  select coalesce(t.event_id, a.event_id) as event_id, coalesce(t.role, a.role) as role, t.event_id is not null as has_target,
    t.person_id as t_person_id, t.from_person_id as t_from_person_id, t.kind as t_kind, t.day as t_day, t.rule_id as t_rule_id,
    t.rule_version as t_rule_version, t.points as t_points, t.actions as t_actions, t.characters as t_characters, t.seconds as t_seconds,
    t.note as t_note, a.line_id, a.person_id, a.from_person_id, a.kind, a.day, a.rule_id, a.rule_version, a.points, a.actions,
    a.characters, a.seconds, a.note,
    t.event_id is null or a.event_id is null
      or (t.person_id, t.from_person_id, t.kind, t.day, t.rule_id, t.rule_version, t.points, t.actions, t.characters, t.seconds, t.note)
        is distinct from (a.person_id, a.from_person_id, a.kind, a.day, a.rule_id, a.rule_version, a.points, a.actions, a.characters, a.seconds, a.note)
      or count(*) over (partition by coalesce(t.event_id, a.event_id), coalesce(t.role, a.role)) > 1 as differs
  from target t full join active a on a.event_id = t.event_id and a.role = t.role
),
changed as (
  select p.*, bool_or(p.differs) over (partition by p.event_id) as event_changed,
    row_number() over (partition by p.event_id, p.role order by p.line_id) as nth
  from paired p
)
insert into points_ledger (event_id, person_id, role, from_person_id, kind, day, rule_id, rule_version, points, actions,
  characters, seconds, note, compensates, recompute_id, recorded_at)
select * from (
  select c.event_id, c.person_id, c.role, c.from_person_id, c.kind, c.day, c.rule_id, c.rule_version, -c.points, -c.actions,
    -c.characters, -c.seconds, c.note, c.line_id as compensates, $4::bigint, $5::timestamptz
  from changed c where c.event_changed and c.line_id is not null
  union all
  select c.event_id, c.t_person_id, c.role, c.t_from_person_id, c.t_kind, c.t_day, c.t_rule_id, c.t_rule_version, c.t_points, c.t_actions,
    c.t_characters, c.t_seconds, c.t_note, null, $4::bigint, $5::timestamptz
  from changed c where c.event_changed and c.has_target and c.nth = 1
) lines
-- Per event: its reversals, then its new lines, so a statement reads in order.
`;

const RECOMPUTE_SQL = settleSql(EVENTS_OF_PEOPLE, CHANGED_BY_JOIN);
const SETTLE_GROUPS_SQL = settleSql(EVENTS_OF_GROUPS, CHANGED_BY_PAIRS);

/**
 * Recomputes a scope inside the caller's transaction, which must hold the people's locks
 * (or be the only writer). Returns the number of lines appended.
 */
export async function recomputeScope(tx: PoolClient, scope: RecomputeScope, at: Date, recomputeId: string | null = null): Promise<number> {
  const r = await tx.query(RECOMPUTE_SQL, [scope.personIds, scope.kinds, scope.fromDay, recomputeId, at]);
  return r.rowCount ?? 0;
}

/**
 * Brings some person-kind-days in line with their events and rules, set-based (the batch
 * counterpart of settle.ts), inside the caller's transaction, which holds their people's
 * locks. Returns the number of lines appended.
 */
export async function settleGroupsSql(tx: PoolClient, groups: { personId: string; kind: string; day: string }[], at: Date): Promise<number> {
  if (groups.length === 0) return 0;
  const r = await tx.query({ name: 'points.settle-groups', text: SETTLE_GROUPS_SQL, values: [
    groups.map((g) => g.personId), groups.map((g) => g.kind), groups.map((g) => g.day), null, at,
  ] });
  return r.rowCount ?? 0;
}
