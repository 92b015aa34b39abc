-- Billing: a teacher's file of students granted a plan in one run (NocoDB Grant files). The
-- row's file, plan, reason and period make a run (run_key); its lines are kept here, each
-- with what became of it, so that the run goes on in chunks, resumes after a crash where it
-- stopped (the lines without an outcome are the cursor) and a repeated delivery of the same
-- row starts nothing. Each line granted is a subscription of source
-- 'grant-file:<row>:<person>': a later run of the row never grants that person twice.
create table billing_grant_file (
  row_id          integer primary key,            -- NocoDB Grant files.Id
  run_key         text not null,                  -- hash of the file, the plan, the reason and the period
  status          text not null check (status in ('queued', 'running', 'done', 'refused')),
  problem         jsonb,                          -- refused: why, {ru, en}
  file_name       text,
  plan_id         integer,
  reason          text,
  starts_on       date,                           -- the period each line is granted (set when the run begins)
  ends_on         date,
  editor          text,                           -- who changed the row in NocoDB (their e-mail): the grants are theirs
  total           integer not null default 0,
  done            integer not null default 0,
  version         integer not null default 1,     -- bumped by each change NocoDB must be told of
  written_version integer not null default 0,     -- the last version written back to the row
  updated_at      timestamptz not null default now()
);
create index billing_grant_file_todo on billing_grant_file (updated_at) where status in ('queued', 'running') or written_version < version;
comment on table billing_grant_file is 'Billing: NocoDB Grant files rows, the run each is in and how far it went.';

create table billing_grant_file_line (
  row_id          integer not null references billing_grant_file(row_id) on delete cascade,
  line            integer not null,               -- the line in the file (1: the header)
  email           text,
  cells           jsonb not null,                 -- the line's cells by header name
  outcome         text,                           -- null: not done yet; 'granted', 'already granted', 'waiting', 'failed'
  problem         jsonb,                          -- why it was not granted, {ru, en}
  person_id       text,
  subscription_id bigint references billing_subscription(id),
  primary key (row_id, line)
);
create index billing_grant_file_line_todo on billing_grant_file_line (row_id, line) where outcome is null;
comment on table billing_grant_file_line is 'Billing: each line of the run of a Grant files row and what became of it.';

create view billing_grant_files as
  select f.row_id as grant_file_row, f.status, f.file_name, f.plan_id, pl.title as plan, f.reason, f.editor, f.total, f.done,
    (select count(*)::int from billing_grant_file_line l where l.row_id = f.row_id and l.outcome = 'granted') as granted,
    (select count(*)::int from billing_grant_file_line l where l.row_id = f.row_id and l.outcome in ('failed', 'waiting')) as problems,
    f.problem ->> 'ru' as problem, f.updated_at
  from billing_grant_file f left join billing_plan pl on pl.id = f.plan_id;
comment on view billing_grant_files is 'Billing: NocoDB Grant files rows: their run, how far it went, how many were granted.';
