-- AI checks (issue 5), part 3: notifications to students and mentors (outbox drained by a
-- sender) and the dead letters staff can see and replay.

create table ai_outbox (
  id                  bigserial primary key,
  dedup_key           text not null unique,
  channel             text not null check (channel in ('telegram', 'email')),
  recipient           text not null,
  subject             text not null,
  body                text not null,
  status              text not null default 'pending' check (status in ('pending', 'sent', 'dead')),
  attempts            integer not null default 0,
  next_attempt_at     timestamptz not null default now(),
  lease_until         timestamptz,
  last_error          text,
  provider_message_id text,
  sent_at             timestamptz,
  created_at          timestamptz not null default now()
);
create index ai_outbox_due_idx on ai_outbox (channel, next_attempt_at) where status = 'pending';
comment on table ai_outbox is 'Notifications written in the same transaction as what they announce; one row is sent once.';

create table ai_dead_letter (
  id          bigserial primary key,
  kind        text not null check (kind in ('check', 'writeback', 'outbox')),
  ref_id      bigint not null,
  error       text not null,
  attempts    integer not null,
  created_at  timestamptz not null default now(),
  replayed_at timestamptz,
  replayed_by text
);
create unique index ai_dead_letter_open_idx on ai_dead_letter (kind, ref_id) where replayed_at is null;
comment on table ai_dead_letter is 'Work that failed all its attempts: a check the provider never answered, a write-back to NocoDB, a notification.';
