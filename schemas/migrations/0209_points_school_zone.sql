-- Points: the school's time zone (SCHOOL_TIME_ZONE), written by the service at start, so
-- that the rating grids count this week and this month as the API does. Until it is
-- written, the grids count in UTC.
create table points_setting (
  key        text primary key,
  value      text not null,
  updated_at timestamptz not null default now()
);
comment on table points_setting is 'Points: settings the views need (time_zone: the school''s zone). Written by the service at start.';

create function points_school_today() returns date language sql stable as $$
  select (now() at time zone coalesce((select value from points_setting where key = 'time_zone'), 'UTC'))::date
$$;

-- points_totals and points_group_totals (0207, 0208): this week (from Monday) and this
-- month in the school's zone, instead of the last 7 and 30 days in UTC.
drop view points_group_totals;
drop view points_totals;

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

create view points_group_totals as
select g.group_id, rank() over (partition by g.group_id order by t.points desc)::int as rank, t.person_id, t.display_name,
  t.points, t.characters, t.points_this_week, t.points_this_month
from points_group_member g
join points_totals t on t.person_id = g.person_id
where not g.deleted and g.group_id is not null;
comment on view points_group_totals is
  'Points: each group''s members ranked by all-time points, with characters and points this week and this month. Read-only.';
