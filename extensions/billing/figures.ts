import type { Pool } from 'pg';
import { addMonths } from './days.ts';

/** The figures staff ask for, read from billing's views (0503). Plain queries. */

export async function holdersOn(db: Pool, day: string) {
  const { rows } = await db.query(
    `select s.product_id, p.title as product, s.plan_id, pl.title as plan,
       case when e.status = 'trial' then 'trial' else s.kind end as kind, count(distinct s.person_id)::int as holders
     from billing_subscription_event e
     join billing_subscription s on s.id = e.subscription_id
     left join billing_product p on p.id = s.product_id
     left join billing_plan pl on pl.id = s.plan_id
     where e.id = (select max(e2.id) from billing_subscription_event e2 where e2.subscription_id = s.id and e2.at < ($1::date + 1)::timestamptz)
       and e.status in ('trial', 'active', 'past_due') and e.starts_on <= $1 and (e.ends_on is null or e.ends_on >= $1)
     group by 1, 2, 3, 4, 5 order by 1, 3, 5`, [day]);
  return rows;
}

export async function movesByMonth(db: Pool, from: string, to: string) {
  const { rows } = await db.query(
    `select month, product_id, new, renewed, lapsed, cancelled, trials, trials_paid from billing_moves_monthly where month between $1 and $2 order by month, product_id`, [from, to]);
  return rows;
}

export async function revenueByMonth(db: Pool, from: string, to: string) {
  const { rows } = await db.query<{ month: string; product: string; provider: string; currency: string; revenue_minor: string }>(
    `select month, product, provider, currency, revenue_minor::text from billing_revenue_monthly where month between $1 and $2 order by month, product, provider, currency`, [from, to]);
  return rows.map((r) => ({ ...r, revenue_minor: Number(r.revenue_minor) }));
}

/** Monthly recurring revenue today: each paid subscription holding today, its price spread over its months. */
export async function recurringRevenue(db: Pool) {
  const { rows } = await db.query<{ currency: string; mrr_minor: string; paying: number }>(
    `select s.currency, round(sum(s.price_minor::numeric / case pl.duration when 'month' then 1 when 'quarter' then 3 when 'year' then 12 when '2 years' then 24 end))::text as mrr_minor,
       count(*)::int as paying
     from billing_subscription s join billing_plan pl on pl.id = s.plan_id
     where s.kind in ('paid', 'corporate') and pl.duration <> 'fixed dates' and s.status in ('active', 'past_due')
       and s.starts_on <= billing_today() and (s.ends_on is null or s.ends_on >= billing_today())
     group by 1 order by 1`);
  return rows.map((r) => ({ currency: r.currency, mrrMinor: Number(r.mrr_minor), paying: r.paying }));
}

/** Churn of a month: paid subscriptions that lapsed or were cancelled in it, over those holding on its first day. */
export async function churn(db: Pool, month: string) {
  const first = `${month}-01`;
  const next = addMonths(first, 1);
  const { rows } = await db.query<{ at_start: number; lost: number }>(
    `select
       (select count(*)::int from billing_subscription s where s.kind in ('paid', 'corporate') and s.starts_on <= $1 and (s.ends_on is null or s.ends_on >= $1)
          and s.created_at < $1::timestamptz) as at_start,
       (select count(distinct e.subscription_id)::int from billing_subscription_event e join billing_subscription s on s.id = e.subscription_id
          where s.kind in ('paid', 'corporate') and e.status in ('expired', 'cancelled') and e.at >= $1::timestamptz and e.at < $2::timestamptz) as lost`,
    [first, next]);
  const { at_start, lost } = rows[0]!;
  return { month, atStart: at_start, lost, churn: at_start ? lost / at_start : null };
}

/** People who paid in each of the `n` months up to and including `through` (YYYY-MM): the loyalty programme's list. */
export async function paidMonthsInARow(db: Pool, n: number, through: string) {
  const months = Array.from({ length: n }, (_, i) => addMonths(`${through}-01`, -i).slice(0, 7));
  const { rows } = await db.query<{ person_id: string }>(
    `select person_id from billing_paid_months where month = any($1::text[]) group by person_id having count(distinct month) = $2 order by person_id`,
    [months, n]);
  return { months: months.reverse(), people: rows.map((r) => r.person_id) };
}
