-- Billing: orders and payment attempts (issue 14). An attempt's id is the idempotency key
-- sent to the provider (Moneta's MNT_TRANSACTION_ID, YooKassa's Idempotence-Key, Stripe's
-- client_reference_id); an order has one open attempt at a time.
create table billing_order (
  id           uuid primary key,
  person_id    text not null,
  plan_id      integer not null,
  amount_minor bigint not null check (amount_minor > 0),
  currency     char(3) not null,
  status       text not null check (status in ('open', 'paid', 'cancelled')),
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now()
);
-- One open order per person and plan: a second checkout returns it.
create unique index billing_order_open on billing_order (person_id, plan_id) where status = 'open';

create table billing_attempt (
  id                  uuid primary key,
  order_id            uuid not null references billing_order(id),
  provider            text not null,
  status              text not null check (status in ('created', 'succeeded', 'failed', 'unknown')),
  provider_payment_id text,
  pay_url             text,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now()
);
create unique index billing_attempt_open on billing_attempt (order_id) where status in ('created', 'unknown');
create unique index billing_attempt_provider_payment on billing_attempt (provider, provider_payment_id) where provider_payment_id is not null;

create view billing_orders as
  select o.id as order_id, o.person_id, o.plan_id, pl.title as plan, o.amount_minor, o.currency, o.status as order_status,
    a.id as attempt_id, a.provider, a.status as attempt_status, a.provider_payment_id, o.created_at, a.updated_at
  from billing_order o left join billing_attempt a on a.order_id = o.id left join billing_plan pl on pl.id = o.plan_id;
comment on view billing_orders is 'Billing: orders and their payment attempts, by provider and outcome.';
