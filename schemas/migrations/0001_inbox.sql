-- The durable inbox: every accepted webhook delivery, once, keyed by its source's delivery id.
create table inbox_event (
  id           bigserial primary key,
  source       text not null,
  delivery_id  text not null,
  topic        text not null,
  payload      jsonb not null,
  received_at  timestamptz not null default now(),
  constraint inbox_event_delivery_unique unique (source, delivery_id)
);
create index inbox_event_topic_idx on inbox_event (topic, id);

comment on table inbox_event is 'Every accepted webhook delivery, de-duplicated by (source, delivery_id). Append-only.';

-- One row per event and consumer: a consumer's progress on an event. An event is done for
-- a consumer only when its effects committed in the same transaction as status = done.
create table inbox_job (
  event_id        bigint not null references inbox_event(id),
  consumer        text not null,
  status          text not null default 'pending' check (status in ('pending', 'done', 'dead')),
  attempts        integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  enqueued_at     timestamptz,
  last_error      text,
  done_at         timestamptz,
  primary key (event_id, consumer)
);
create index inbox_job_pending_idx on inbox_job (consumer, next_attempt_at, event_id) where status = 'pending';

comment on table inbox_job is 'Progress of each consumer on each inbox event: pending, done, or dead (staff may replay).';
