-- Points: the ledger. One line per counted event and beneficiary; a correction is a new
-- line that compensates (negates) an earlier one, never an update.

create table points_ledger (
  id              bigserial primary key,
  event_id        bigint not null,
  person_id       uuid not null,
  -- own: the person's own action; ambassador: the share of a referred person's points.
  role            text not null check (role in ('own', 'ambassador')),
  from_person_id  uuid,
  kind            text not null,
  -- Activity day in the time zone of the event (value date); recorded_at is the booking time.
  day             date not null,
  rule_id         integer,
  rule_version    integer,
  points          integer not null,
  actions         integer not null,
  characters      integer not null,
  seconds         integer not null,
  -- Why fewer points than the rule's full amount: no_rule | short | cooldown | cap.
  note            text,
  compensates     bigint,
  recompute_id    bigint,
  recorded_at     timestamptz not null default now(),
  constraint points_ledger_compensates_once unique (compensates)
);
create index points_ledger_event_idx on points_ledger (event_id);
create index points_ledger_person_day_idx on points_ledger (person_id, day);
create index points_ledger_person_booked_idx on points_ledger (person_id, recorded_at, id);
create index points_ledger_day_idx on points_ledger (day);
create trigger points_ledger_append_only before update or delete on points_ledger
  for each statement execute function points_append_only();
comment on table points_ledger is
  'Points: the account of every person. A line per counted event (own) or referral share (ambassador); corrections are compensating lines (compensates = the line they cancel). Append-only; read-only for staff.';
