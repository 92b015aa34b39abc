/**
 * Benchmark (not a test) of the reminders before a subscription's end (queueReminders,
 * extensions/billing/notices-store.ts, run by the billing pass), beside raw PostgreSQL in
 * the same run.
 *   node --import tsx scripts/bench/billing-reminders.ts [--subscriptions 100000] [--days 7,1]
 *   (or: npm run bench:billing-reminders)
 * 100,000 subscriptions of 10 plans, most holding and ending within a year (so about 2% end
 * within 7 days), some ended, cancelled, open-ended, of fixed dates or not started. The
 * reminders are queued until the pass says nothing is left (1000 per round), then a round
 * with nothing new is timed (what each minute's pass costs once the day's reminders are
 * written). The ceiling is raw SQL on copies of the same tables (same indexes): the same
 * rows written by one insert from the window of last days, without the idempotency check;
 * and, for the idle round, one read of that window.
 * Starts its own embedded PostgreSQL in .data/bench and removes it at the end.
 */
import type pg from 'pg';
import { localDay } from '../../extensions/billing/days.ts';
import { queueReminders } from '../../extensions/billing/notices-store.ts';
import { recordSchoolZone } from '../../extensions/billing/pass.ts';
import { inTransaction } from '../../kernel/db.ts';
import { arg, count, median, ratio, runBench, seconds, seedCatalog, timed } from './billing-stack.ts';

const SUBSCRIPTIONS = arg('subscriptions', 100_000);
const DAYS_ARG = process.argv.indexOf('--days');
const OFFSETS = (DAYS_ARG > 0 ? process.argv[DAYS_ARG + 1]! : '7,1').split(',').map(Number).sort((a, b) => b - a);
const ZONE = 'Europe/Moscow';
const BATCH = 1000;

async function generate(db: pg.Pool, today: string): Promise<void> {
  // Plan 9 is a seminar (fixed dates): never reminded.
  await db.query(`update billing_plan set duration = 'fixed dates', starts_on = $1::date - 10, ends_on = $1::date + 3 where id = 9`, [today]);
  await db.query(`
    insert into billing_subscription (person_id, plan_id, product_id, kind, status, starts_on, ends_on, price_minor, currency, source, created_at)
    select md5('person-' || i)::uuid::text, plan, 1 + (plan - 1) % 5,
      case when fate = 7 then 'free' when fate = 8 then 'corporate' else 'paid' end,
      case when fate = 1 then 'expired' when fate = 2 then 'cancelled' when fate = 6 then 'past_due' else 'active' end,
      case when fate = 3 then $1::date + 40 else least(coalesce(ends - 29, $1::date - 5), $1::date - 1) end, ends, 100000, 'RUB', 'bench:' || i, now()
    from (
      select i, 1 + i % 10 as plan, i % 30 as fate,
        case
          when i % 30 = 3 then $1::date + 40 + i % 10    -- starts in a few weeks (its starts_on is after today)
          when i % 30 = 4 then null                      -- open-ended
          else $1::date + (i % 365) - 2                  -- ends within a year (a few just ended)
        end as ends
      from generate_series(1, $2) i
    ) a`, [today, SUBSCRIPTIONS]);
  await db.query('vacuum analyze billing_subscription, billing_plan');
}

async function copyForCeiling(db: pg.Pool): Promise<void> {
  await db.query(`create table bench_subscription (like billing_subscription including all);
    create table bench_notice (like billing_notice including all)`);
  await db.query('insert into bench_subscription select * from billing_subscription');
  await db.query('vacuum analyze bench_subscription');
}

/** The same rows, written the plainest way PostgreSQL can: one insert from the window, no check of what was sent. */
async function ceiling(db: pg.Pool, today: string): Promise<number> {
  const { rowCount } = await db.query(`
    insert into bench_notice (key, kind, person_id, subscription_id, ends_on, days_before)
    select 'remind:' || s.id || ':' || s.ends_on || ':' || o.n, 'reminder', s.person_id, s.id, s.ends_on, o.n
    from bench_subscription s join billing_plan pl on pl.id = s.plan_id
    cross join lateral (select min(n) as n from unnest($2::int[]) n where n >= s.ends_on - $1::date) o
    where s.status in ('trial', 'active', 'past_due') and s.ends_on between $1::date and $1::date + $3::int
      and s.starts_on <= $1::date and pl.duration <> 'fixed dates'`, [today, OFFSETS, Math.max(...OFFSETS)]);
  return rowCount ?? 0;
}

await runBench('billing-reminders', { connections: 4, deadlineMs: 300_000 }, async (db) => {
  const today = localDay(new Date(), ZONE);
  await recordSchoolZone(db, ZONE);
  await seedCatalog(db);
  const generated = await timed(() => generate(db, today));
  await copyForCeiling(db);

  const rounds: { ms: number; n: number }[] = [];
  const all = await timed(async () => {
    for (;;) {
      const round = await timed(() => inTransaction(db, (tx) => queueReminders(tx, today, OFFSETS, BATCH)));
      rounds.push({ ms: round.ms, n: round.result });
      if (round.result < BATCH) break;
    }
  });
  const queued = rounds.reduce((n, r) => n + r.n, 0);
  const idle = await median(5, () => inTransaction(db, (tx) => queueReminders(tx, today, OFFSETS, BATCH)));
  const written = (await db.query<{ n: number }>(`select count(*)::int as n from billing_notice where kind = 'reminder'`)).rows[0]!.n;

  const raw = await timed(() => ceiling(db, today));
  if (raw.result !== queued || written !== queued) throw new Error(`the pass queued ${queued} (${written} rows), the ceiling ${raw.result}`);
  const rawIdle = await median(5, () => db.query(`select count(*) from bench_subscription where status in ('trial', 'active', 'past_due')
    and ends_on between $1::date and $1::date + $2::int`, [today, Math.max(...OFFSETS)]));

  console.log(`billing reminders over ${count(SUBSCRIPTIONS)} subscriptions of 10 plans (generated in ${seconds(generated.ms)} s), ${OFFSETS.join(' and ')} days before the end, today ${today} (${ZONE})`);
  console.log(`    reminders queued (one per subscription, last day and offset): ${count(queued)} in ${seconds(all.ms)} s, ${rounds.length} round(s) (${rounds.map((r) => `${count(r.n)} in ${(r.ms).toFixed(0)} ms`).join(', ')})`);
  console.log(`    ceiling, raw SQL writing the same rows (one insert, no idempotency check): ${(raw.ms).toFixed(0)} ms`);
  console.log(`    ratio (queueing / raw): ${ratio(all.ms, raw.ms)}`);
  console.log(`    a round with nothing new (every minute's pass): ${idle.toFixed(1)} ms (median of 5); raw read of the window: ${rawIdle.toFixed(1)} ms; ratio ${ratio(idle, rawIdle)}`);
});
