-- Points (issue 10): group ratings rank the real members of a group (NocoDB's
-- Groups.Members link, through identity_group_member) instead of a mirror of a
-- group_members table NocoDB never had.
drop view points_group_totals;
drop table points_group_member;

create view points_group_totals as
select g.group_object as group_id, rank() over (partition by g.group_object order by t.points desc)::int as rank, t.person_id, t.display_name,
  t.points, t.characters, t.points_this_week, t.points_this_month
from identity_group_member g
join points_totals t on t.person_id = g.identity_id;
comment on view points_group_totals is
  'Points: each group''s members (NocoDB Groups.Members) ranked by all-time points, with characters and points this week and this month; group_id is group-<Groups.Id>. Read-only.';
