-- Points: the statement and the streaks as NocoDB grids (views over the ledger, read-only),
-- the same answers as GET /api/points/people/:id/statement and .../calendar.

-- Every line of every account with the balance after it, like a bank statement: filter
-- by person in NocoDB (the filter reaches the window's partition, so it stays cheap).
create view points_statement as
select l.id as line_id, l.person_id, p.display_name, l.recorded_at as booked_at, l.day, l.kind, l.role,
  l.rule_id, l.rule_version, l.points,
  sum(l.points) over (partition by l.person_id order by l.recorded_at, l.id)::int as balance,
  l.actions, l.characters, l.seconds, l.note, l.compensates as reverses_line, e.key as event_key
from points_ledger l
left join points_person p on p.person_id = l.person_id
left join points_event e on e.id = l.event_id;
comment on view points_statement is
  'Points: every ledger line with the balance after it (per person, in booking order); reversals name the line they cancel. Read-only.';

-- Streaks of active days (days the person''s own actions earned points), as the calendar
-- counts them: the current streak runs to today or yesterday in the person's zone.
create view points_streaks as
with active as (
  select l.person_id, l.day
  from points_ledger l join points_person p on p.person_id = l.person_id
  where l.role = 'own' and l.day <= (now() at time zone p.time_zone)::date
  group by l.person_id, l.day
  having sum(l.points) > 0
),
runs as (
  select person_id, min(day) as first_day, max(day) as last_day, count(*)::int as days
  from (select a.*, a.day - (row_number() over (partition by a.person_id order by a.day))::int as island from active a) x
  group by person_id, island
)
select r.person_id, p.display_name,
  coalesce(max(r.days) filter (where r.last_day >= (now() at time zone p.time_zone)::date - 1), 0)::int as current_streak,
  max(r.days)::int as longest_streak,
  max(r.last_day) as last_active_day,
  sum(r.days)::int as active_days
from runs r join points_person p on p.person_id = r.person_id
group by r.person_id, p.display_name, p.time_zone;
comment on view points_streaks is
  'Points: per person the current and longest streak of consecutive active days and the last active day, in the person''s time zone. Read-only.';

-- Group ratings: the members of each group (mirrored from NocoDB's group_members) ranked
-- within it, as GET /api/points/groups/:id/ratings does for all time.
create view points_group_totals as
select g.group_id, rank() over (partition by g.group_id order by t.points desc)::int as rank, t.person_id, t.display_name,
  t.points, t.characters, t.points_this_week, t.points_this_month
from points_group_member g
join points_totals t on t.person_id = g.person_id
where not g.deleted and g.group_id is not null;
comment on view points_group_totals is
  'Points: each group''s members ranked by all-time points, with characters and points this week and this month. Read-only.';
