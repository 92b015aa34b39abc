-- Points (issue 4): the people the points capability knows and how external accounts map
-- to them. Attached to NocoDB read-only for staff; written only by extensions/points.

create table points_person (
  person_id     uuid primary key,
  -- IANA zone used for events that do not carry their own; an event keeps the zone it was
  -- counted in (points_event.time_zone), so changing this never moves past days.
  time_zone     text not null,
  display_name  text,
  registered_at timestamptz,
  first_seen_at timestamptz not null default now()
);
comment on table points_person is
  'Points: a person (Kratos identity id) with the time zone their days are counted in. Read-only for staff; written by the points capability from kratos.registration and first activity.';

-- source: email | telegram | discourse_user | discourse_username; external_id normalised
-- (lower-case e-mails and user names, decimal ids).
create table points_person_alias (
  source      text not null,
  external_id text not null,
  person_id   uuid not null references points_person(person_id),
  linked_at   timestamptz not null default now(),
  primary key (source, external_id)
);
create index points_person_alias_person_idx on points_person_alias (person_id);
comment on table points_person_alias is
  'Points: which external account (Discourse user, Telegram id, e-mail) belongs to which person. Read-only for staff.';

-- Aliases learnt before their person: a Discourse user whose e-mail is not registered yet.
-- When a person with `ref` appears, `aliases` become theirs.
create table points_alias_pending (
  ref        text not null,
  alias      text not null,
  created_at timestamptz not null default now(),
  primary key (ref, alias)
);
comment on table points_alias_pending is
  'Points: external accounts waiting for their person (for example a Discourse user whose e-mail has not registered yet). Read-only for staff.';
