-- Billing: the figures staff read as NocoDB grids (read-only views in "Service data") and
-- through GET /api/billing/figures/*.

-- Subscriptions as staff read them: whose, which plan, kind, status, period, what it cost.
create view billing_subscriptions as
  select s.id, s.person_id, s.product_id, p.title as product, s.plan_id, pl.title as plan, s.kind, s.status,
    s.starts_on, s.ends_on, s.price_minor, s.currency, s.source, s.created_at, s.updated_at,
    (s.status in ('trial', 'active', 'past_due') and s.starts_on <= billing_today() and (s.ends_on is null or s.ends_on >= billing_today())) as holds_today
  from billing_subscription s
  left join billing_product p on p.id = s.product_id
  left join billing_plan pl on pl.id = s.plan_id;
comment on view billing_subscriptions is 'Billing: every subscription with its product, plan, kind, status and period; holds_today in the school''s zone.';

-- Staff grants and what became of each (a refusal says why).
create view billing_grants as
  select g.row_id as grant_row, g.person_id, g.plan_id, pl.title as plan, g.kind, g.reason, g.outcome, g.subscription_id,
    s.status, s.starts_on, s.ends_on, g.updated_at
  from billing_grant g
  left join billing_plan pl on pl.id = g.plan_id
  left join billing_subscription s on s.id = g.subscription_id;
comment on view billing_grants is 'Billing: NocoDB Grants rows and their outcome (granted, revoked, or refused with the reason).';

-- Holders today by product, plan and kind.
create view billing_holders_today as
  select s.product_id, p.title as product, s.plan_id, pl.title as plan, s.kind, count(distinct s.person_id)::int as holders
  from billing_subscription s
  left join billing_product p on p.id = s.product_id
  left join billing_plan pl on pl.id = s.plan_id
  where s.status in ('trial', 'active', 'past_due') and s.starts_on <= billing_today() and (s.ends_on is null or s.ends_on >= billing_today())
  group by 1, 2, 3, 4, 5;
comment on view billing_holders_today is 'Billing: people holding each product, plan and kind today.';

-- Per month: subscriptions begun (new), renewed, lapsed (expired) and cancelled.
create view billing_moves_monthly as
  select to_char(date_trunc('month', e.at), 'YYYY-MM') as month, s.product_id,
    count(*) filter (where e.cause like 'granted%' or e.cause like 'bought%')::int as new,
    count(*) filter (where e.cause like 'renewed%')::int as renewed,
    count(*) filter (where e.status = 'expired')::int as lapsed,
    count(*) filter (where e.status = 'cancelled')::int as cancelled
  from billing_subscription_event e join billing_subscription s on s.id = e.subscription_id
  group by 1, 2;
comment on view billing_moves_monthly is 'Billing: per month and product, subscriptions begun, renewed, lapsed and cancelled.';

-- Revenue per month by product, provider and currency (invoiced sales; grants are not revenue).
create view billing_revenue_monthly as
  select to_char(date_trunc('month', t.occurred_at), 'YYYY-MM') as month, substr(e.account, 9) as product,
    coalesce(t.memo ->> 'provider', '') as provider, e.currency, (-sum(e.amount_minor))::bigint as revenue_minor
  from billing_entry e join billing_transfer t on t.id = e.transfer_id
  where e.account like 'revenue:%'
  group by 1, 2, 3, 4;
comment on view billing_revenue_monthly is 'Billing: revenue per month, product, provider and currency, in minor units (refunds reduce it).';

-- Each person's payments by month: the loyalty programme asks for N months in a row.
create view billing_paid_months as
  select t.person_id, to_char(date_trunc('month', t.occurred_at), 'YYYY-MM') as month, count(*)::int as payments
  from billing_transfer t
  where t.kind = 'payment' and t.person_id is not null
    and not exists (select 1 from billing_transfer r where r.reverses = t.id)
  group by 1, 2;
comment on view billing_paid_months is 'Billing: months in which each person paid (refunded payments do not count).';
