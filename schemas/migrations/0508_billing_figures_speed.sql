-- Billing figures, measured (npm run bench:billing-figures): holders on a past day read each
-- subscription's last event before that day (an index makes it 13.5 s -> 80 ms at 1M ledger
-- lines); revenue by month filters transfers by date. Months are the school's months: a
-- payment at 01:00 in Moscow on the 1st counts in that month, not the previous one in UTC.
create index billing_subscription_event_subscription on billing_subscription_event (subscription_id, id);
create index billing_transfer_occurred on billing_transfer (occurred_at);

create function billing_zone() returns text language sql stable security definer set search_path = public, pg_temp as $$
  select coalesce((select value from billing_setting where key = 'time_zone'), 'UTC')
$$;

create or replace view billing_moves_monthly as
  select to_char(date_trunc('month', e.at at time zone billing_zone()), 'YYYY-MM') as month, s.product_id,
    count(*) filter (where e.cause like 'granted%' or e.cause like 'bought%')::int as new,
    count(*) filter (where e.cause like 'renewed%')::int as renewed,
    count(*) filter (where e.status = 'expired')::int as lapsed,
    count(*) filter (where e.status = 'cancelled')::int as cancelled
  from billing_subscription_event e join billing_subscription s on s.id = e.subscription_id
  group by 1, 2;

create or replace view billing_revenue_monthly as
  select to_char(date_trunc('month', t.occurred_at at time zone billing_zone()), 'YYYY-MM') as month, substr(e.account, 9) as product,
    coalesce(t.memo ->> 'provider', '') as provider, e.currency, (-sum(e.amount_minor))::bigint as revenue_minor
  from billing_entry e join billing_transfer t on t.id = e.transfer_id
  where e.account like 'revenue:%'
  group by 1, 2, 3, 4;

create or replace view billing_paid_months as
  select t.person_id, to_char(date_trunc('month', t.occurred_at at time zone billing_zone()), 'YYYY-MM') as month, count(*)::int as payments
  from billing_transfer t
  where t.kind = 'payment' and t.person_id is not null
    and not exists (select 1 from billing_transfer r where r.reverses = t.id)
  group by 1, 2;
