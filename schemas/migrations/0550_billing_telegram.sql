-- Billing: selling through the school's Telegram bot in Stars (issue 14). What Telegram told
-- us and what we answered, for staff and for refunds.

-- Each Stars payment Telegram confirmed (successful_payment), by its charge id: who paid in
-- Telegram (refundStarPayment needs the payer's user id beside the charge id) and how much.
create table billing_telegram_charge (
  charge_id            text primary key,
  attempt_id           uuid not null references billing_attempt(id),
  telegram_user_id     bigint not null,
  amount_minor         bigint not null check (amount_minor > 0),
  currency             char(3) not null,
  paid_at              timestamptz not null,
  recorded_at          timestamptz not null default now()
);
comment on table billing_telegram_charge is 'Billing: Telegram payments (Stars) by telegram_payment_charge_id, with the payer''s Telegram user id (refunds need it).';

-- Each pre-checkout query and what became of it: answered ok or refused (with the reason
-- the payer read), expired (came to us too late: never answered, so never an ok after
-- Telegram's 10 s), or refused by Telegram (our answer came too late for it).
create table billing_telegram_pre_checkout (
  query_id          text primary key,
  invoice_payload   text not null,
  telegram_user_id  bigint not null,
  currency          char(3) not null,
  total_amount      bigint not null,
  outcome           text not null check (outcome in ('answered', 'expired', 'rejected')),
  ok                boolean,
  reason            text,
  received_at       timestamptz not null,
  -- from our receipt of the query to our answer's acknowledgement by Telegram
  answer_ms         integer,
  recorded_at       timestamptz not null default now()
);
comment on table billing_telegram_pre_checkout is 'Billing: Telegram pre-checkout queries: answered (ok or the refusal''s reason), expired, or rejected by Telegram, with how long the answer took.';
