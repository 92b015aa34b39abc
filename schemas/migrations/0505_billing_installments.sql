-- Billing (issue 13): a plan sold in parts (Plans.Installments). Each part is an invoice booked
-- on its due day; an unpaid part follows the school's overdue policy (extensions/billing/overdue.ts,
-- billing_setting 'overdue_policy'): reminder, past due (access holds), suspended (access
-- withheld), cancelled (what was paid kept, the unpaid rest written off).

-- 'suspended': the subscription stands but gives no access (billing_entitlement and the figures
-- name the statuses that hold, and it is not one of them).
alter table billing_subscription drop constraint billing_subscription_status_check;
alter table billing_subscription add constraint billing_subscription_status_check
  check (status in ('pending', 'trial', 'active', 'past_due', 'suspended', 'expired', 'cancelled'));

-- The schedule: one row a part of the subscription an instalment order opened (source 'installments:<order>').
create table billing_installment (
  subscription_id     bigint not null references billing_subscription(id),
  n                   integer not null check (n >= 1),
  due_on              date not null,
  amount_minor        bigint not null check (amount_minor > 0),
  currency            char(3) not null,
  -- booked on the due day, or when a payment covers the part before it
  invoice_transfer_id text collate "C" references billing_transfer(id),
  -- the payment that completed it
  paid_transfer_id    text collate "C" references billing_transfer(id),
  -- scheduled -> reminder -> past_due -> suspended -> written_off (the stage its lateness reached),
  -- or paid from any of them; void: never due, the schedule was cancelled before
  state               text not null default 'scheduled'
                      check (state in ('scheduled', 'reminder', 'past_due', 'suspended', 'paid', 'written_off', 'void')),
  updated_at          timestamptz not null default now(),
  primary key (subscription_id, n)
);
create index billing_installment_open on billing_installment (due_on) where state in ('scheduled', 'reminder', 'past_due', 'suspended');
comment on table billing_installment is 'Billing: the parts an instalment order is paid in: due day, amount, invoice, the payment that paid it, and its overdue stage.';

-- Which payments went to which schedule (the amounts are the ledger's: billing_entry).
create table billing_installment_payment (
  transfer_id     text collate "C" primary key references billing_transfer(id),
  subscription_id bigint not null references billing_subscription(id)
);
create index billing_installment_payment_subscription on billing_installment_payment (subscription_id);

-- Staff read schedules as a grid: whose, which plan, each part and where it stands.
create view billing_installments as
  select i.subscription_id, substr(s.source, 14) as order_id, s.person_id, s.plan_id, pl.title as plan, s.status as subscription_status,
    i.n, i.due_on, i.amount_minor, i.currency, i.state, i.invoice_transfer_id, i.paid_transfer_id, i.updated_at
  from billing_installment i
  join billing_subscription s on s.id = i.subscription_id
  left join billing_plan pl on pl.id = s.plan_id;
comment on view billing_installments is 'Billing: every part of every instalment order with its due day, amount and state (reminder, past due, suspended, paid, written off).';
