-- Billing: corporate seats (issue 13). An organisation has N seats of a plan for a period
-- (NocoDB Seat packs); staff give and free them (Seat assignments). Each seat held is a
-- subscription (source 'seat:<pack>:<assignment row>', the pack's kind and dates). Never
-- more holders than seats: an assignment takes the pack's row lock and counts its holders
-- in the same transaction (extensions/billing/seats.ts).

create table billing_seat_pack (
  id             integer primary key,            -- NocoDB Seat packs.Id
  organisation   text,
  seats          integer,
  plan_id        integer,                        -- the one plan linked (null: none, or more than one)
  kind           text check (kind in ('corporate', 'free corporate')),
  starts_on      date,
  ends_on        date,
  reason         text,
  note           text,
  -- why it gives no new seats (null: it does); whoever holds one keeps it
  problem        text,
  deleted        boolean not null default false,
  row_updated_at timestamptz not null,           -- NocoDB's UpdatedAt of what is mirrored
  updated_at     timestamptz not null default now()
);
comment on table billing_seat_pack is 'Billing: corporate seat packs (mirror of NocoDB Seat packs), with why one gives no new seats.';

create table billing_seat_assignment (
  row_id          integer primary key,           -- NocoDB Seat assignments.Id
  pack_id         integer,
  person_id       text,                          -- Ory identity id
  holds           boolean not null default false, -- takes one of the pack's seats now
  outcome         text not null,                 -- 'assigned', 'freed', 'refused: ...'
  freed_reason    text,
  subscription_id bigint references billing_subscription(id),
  deleted         boolean not null default false, -- the row was deleted in NocoDB (ids are never reused)
  row_updated_at  timestamptz not null,          -- NocoDB's UpdatedAt of what was applied
  updated_at      timestamptz not null default now()
);
create index billing_seat_assignment_holders on billing_seat_assignment (pack_id) where holds;
-- One seat of a pack per person: a second row for the same person is refused, never a second seat.
create unique index billing_seat_assignment_one_each on billing_seat_assignment (pack_id, person_id) where holds;
comment on table billing_seat_assignment is 'Billing: NocoDB Seat assignments rows and what became of each (holds a seat, freed, or refused with the reason).';

-- Packs as staff read them: seats, taken, free, and why one gives no new seats.
create view billing_seat_packs as
  select p.id as pack_row, p.organisation, p.plan_id, pl.title as plan, pr.title as product, p.kind, p.seats,
    coalesce(t.taken, 0) as taken, greatest(coalesce(p.seats, 0) - coalesce(t.taken, 0), 0) as free,
    p.starts_on, p.ends_on, p.reason, p.note,
    case
      when p.deleted then 'deleted: its seats were freed'
      when p.problem is not null then 'gives no new seats: ' || p.problem || ' (holders keep theirs)'
      when p.ends_on < billing_today() then 'ended on ' || p.ends_on
      when coalesce(t.taken, 0) > p.seats then format('%s holders for %s seats: they keep them, new ones are refused until one is below the seats', t.taken, p.seats)
      else 'in force'
    end as state,
    p.updated_at
  from billing_seat_pack p
  left join billing_plan pl on pl.id = p.plan_id
  left join billing_product pr on pr.id = pl.product_id
  left join (select pack_id, count(*)::int as taken from billing_seat_assignment where holds group by pack_id) t on t.pack_id = p.id;
comment on view billing_seat_packs is 'Billing: corporate seat packs with seats taken and free, and their state (in force, or why no new seats are given).';

-- Assignments and what became of each (a refusal says why, e.g. no free seat (10 of 10 taken)).
create view billing_seat_assignments as
  select a.row_id as assignment_row, a.pack_id as pack_row, p.organisation, a.person_id, a.outcome, a.holds, a.freed_reason,
    a.subscription_id, s.status, s.starts_on, s.ends_on, a.updated_at
  from billing_seat_assignment a
  left join billing_seat_pack p on p.id = a.pack_id
  left join billing_subscription s on s.id = a.subscription_id;
comment on view billing_seat_assignments is 'Billing: NocoDB Seat assignments rows and their outcome (assigned, freed, or refused with the reason).';
