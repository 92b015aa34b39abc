-- Refunds staff ask for in NocoDB (the Refunds grid, issue 14): one row each, its outcome
-- the service's own. The idempotency key sent to the provider is derived from the row
-- (refund_key), so a row handled again after a crash or a repeated webhook asks for the
-- same refund, never a second one. The money is booked by applyProviderRefund (refunds.ts)
-- when the provider confirms; this table says what was asked and what became of it.
create table billing_refund_request (
  row_id              integer primary key,
  refund_key          text not null unique,
  provider            text not null,
  provider_payment_id text not null,
  amount_minor        bigint not null check (amount_minor > 0),
  currency            char(3) not null,
  reason              text not null,
  status              text not null check (status in ('pending', 'succeeded', 'failed')),
  provider_refund_id  text,
  problem             text,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now()
);
create unique index billing_refund_request_provider on billing_refund_request (provider, provider_refund_id) where provider_refund_id is not null;
