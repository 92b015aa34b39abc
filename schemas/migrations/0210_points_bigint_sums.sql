-- Points (issue 12): sums are bigint. A person's or the school's total passing 2^31 made
-- every view that summed it to int fail for everyone; the sums now have the ledger's range.
drop view points_group_totals;
drop view points_totals;
drop view points_days;
drop view points_statement;

create view points_days as
select l.person_id, p.display_name, l.day, l.kind,
  sum(l.actions) filter (where l.role = 'own')::bigint as actions,
  sum(l.characters) filter (where l.role = 'own')::bigint as characters,
  sum(l.seconds) filter (where l.role = 'own')::bigint as seconds,
  sum(l.points)::bigint as points,
  coalesce(sum(l.points) filter (where l.role = 'ambassador'), 0)::bigint as ambassador_points
from points_ledger l
left join points_person p on p.person_id = l.person_id
group by l.person_id, p.display_name, l.day, l.kind
having sum(l.points) <> 0 or sum(l.actions) filter (where l.role = 'own') <> 0;
comment on view points_days is
  'Points: per person, day and kind the actions, characters, seconds and points (the ledger summed; reversals included). Read-only.';

create view points_totals as
select rank() over (order by t.points desc)::int as rank, t.person_id, p.display_name, t.points, t.characters,
  t.points_this_week, t.points_this_month, t.last_day
from (
  select l.person_id, sum(l.points)::bigint as points,
    coalesce(sum(l.characters) filter (where l.role = 'own'), 0)::bigint as characters,
    coalesce(sum(l.points) filter (where l.day >= date_trunc('week', points_school_today())::date), 0)::bigint as points_this_week,
    coalesce(sum(l.points) filter (where l.day >= date_trunc('month', points_school_today())::date), 0)::bigint as points_this_month,
    max(l.day) as last_day
  from points_ledger l
  group by l.person_id
) t
left join points_person p on p.person_id = t.person_id
where t.points > 0;
comment on view points_totals is
  'Points: people ranked by all-time points, with characters written and points this week and this month (the school''s zone). Read-only.';

create view points_statement as
select l.id as line_id, l.person_id, p.display_name, l.recorded_at as booked_at, l.day, l.kind, l.role,
  l.rule_id, l.rule_version, l.points,
  sum(l.points) over (partition by l.person_id order by l.recorded_at, l.id)::bigint as balance,
  l.actions, l.characters, l.seconds, l.note, l.compensates as reverses_line, e.key as event_key
from points_ledger l
left join points_person p on p.person_id = l.person_id
left join points_event e on e.id = l.event_id;
comment on view points_statement is
  'Points: every ledger line with the balance after it (per person, in booking order); reversals name the line they cancel. Read-only.';

create view points_group_totals as
select g.group_object as group_id, rank() over (partition by g.group_object order by t.points desc)::int as rank, t.person_id, t.display_name,
  t.points, t.characters, t.points_this_week, t.points_this_month
from identity_group_member g
join points_totals t on t.person_id = g.identity_id;
comment on view points_group_totals is
  'Points: each group''s members (NocoDB Groups.Members) ranked by all-time points, with characters and points this week and this month; group_id is group-<Groups.Id>. Read-only.';
