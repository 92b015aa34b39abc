-- Points: canonical events (append-only), parked events of people not known yet, and
-- inbox events the capability ignored, with the reason.

create function points_append_only() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only: add a compensating row instead', tg_table_name;
end $$;

create table points_event (
  id             bigserial primary key,
  -- Explicit idempotency key (source-specific, see extensions/points/events.ts).
  key            text collate "C" not null,
  person_id      uuid not null references points_person(person_id),
  kind           text not null,
  source         text not null,
  occurred_at    timestamptz not null,
  -- The zone the event was counted in and the person's local date in it.
  time_zone      text not null,
  day            date not null,
  -- Versions of one thing (a post, an answer): the highest version is the live one; a
  -- retracting version (deletion) means nothing of it counts.
  subject        text collate "C" not null,
  version        bigint not null,
  retract        boolean not null default false,
  actions        integer not null default 1,
  characters     integer,
  seconds        integer,
  refs           jsonb not null default '{}',
  inbox_event_id bigint,
  recorded_at    timestamptz not null default now(),
  constraint points_event_key_unique unique (key)
);
create index points_event_group_idx on points_event (person_id, kind, day);
create index points_event_subject_idx on points_event (subject, version);
create trigger points_event_append_only before update or delete on points_event
  for each statement execute function points_append_only();
comment on table points_event is
  'Points: every counted activity event once (unique key), with the person, kind, local day and measures. Append-only; read-only for staff.';

create table points_parked (
  key            text collate "C" primary key,
  -- Candidate external references, 'source:external_id'.
  refs           text[] not null,
  event          jsonb not null,
  inbox_event_id bigint,
  parked_at      timestamptz not null default now(),
  resolved_at    timestamptz,
  person_id      uuid
);
create index points_parked_refs_idx on points_parked using gin (refs) where resolved_at is null;
comment on table points_parked is
  'Points: activity of people not known yet (by Discourse user or Telegram id), counted once the person appears (resolved_at). Read-only for staff.';

create table points_ignored (
  inbox_event_id bigint primary key,
  topic          text not null,
  reason         text not null,
  details        jsonb,
  recorded_at    timestamptz not null default now()
);
comment on table points_ignored is
  'Points: inbox events that were not valid and were not counted, with the reason. Read-only for staff.';
