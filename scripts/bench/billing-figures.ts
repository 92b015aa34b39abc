/**
 * Benchmark (not a test) of the figures staff read (extensions/billing/figures.ts and the
 * views of migration 0503), beside raw PostgreSQL in the same run.
 *   node --import tsx scripts/bench/billing-figures.ts [--lines 1000000] [--people 10000] [--timeout-seconds 60]
 *   (or: npm run bench:billing-figures)
 * About 1,000,000 ledger lines are generated set-based: monthly payments of 10,000 people over
 * some 16 months up to last month, each booked as recordPayment does (invoice, payment, fee:
 * six entries), a month in eleven skipped, one payment in a hundred refunded (the payment and
 * its invoice reversed); one subscription per payer with an event per payment, an expiry
 * event when it has lapsed, and 2,000 open-ended staff grants. Each figure is timed (median of
 * 5 after a warm-up; a slow one once) beside the raw scan of the same rows it reads: a
 * `select sum/count ... group by` over the entries, the payments, the subscriptions or their
 * events. A figure slower than --timeout-seconds is stopped and printed as such.
 * Starts its own embedded PostgreSQL in .data/bench and removes it at the end.
 */
import type pg from 'pg';
import { addMonths, localDay } from '../../extensions/billing/days.ts';
import { churn, holdersOn, movesByMonth, paidMonthsInARow, recurringRevenue, revenueByMonth } from '../../extensions/billing/figures.ts';
import { recordSchoolZone } from '../../extensions/billing/pass.ts';
import { inTransaction } from '../../kernel/db.ts';
import { arg, count, ratio, runBench, seconds, seedCatalog, timed } from './billing-stack.ts';

const LINES = arg('lines', 1_000_000);
const PEOPLE = arg('people', 10_000);
const TIMEOUT_MS = arg('timeout-seconds', 60) * 1000;
const ZONE = 'Europe/Moscow';
// Entries per payment slot: 6 per kept payment (10 in 11 kept), 4 more for the 1 in 100 refunded.
const SLOTS = Math.round(LINES / (6.04 * 10 / 11));
const MONTHS = Math.ceil(SLOTS / PEOPLE);

