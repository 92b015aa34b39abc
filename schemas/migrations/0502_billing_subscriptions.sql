-- Billing: subscriptions and what they grant. The record is here, not in NocoDB: a grid edit
-- is a request (a staff grant), read by the service, never the authority itself.

create table billing_subscription (
  id               bigserial primary key,
  person_id        text not null,                 -- Ory identity id
  plan_id          integer not null,
  product_id       integer not null,
  kind             text not null check (kind in ('paid', 'free', 'corporate', 'free corporate')),
  status           text not null check (status in ('pending', 'trial', 'active', 'past_due', 'expired', 'cancelled')),
  starts_on        date not null,
  ends_on          date,                          -- the last day it holds (school zone); null: open-ended
  price_version_id bigint references billing_price_version(id),
  price_minor      bigint,
  currency         char(3),
  renewal_keeps_price boolean not null default false,
  -- what made it: 'grant:<NocoDB Grants.Id>', 'order:<id>', 'seat:<org>:<n>'; one subscription each
  source           text collate "C" not null unique,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);
create index billing_subscription_person on billing_subscription (person_id);
create index billing_subscription_ends on billing_subscription (ends_on) where status in ('trial', 'active', 'past_due');

-- Every transition with its cause and who made it; the subscription row holds the latest.
create table billing_subscription_event (
  id              bigserial primary key,
  subscription_id bigint not null references billing_subscription(id),
  status          text not null,
  starts_on       date not null,
  ends_on         date,
  cause           text not null,
  actor           text not null,                 -- 'staff:nocodb:grants:<row>', 'system:expiry', 'payment:<id>'
  key             text collate "C" not null unique, -- idempotency: the same cause twice is one event
  at              timestamptz not null default now()
);
create trigger billing_subscription_event_append_only before update or delete or truncate on billing_subscription_event
  for each statement execute function billing_append_only();

-- What holds today: the person reads the product's guides (identity writes it to Keto).
create view billing_entitlement as
  select s.product_id, s.person_id, min(s.starts_on) as since, max(coalesce(s.ends_on, 'infinity'::date)) as until
  from billing_subscription s
  where s.status in ('trial', 'active', 'past_due') and s.starts_on <= billing_today()
    and (s.ends_on is null or s.ends_on >= billing_today())
  group by s.product_id, s.person_id;
comment on view billing_entitlement is 'Billing: who holds which product today (school zone), whatever the plan or kind.';

-- Products whose holders changed: identity re-syncs them to Keto (an outbox, read past a cursor).
create table billing_entitlement_change (
  id         bigserial primary key,
  product_id integer not null,
  at         timestamptz not null default now()
);
comment on table billing_entitlement_change is 'Billing -> identity: products whose holders may have changed, written in the same transaction as the change.';

-- Staff grants as NocoDB's Grants rows said them, with what became of each (shown to staff).
create table billing_grant (
  row_id          integer primary key,            -- NocoDB Grants.Id
  person_id       text,
  plan_id         integer,
  kind            text,
  reason          text,
  outcome         text not null,                  -- 'granted', 'revoked', 'refused: ...'
  subscription_id bigint references billing_subscription(id),
  updated_at      timestamptz not null default now()
);
