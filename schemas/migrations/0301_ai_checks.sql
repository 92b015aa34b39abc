-- AI checks (issue 5), part 2: checks with their verdicts and costs, the mentors' review
-- queue, the monthly budget ledger and per-person quota counters. Money is integer
-- micro-units of `currency` (micro-USD): a price of 1 USD per 1M tokens is 1 micro-USD per token.

create table ai_check (
  id               bigserial primary key,
  answer_id        text not null,
  answer_table_id  text,
  student_id       text not null,
  exercise_id      text not null,
  answer_text      text not null,
  answer_hash      text not null,
  source           text not null check (source in ('event', 'api', 'mcp')),
  status           text not null default 'queued'
                   check (status in ('queued', 'checked', 'waiting_mentor', 'reviewed')),
  reason           text,
  reason_params    jsonb,
  exercise_title   text,
  max_score        numeric,
  ai_verdict       jsonb,
  final_verdict    jsonb,
  guide_slug       text,
  guide_version_id bigint references ai_guide_version(id),
  used_chunks      text[] not null default '{}',
  model            text,
  model_calls      integer not null default 0,
  prompt_tokens    integer not null default 0,
  completion_tokens integer not null default 0,
  cost_micros      bigint not null default 0,
  currency         text not null default 'USD',
  cached_from      bigint references ai_check(id),
  quota_charged_at timestamptz,
  attempts         integer not null default 0,
  next_attempt_at  timestamptz not null default now(),
  lease_until      timestamptz,
  last_error       text,
  written_back_at  timestamptz,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  constraint ai_check_answer_unique unique (answer_id, answer_hash)
);
create index ai_check_due_idx on ai_check (next_attempt_at)
  where status = 'queued' or written_back_at is null;
create index ai_check_cache_idx on ai_check (exercise_id, answer_hash, guide_version_id);
create index ai_check_student_idx on ai_check (student_id, created_at);
comment on table ai_check is 'One check of one answer text: queued, then checked (final AI verdict), waiting_mentor, or reviewed.';
comment on column ai_check.reason is 'Why no AI verdict is final: AI_NOT_CONFIGURED, QUOTA_EXCEEDED, BUDGET_EXHAUSTED, ... (messages.ts)';

create table ai_review (
  id            bigserial primary key,
  check_id      bigint not null references ai_check(id),
  group_id      text not null,
  status        text not null default 'pending' check (status in ('pending', 'accepted', 'edited', 'cancelled')),
  ai_verdict    jsonb,
  final_verdict jsonb,
  reviewer_id   text,
  decided_at    timestamptz,
  created_at    timestamptz not null default now()
);
create unique index ai_review_one_open_idx on ai_review (check_id) where status <> 'cancelled';
create index ai_review_pending_idx on ai_review (group_id, created_at) where status = 'pending';
comment on table ai_review is 'Mentor review queue: a verdict (or an answer without one) waits here for a mentor of group_id.';

-- What a mentor's grid shows (NocoDB can attach this as an external source, one filtered view per group).
create view ai_review_queue as
  select r.id as review_id, r.group_id, r.status, r.created_at, c.id as check_id, c.answer_id,
         c.student_id, c.exercise_id, c.exercise_title, c.answer_text, c.reason, c.max_score,
         r.ai_verdict ->> 'verdict' as ai_verdict, (r.ai_verdict ->> 'score')::numeric as ai_score,
         r.ai_verdict ->> 'feedback' as ai_feedback
  from ai_review r join ai_check c on c.id = r.check_id
  where r.status = 'pending';

create table ai_budget_ledger (
  id            bigserial primary key,
  month         date not null,
  check_id      bigint references ai_check(id),
  entry_key     text not null unique,
  kind          text not null check (kind in ('reserve', 'settle', 'release')),
  amount_micros bigint not null,
  created_at    timestamptz not null default now()
);
create index ai_budget_ledger_month_idx on ai_budget_ledger (month);
comment on table ai_budget_ledger is 'School-wide AI spending: a reservation before each model call, settled to the real cost after it. Sum per month = spent.';

create table ai_quota_counter (
  identity_id  text not null,
  window_kind  text not null check (window_kind in ('hour', 'day')),
  window_start timestamptz not null,
  used         integer not null default 0,
  primary key (identity_id, window_kind, window_start)
);
comment on table ai_quota_counter is 'AI checks used per person and fixed window (hour, day).';
