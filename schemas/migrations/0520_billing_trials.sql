-- Billing: a plan's trial (Plans.TrialDays). A person starts one trial per product, ever: the
-- row here is never deleted, so no second trial is had after the first one ended. The trial
-- is the subscription a payment of the plan would renew (source 'paid:<person>:<plan>'), of
-- kind 'trial' and status 'trial' until paid: a payment during it turns it 'paid' and
-- 'active' (extensions/billing/paid-periods.ts).
alter table billing_subscription drop constraint billing_subscription_kind_check;
alter table billing_subscription add constraint billing_subscription_kind_check
  check (kind in ('paid', 'free', 'corporate', 'free corporate', 'trial'));

create table billing_trial (
  person_id       text not null,                 -- Ory identity id
  product_id      integer not null,
  plan_id         integer not null,
  subscription_id bigint not null references billing_subscription(id),
  started_at      timestamptz not null default now(),
  primary key (person_id, product_id)
);
comment on table billing_trial is 'Billing: the one trial each person had of each product (never deleted: no second trial).';

-- The moves, with trials begun and trials turned into a paid subscription, as their own columns.
create or replace view billing_moves_monthly as
  select to_char(date_trunc('month', e.at at time zone billing_zone()), 'YYYY-MM') as month, s.product_id,
    count(*) filter (where e.cause like 'granted%' or e.cause like 'bought%')::int as new,
    count(*) filter (where e.cause like 'renewed%')::int as renewed,
    count(*) filter (where e.status = 'expired')::int as lapsed,
    count(*) filter (where e.status = 'cancelled')::int as cancelled,
    count(*) filter (where e.cause like 'trial started%')::int as trials,
    count(*) filter (where e.cause like 'bought after its trial%')::int as trials_paid
  from billing_subscription_event e join billing_subscription s on s.id = e.subscription_id
  group by 1, 2;
