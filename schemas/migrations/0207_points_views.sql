-- Points: the outputs staff look at in NocoDB (the source "Service data (read-only)"),
-- as views over the ledger, so they are never out of date. The API (/api/points) gives the
-- same per person, with ratings by week and month in the school's zone.

-- The school's time zone (SCHOOL_TIME_ZONE), written by the service at start, so that the
-- rating grids count this week and this month as the API does. Until it is written, they
-- count in UTC.
create table points_setting (
  key        text primary key,
  value      text not null,
  updated_at timestamptz not null default now()
);
comment on table points_setting is 'Points: settings the views need (time_zone: the school''s zone). Written by the service at start.';

create function points_school_today() returns date language sql stable as $$
  select (now() at time zone coalesce((select value from points_setting where key = 'time_zone'), 'UTC'))::date
$$;

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

-- Everyone with points, ranked all time, with this week (from Monday) and this month in the
-- school's zone beside it.
create view points_totals as
select rank() over (order by t.points desc)::int as rank, t.person_id, p.display_name, t.points, t.characters,
  t.points_this_week, t.points_this_month, t.last_day
from (
  select l.person_id, sum(l.points)::int as points,
    coalesce(sum(l.characters) filter (where l.role = 'own'), 0)::int as characters,
    coalesce(sum(l.points) filter (where l.day >= date_trunc('week', points_school_today())::date), 0)::int as points_this_week,
    coalesce(sum(l.points) filter (where l.day >= date_trunc('month', points_school_today())::date), 0)::int as points_this_month,
    max(l.day) as last_day
  from points_ledger l
  group by l.person_id
) t
left join points_person p on p.person_id = t.person_id
where t.points > 0;
comment on view points_totals is
  'Points: people ranked by all-time points, with characters written and points this week and this month (the school''s zone). Read-only.';