async function generate(tx: pg.PoolClient, today: string, base: string): Promise<void> {
  await tx.query(`create temp table slot on commit drop as
    select j, p, m, plan, 1 + (plan - 1) % 5 as product, case when plan = 10 then 'USD' else 'RUB' end as cur,
      case when plan = 10 then 2000 else 100000 + plan * 1000 end as amount, case when p % 4 = 0 then 'cloudpayments' else 'yookassa' end as provider,
      md5('person-' || p)::uuid::text as person, $1::timestamptz + make_interval(months => m, days => p % 28, secs => j % 86400) as at, j % 100 = 37 as refunded
    from (select j, j % $3 as p, j / $3 as m, 1 + (j % $3) % 10 as plan from generate_series(0, $2 - 1) j) g
    where (p * 7 + m * 3) % 11 <> 0`, [`${base} 00:00:00+03`, SLOTS, PEOPLE]);
  await tx.query(`insert into billing_transfer (id, kind, occurred_at, person_id, reverses, memo)
    select kind || ':b' || j, kind, at + shift, person, null, jsonb_build_object('provider', provider, 'plan', plan)
    from slot, (values ('invoice', interval '0 s'), ('payment', interval '1 s'), ('fee', interval '2 s')) v(kind, shift)
    union all
    select kind || ':b' || j, kind, at + interval '10 days', person, reverses || ':b' || j, jsonb_build_object('provider', provider, 'plan', plan)
    from slot, (values ('refund', 'payment'), ('reversal', 'invoice')) v(kind, reverses) where refunded`);
  // Each transfer balances, so the deferred balance check passes at commit.
  await tx.query(`insert into billing_entry (transfer_id, account, currency, amount_minor)
    select t || ':b' || j, account, cur, minor from slot, lateral (values
      ('invoice', 'person:' || person || ':receivable', amount), ('invoice', 'revenue:' || product, -amount),
      ('payment', 'provider:' || provider || ':' || cur, amount), ('payment', 'person:' || person || ':receivable', -amount),
      ('fee', 'expense:fees:' || provider, amount * 35 / 1000), ('fee', 'provider:' || provider || ':' || cur, -(amount * 35 / 1000))) v(t, account, minor)
    union all
    select t || ':b' || j, account, cur, minor from slot, lateral (values
      ('refund', 'provider:' || provider || ':' || cur, -amount), ('refund', 'person:' || person || ':receivable', amount),
      ('reversal', 'person:' || person || ':receivable', -amount), ('reversal', 'revenue:' || product, amount)) v(t, account, minor) where refunded`);
  // One subscription per payer, its period the month after its last payment.
  await tx.query(`insert into billing_subscription (person_id, plan_id, product_id, kind, status, starts_on, ends_on, price_minor, currency, source, created_at)
    select person, plan, product, 'paid', case when ends >= $1::date then 'active' else 'expired' end, starts, ends, amount, cur, 'paid:' || person || ':' || plan, first
    from (select person, plan, product, amount, cur, min(at) as first, min(at)::date as starts, (max(at) + interval '1 month' - interval '1 day')::date as ends
          from slot group by 1, 2, 3, 4, 5) s`, [today]);
  await tx.query(`insert into billing_subscription (person_id, plan_id, product_id, kind, status, starts_on, ends_on, source, created_at)
    select md5('person-' || g)::uuid::text, 1 + g % 5, 1 + g % 5, 'free', 'active', $1::date + (g % 400), null, 'grant:' || g, ($1::date + (g % 400))::timestamptz
    from generate_series(0, 1999) g`, [base]);
  await tx.query(`insert into billing_subscription_event (subscription_id, status, starts_on, ends_on, cause, actor, key, at)
    select s.id, 'active', x.at::date, (x.at + interval '1 month' - interval '1 day')::date,
      case when x.at = s.created_at then 'bought: payment b' else 'renewed by payment b' end || x.j, 'payment:' || x.provider || ':b' || x.j, 'payment:b' || x.j, x.at
    from slot x join billing_subscription s on s.source = 'paid:' || x.person || ':' || x.plan
    union all
    select id, 'expired', starts_on, ends_on, 'its last day (' || ends_on || ') has passed', 'system:expiry', 'expire:' || id || ':' || ends_on, (ends_on + 1)::timestamptz
    from billing_subscription where status = 'expired'
    union all
    select id, status, starts_on, ends_on, 'granted by staff', 'staff:nocodb:grants:' || id, 'grant:' || id, created_at from billing_subscription where kind = 'free'`);
}

interface Figure { label: string; ceiling: string; run: (db: pg.Pool) => Promise<unknown> }

/** Median of 5 after a warm-up; a figure of more than 2 s is timed once; past TIMEOUT_MS, stopped. */
async function measure(db: pg.Pool, run: (db: pg.Pool) => Promise<unknown>): Promise<{ ms: number; runs: number } | { timedOut: true }> {
  try {
    const first = await timed(() => run(db));
    if (first.ms > 2000) return { ms: first.ms, runs: 1 };
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push((await timed(() => run(db))).ms);
    return { ms: times.sort((a, b) => a - b)[2]!, runs: 5 };
  } catch (e) {
    if ((e as { code?: string }).code === '57014') return { timedOut: true };
    throw e;
  }
}

