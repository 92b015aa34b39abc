-- Billing: a plan whose subscription the students of a group get while they are its members
-- (a mentor-led group's course includes it). Mirrored from NocoDB's Plans.Groups link.
create table billing_group_plan (
  group_id   integer primary key,                 -- NocoDB Groups.Id
  plan_id    integer not null,
  updated_at timestamptz not null default now()
);
comment on table billing_group_plan is 'Billing: the plan each group''s members hold while members (NocoDB Plans.Groups).';
