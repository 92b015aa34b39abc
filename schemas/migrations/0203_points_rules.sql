-- Points: the mirror of the rules staff edit in NocoDB (table points_rules), one row per
-- version, and the background recomputations a rule change schedules.

create table points_rule (
  rule_id          integer not null,
  version          integer not null,
  kind             text not null,
  points           integer not null default 0,
  per_character    numeric(12, 3) not null default 0,
  per_minute       numeric(12, 3) not null default 0,
  min_length       integer not null default 0,
  daily_cap        integer,
  cooldown_seconds integer not null default 0,
  effective_from   date not null,
  ambassador_share numeric(5, 3) not null default 0 check (ambassador_share between 0 and 1),
  deleted          boolean not null default false,
  source_updated_at timestamptz,
  recorded_at      timestamptz not null default now(),
  primary key (rule_id, version)
);
comment on table points_rule is
  'Points: every version of every rule (mirror of the NocoDB table points_rules). The rule of a kind in force on a day is the live one with the latest effective_from on or before it. Read-only for staff here; edit points_rules.';

create view points_rule_current as
  select * from (
    select distinct on (rule_id) * from points_rule order by rule_id, version desc
  ) latest where not deleted;
comment on view points_rule_current is 'Points: the latest version of each rule that is not deleted.';

create table points_recompute (
  id           bigserial primary key,
  reason       text not null,
  kinds        text[],
  from_day     date,
  person_ids   uuid[],
  status       text not null default 'pending' check (status in ('pending', 'running', 'done', 'failed')),
  total        integer,
  done         integer not null default 0,
  lines_added  integer not null default 0,
  requested_at timestamptz not null default now(),
  started_at   timestamptz,
  heartbeat_at timestamptz,
  finished_at  timestamptz,
  error        text
);
create index points_recompute_pending_idx on points_recompute (id) where status in ('pending', 'running');
comment on table points_recompute is
  'Points: background recomputations (after a rule change or on request): scope, progress (done of total people) and outcome. Read-only for staff.';
