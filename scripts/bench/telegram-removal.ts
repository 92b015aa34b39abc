/**
 * Benchmark (not a test) of the Telegram removal pass's dry run (extensions/telegram-access/
 * removals.ts dryRun), beside raw PostgreSQL in the same run.
 *   node --import tsx scripts/bench/telegram-removal.ts [--members 10000] [--lapsed-every 10]
 *   (or: npm run bench:telegram-removal)
 * 10,000 people with a proven Telegram link, each a tracked member of the chat of the product
 * they bought (5 products, 5 chats); one in 10 holds nothing today (their subscription
 * expired), so about 1,000 are listed to be removed. The dry run is timed on its first round
 * (every grant recorded for the first time) and in steady state (the median of 5: what each
 * minute's pass costs). Exemptions come from Keto in the service: a few list calls per pass
 * (staff, admins, one per group), not per member; here they are empty and not timed. The
 * ceiling is raw SQL over the same rows: one statement that anti-joins the tracked members
 * with billing_entitlement and inserts the listed rows into a copy of the removal table.
 * Starts its own embedded PostgreSQL in .data/bench and removes it at the end.
 */
import type pg from 'pg';
import { localDay } from '../../extensions/billing/days.ts';
import { recordSchoolZone } from '../../extensions/billing/pass.ts';
import { dryRun, type RemovalDeps } from '../../extensions/telegram-access/removals.ts';
import { arg, count, log, median, ratio, runBench, seconds, seedCatalog, timed } from './billing-stack.ts';

const MEMBERS = arg('members', 10_000);
const LAPSED_EVERY = arg('lapsed-every', 10);
const ZONE = 'Europe/Moscow';

async function generate(db: pg.Pool, today: string): Promise<void> {
  await db.query('insert into telegram_access_chat (chat_id, product_id) select -1000000000000 - p, p from generate_series(1, 5) p');
  await db.query(`insert into points_person (person_id, time_zone) select md5('person-' || i)::uuid, $2 from generate_series(1, $1) i`, [MEMBERS, ZONE]);
  await db.query(`insert into points_person_alias (source, external_id, person_id, proof)
    select 'telegram', (500000000 + i)::text, md5('person-' || i)::uuid, 'telegram_login' from generate_series(1, $1) i`, [MEMBERS]);
  // Plan 1 + i % 10 sells product 1 + (plan - 1) % 5; one in LAPSED_EVERY expired ten days ago.
  await db.query(`insert into billing_subscription (person_id, plan_id, product_id, kind, status, starts_on, ends_on, source)
    select md5('person-' || i)::uuid::text, 1 + i % 10, 1 + (i % 10) % 5, 'paid',
      case when i % $3 = 0 then 'expired' else 'active' end, $2::date - 20,
      case when i % $3 = 0 then $2::date - 10 else $2::date + 10 end, 'bench:' || i
    from generate_series(1, $1) i`, [MEMBERS, today, LAPSED_EVERY]);
  await db.query(`insert into telegram_access_member (chat_id, telegram_user_id, status, in_chat, joined_at, changed_at)
    select -1000000000000 - (1 + (i % 10) % 5), 500000000 + i, 'member', true, now() - interval '30 days', now() - interval '30 days'
    from generate_series(1, $1) i`, [MEMBERS]);
  await db.query('vacuum analyze billing_subscription, points_person_alias, telegram_access_member, telegram_access_chat');
}

async function ceiling(db: pg.Pool): Promise<number> {
  await db.query('create table if not exists bench_removal (like telegram_access_removal including defaults); truncate bench_removal');
  const { rowCount } = await db.query(`
    insert into bench_removal (run_id, chat_id, telegram_user_id, person_id, decision, reason, removable_from)
    select 1, m.chat_id, m.telegram_user_id, a.person_id::text, 'remove', 'holds nothing that opens this chat', now()
    from telegram_access_member m
    left join points_person_alias a on a.source = 'telegram' and a.external_id = m.telegram_user_id::text
    where m.in_chat and not exists (
      select 1 from billing_subscription s join telegram_access_chat c on c.product_id = s.product_id
      where c.chat_id = m.chat_id and s.person_id = a.person_id::text and s.status = 'active' and s.ends_on >= current_date)`);
  return rowCount ?? 0;
}

const nobodyExempt = { roleMembers: async () => [], mentorsOf: async () => [] };
const noBot = { createInvite: never, approveJoin: never, declineJoin: never, ban: never, unban: never };
function never(): never { throw new Error('a dry run calls no Bot API method'); }

await runBench('telegram-removal', { connections: 4, deadlineMs: 300_000 }, async (db) => {
  const today = localDay(new Date(), ZONE);
  await recordSchoolZone(db, ZONE);
  await seedCatalog(db);
  const generated = await timed(() => generate(db, today));
  const deps: RemovalDeps = { db, log, clock: () => new Date(), bot: noBot, privileges: nobodyExempt, graceDays: 3, mode: 'dry-run', today: () => today };
  const expected = Math.floor(MEMBERS / LAPSED_EVERY);

  const first = await timed(() => dryRun(deps));
  if (first.result.remove !== expected) throw new Error(`the dry run listed ${first.result.remove} to remove, not ${expected}`);
  const steady = await median(5, () => dryRun(deps));
  const raw = await median(5, () => ceiling(db));
  const listed = await ceiling(db);
  if (listed !== expected) throw new Error(`the ceiling listed ${listed}, not ${expected}`);

  console.log(`telegram removal dry run over ${count(MEMBERS)} tracked members of 5 chats (generated in ${seconds(generated.ms)} s), ${count(expected)} holding nothing today`);
  console.log(`    first round (every grant recorded): ${seconds(first.ms)} s`);
  console.log(`    steady state (each minute's pass, median of 5): ${(steady).toFixed(1)} ms, listing ${count(first.result.remove)} to remove`);
  console.log(`    ceiling, raw SQL (one anti-join of members with the active subscriptions + insert of the listed rows), median of 5: ${raw.toFixed(1)} ms`);
  console.log(`    ratio (steady dry run / raw): ${ratio(steady, raw)}`);
});