await runBench('billing-figures', { connections: 2, deadlineMs: 600_000, statementMs: TIMEOUT_MS }, async (db) => {
  const today = localDay(new Date(), ZONE);
  const thisMonth = today.slice(0, 7);
  const base = addMonths(`${thisMonth}-01`, -MONTHS);
  const first = base.slice(0, 7);
  const last = addMonths(`${thisMonth}-01`, -1).slice(0, 7);
  await recordSchoolZone(db, ZONE);
  await seedCatalog(db);
  // The generation runs longer than a figure may: the session's own limit.
  const generated = await timed(() => inTransaction(db, async (tx) => {
    await tx.query(`set local statement_timeout = 0`);
    await generate(tx, today, base);
  }));
  await db.query('vacuum analyze billing_transfer, billing_entry, billing_subscription, billing_subscription_event');
  const sizes = (await db.query<{ entries: number; transfers: number; subscriptions: number; events: number }>(`select
    (select count(*)::int from billing_entry) as entries, (select count(*)::int from billing_transfer) as transfers,
    (select count(*)::int from billing_subscription) as subscriptions, (select count(*)::int from billing_subscription_event) as events`)).rows[0]!;

  const ceilings: Record<string, { label: string; sql: string; params?: unknown[] }> = {
    entries: { label: 'sum/count of every entry by account, currency', sql: `select account, currency, sum(amount_minor), count(*) from billing_entry group by 1, 2` },
    payments: { label: 'count of payments by person, month', sql: `select person_id, date_trunc('month', occurred_at), count(*) from billing_transfer where kind = 'payment' group by 1, 2` },
    subscriptions: { label: 'count of subscriptions holding today by product, plan, kind', params: [today], sql: `select product_id, plan_id, kind, count(*) from billing_subscription
      where status in ('trial', 'active', 'past_due') and starts_on <= $1 and (ends_on is null or ends_on >= $1) group by 1, 2, 3` },
    events: { label: 'max(id)/count of events by subscription', sql: `select subscription_id, max(id), count(*) from billing_subscription_event group by 1` },
  };
  const figures: Figure[] = [
    { label: `revenueByMonth ${first}..${last}`, ceiling: 'entries', run: (db) => revenueByMonth(db, first, last) },
    { label: `revenueByMonth ${last}`, ceiling: 'entries', run: (db) => revenueByMonth(db, last, last) },
    { label: 'view billing_revenue_monthly', ceiling: 'entries', run: (db) => db.query('select * from billing_revenue_monthly') },
    { label: 'view billing_balance', ceiling: 'entries', run: (db) => db.query('select * from billing_balance') },
    { label: `paidMonthsInARow 3 to ${last}`, ceiling: 'payments', run: (db) => paidMonthsInARow(db, 3, last) },
    { label: `paidMonthsInARow 12 to ${last}`, ceiling: 'payments', run: (db) => paidMonthsInARow(db, 12, last) },
    { label: 'view billing_paid_months', ceiling: 'payments', run: (db) => db.query('select * from billing_paid_months') },
    { label: 'view billing_holders_today', ceiling: 'subscriptions', run: (db) => db.query('select * from billing_holders_today') },
    { label: 'recurringRevenue', ceiling: 'subscriptions', run: (db) => recurringRevenue(db) },
    { label: `churn ${last}`, ceiling: 'events', run: (db) => churn(db, last) },
    { label: `movesByMonth ${first}..${last}`, ceiling: 'events', run: (db) => movesByMonth(db, first, last) },
    { label: `holdersOn ${today}`, ceiling: 'events', run: (db) => holdersOn(db, today) },
  ];

  console.log(`billing figures over ${count(sizes.entries)} ledger lines (${count(sizes.transfers)} transfers), ${count(sizes.subscriptions)} subscriptions, ${count(sizes.events)} events; ${count(PEOPLE)} people, ${first}..${last} (generated in ${seconds(generated.ms)} s)`);
  const raw: Record<string, number> = {};
  for (const [key, c] of Object.entries(ceilings)) {
    const m = await measure(db, (db) => db.query(c.sql, c.params));
    if ('timedOut' in m) throw new Error(`the ceiling ${key} outlasted the timeout`);
    raw[key] = m.ms;
    console.log(`    ceiling, raw ${c.label}: ${m.ms.toFixed(1)} ms`);
  }
  for (const f of figures) {
    const m = await measure(db, f.run);
    const label = f.label.padEnd(34);
    if ('timedOut' in m) console.log(`    ${label} more than ${TIMEOUT_MS / 1000} s (stopped by the statement timeout); ratio (ours / raw ${f.ceiling}) > ${ratio(TIMEOUT_MS, raw[f.ceiling]!)}`);
    else console.log(`    ${label} ${m.ms.toFixed(1).padStart(9)} ms${m.runs === 1 ? ' (once)' : ''}; ratio (ours / raw ${f.ceiling}) ${ratio(m.ms, raw[f.ceiling]!)}`);
  }
});
