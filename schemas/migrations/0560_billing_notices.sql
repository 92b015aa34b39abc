-- Billing (issues 13 and 14): what a payer is told at once after paying, and the reminders
-- before a subscription ends. Staff write each product's next steps in NocoDB (Products'
-- NextStepsRu / NextStepsEn), mirrored here with the rest of the catalog.
alter table billing_product add column next_steps_ru text, add column next_steps_en text;

-- The outbox of billing's messages: a row is written in the transaction that decides it (the
-- payment's booking, the pass's round), once per key; the sender picks the channel when it
-- delivers (Telegram when the person has a verified link, else their verified e-mail), so
-- the payment's transaction never waits on Kratos. Keys: 'paid:<order id>' (once per order,
-- whatever the number of deliveries of its payment), 'remind:<subscription>:<last day>:<days before>'.
create table billing_notice (
  id                  bigserial primary key,
  key                 text collate "C" not null unique,
  kind                text not null check (kind in ('paid', 'reminder')),
  person_id           text not null,
  order_id            uuid references billing_order(id),
  subscription_id     bigint references billing_subscription(id),
  ends_on             date,
  days_before         integer,
  status              text not null default 'pending' check (status in ('pending', 'sent', 'dead', 'skipped')),
  channel             text check (channel in ('telegram', 'email')),
  recipient           text,
  attempts            integer not null default 0,
  next_attempt_at     timestamptz not null default now(),
  lease_until         timestamptz,
  last_error          text,
  provider_message_id text,
  sent_at             timestamptz,
  created_at          timestamptz not null default now()
);
-- skipped: a reminder whose subscription was renewed or ended before it went out.
create index billing_notice_due on billing_notice (next_attempt_at) where status = 'pending';
comment on table billing_notice is 'Billing: messages to payers and holders (what next after paying; reminders before the end), written with their cause, sent once.';

create view billing_notices as
  select n.id, n.kind, n.person_id, n.order_id, n.subscription_id, n.ends_on, n.days_before, n.status, n.channel,
    n.attempts, n.last_error, n.created_at, n.sent_at
  from billing_notice n;
comment on view billing_notices is 'Billing: each message to a payer or holder (what next, reminders), whether it was sent, how, or why not.';
