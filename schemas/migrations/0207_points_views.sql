-- Points: the outputs staff look at in NocoDB (the source "Service data (read-only)"),
-- as views over the ledger, so they are never out of date. The API (/api/points) gives the
-- same per person, with ratings by week and month in the school's zone.

-- Per person, day (the person's own date) and kind: what they did and what it earned.
create view points_days as
select l.person_id, p.display_name, l.day, l.kind,
  sum(l.actions) filter (where l.role = 'own')::int as actions,
  sum(l.characters) filter (where l.role = 'own')::int as characters,
  sum(l.seconds) filter (where l.role = 'own')::int as seconds,
  sum(l.points)::int as points,
  coalesce(sum(l.points) filter (where l.role = 'ambassador'), 0)::int as ambassador_points
from points_ledger l
left join points_person p on p.person_id = l.person_id
group by l.person_id, p.display_name, l.day, l.kind
having sum(l.points) <> 0 or sum(l.actions) filter (where l.role = 'own') <> 0;
comment on view points_days is
  'Points: per person, day and kind the actions, characters, seconds and points (the ledger summed; reversals included). Read-only.';

-- Everyone with points, ranked all time, with the last 7 and 30 days beside it.
create view points_totals as
select rank() over (order by t.points desc)::int as rank, t.person_id, p.display_name, t.points, t.characters,
  t.points_7_days, t.points_30_days, t.last_day
from (
  select l.person_id, sum(l.points)::int as points,
    coalesce(sum(l.characters) filter (where l.role = 'own'), 0)::int as characters,
    coalesce(sum(l.points) filter (where l.day > current_date - 7), 0)::int as points_7_days,
    coalesce(sum(l.points) filter (where l.day > current_date - 30), 0)::int as points_30_days,
    max(l.day) as last_day
  from points_ledger l
  group by l.person_id
) t
left join points_person p on p.person_id = t.person_id
where t.points > 0;
comment on view points_totals is
  'Points: people ranked by all-time points, with characters written and points of the last 7 and 30 days (UTC dates). Read-only.';
