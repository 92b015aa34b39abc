/**
 * Benchmark (not a test) of billing's daily pass (billingPass, extensions/billing/pass.ts),
 * beside raw PostgreSQL in the same run.
 *   node --import tsx scripts/bench/billing-pass.ts [--subscriptions 100000] [--expiring-every 30]
 *   (or: npm run bench:billing-pass)
 * 100,000 subscriptions of 10 plans (5 products) are inserted set-based, each with its opening event: most
 * active and ending within a year, one in 30 whose last day has passed (about 3,300 to
 * expire), and some already expired, cancelled, in trial, past due, open-ended or not started.
 * The pass is run until it says nothing more is left (it expires 1000 per round), then once
 * more with nothing to do (what each minute's round costs). The ceiling is the raw SQL of the
 * same rows on copies of the same tables (same indexes, no triggers): one update of what
 * expires, its event rows and one entitlement change per product, in one statement.
 * Starts its own embedded PostgreSQL in .data/bench and removes it at the end.
 */
import type pg from 'pg';
import { localDay } from '../../extensions/billing/days.ts';
import { billingPass, recordSchoolZone } from '../../extensions/billing/pass.ts';
import { arg, count, median, ratio, runBench, seconds, seedCatalog, timed } from './billing-stack.ts';

const SUBSCRIPTIONS = arg('subscriptions', 100_000);
const EXPIRING_EVERY = arg('expiring-every', 30);
const ZONE = 'Europe/Moscow';
const HOLDING = `('trial', 'active', 'past_due')`;

/** The subscriptions and their opening events, set-based; `i % EXPIRING_EVERY` picks each one's fate. */
async function generate(db: pg.Pool, today: string): Promise<void> {
  await db.query(`
    insert into billing_subscription (person_id, plan_id, product_id, kind, status, starts_on, ends_on, price_minor, currency, source, created_at)
    select md5('person-' || i)::uuid::text, plan, 1 + (plan - 1) % 5,
      case when fate = 7 then 'free' when fate = 8 then 'corporate' else 'paid' end,
      case when fate = 1 then 'expired' when fate = 2 then 'cancelled' when fate = 5 then 'trial' when fate = 6 then 'past_due' else 'active' end,
      starts, ends, case when fate = 7 then null else 100000 + plan * 1000 end, case when fate = 7 then null when plan = 10 then 'USD' else 'RUB' end,
      'bench:' || i, starts::timestamptz
    from (
      select i, plan, fate, coalesce(ends - 29, $1::date - (i % 300)) as starts, ends
      from (
        select i, 1 + (i / $3) % 10 as plan, i % $3 as fate,
          case
            when i % $3 in (0, 1, 2) then $1::date - (1 + i % 20)      -- its last day has passed (0: still holding; 1, 2: ended before)
            when i % $3 = 3 then $1::date + 30 + i % 10              -- starts in a few weeks
            when i % $3 = 7 then null                                -- free, open-ended
            else $1::date + (1 + i % 360)
          end as ends
        from generate_series(1, $2) i
      ) a
    ) b`, [today, SUBSCRIPTIONS, EXPIRING_EVERY]);
  await db.query(`insert into billing_subscription_event (subscription_id, status, starts_on, ends_on, cause, actor, key, at)
    select id, status, starts_on, ends_on, 'bought: bench', 'payment:bench', 'open:' || id, created_at from billing_subscription`);
  await db.query('vacuum analyze billing_subscription, billing_subscription_event');
}

/** Copies of the tables the pass writes, with the same rows and indexes, for the ceiling. */
async function copyForCeiling(db: pg.Pool): Promise<void> {
  await db.query(`create table bench_subscription (like billing_subscription including all);
    create table bench_event (like billing_subscription_event including all);
    create table bench_change (like billing_entitlement_change including all)`);
  await db.query(`insert into bench_subscription select * from billing_subscription;
    insert into bench_event select * from billing_subscription_event`);
  await db.query('vacuum analyze bench_subscription, bench_event');
}

async function ceiling(db: pg.Pool, today: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`
    with expired as (
      update bench_subscription set status = 'expired', updated_at = now()
      where status in ${HOLDING} and ends_on < $1
      returning id, status, starts_on, ends_on, product_id
    ), events as (
      insert into bench_event (subscription_id, status, starts_on, ends_on, cause, actor, key)
      select id, status, starts_on, ends_on, 'its last day (' || ends_on || ') has passed', 'system:expiry', 'expire:' || id || ':' || ends_on from expired
      returning 1
    ), changes as (
      insert into bench_change (product_id) select distinct product_id from expired returning 1
    )
    select (select count(*) from events)::int as n`, [today]);
  return rows[0]!.n;
}

await runBench('billing-pass', { connections: 4, deadlineMs: 300_000 }, async (db) => {
  const today = localDay(new Date(), ZONE);
  await recordSchoolZone(db, ZONE);
  await seedCatalog(db);
  const generated = await timed(() => generate(db, today));
  const due = (await db.query<{ n: number }>(`select count(*)::int as n from billing_subscription where status in ${HOLDING} and ends_on < $1`, [today])).rows[0]!.n;
  await copyForCeiling(db);

  const rounds: { ms: number; expired: number }[] = [];
  const pass = await timed(async () => {
    for (;;) {
      const round = await timed(() => billingPass(db, today));
      rounds.push({ ms: round.ms, expired: round.result.expired });
      if (!round.result.more) break;
    }
  });
  const expired = rounds.reduce((n, r) => n + r.expired, 0);
  const left = (await db.query<{ n: number }>(`select count(*)::int as n from billing_subscription where status in ${HOLDING} and ends_on < $1`, [today])).rows[0]!.n;
  const events = (await db.query<{ n: number }>(`select count(*)::int as n from billing_subscription_event where actor = 'system:expiry'`)).rows[0]!.n;
  const changes = (await db.query<{ n: number }>(`select count(*)::int as n from billing_entitlement_change`)).rows[0]!.n;
  if (left !== 0 || expired !== due || events !== due) throw new Error(`the pass left ${left} to expire, expired ${expired} of ${due}, wrote ${events} events`);
  const idle = await median(5, () => billingPass(db, today));

  const raw = await timed(() => ceiling(db, today));
  if (raw.result !== due) throw new Error(`the ceiling expired ${raw.result}, not ${due}`);

  console.log(`billing pass over ${count(SUBSCRIPTIONS)} subscriptions of 10 plans (generated in ${seconds(generated.ms)} s), today ${today} (${ZONE})`);
  console.log(`    to expire (last day passed):   ${count(due)}`);
  console.log(`    the pass, until nothing is left: ${seconds(pass.ms)} s in ${rounds.length} rounds (${rounds.map((r) => `${count(r.expired)} in ${seconds(r.ms)} s`).join(', ')}), ${Math.round(pass.ms / due * 1000)} µs per subscription`);
  console.log(`      wrote ${count(events)} events and ${count(changes)} entitlement change rows (identity re-syncs a product's holders per 500 of them)`);
  console.log(`    a round with nothing to expire (every minute): ${(idle).toFixed(1)} ms (median of 5)`);
  console.log(`    ceiling, raw SQL of the same rows (one update + ${count(raw.result)} event rows + one change row per product, one statement): ${seconds(raw.ms)} s`);
  console.log(`    ratio (the pass / raw): ${ratio(pass.ms, raw.ms)}`);
});
