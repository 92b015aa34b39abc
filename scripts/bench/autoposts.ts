/**
 * Benchmark (not a test) of the autoposts' bookkeeping, beside raw PostgreSQL in the same run.
 *   node --import tsx scripts/bench/autoposts.ts [--chats 10000]   (or: npm run bench:autoposts)
 * One post to 10,000 chats:
 *   expand: the deliveries planned (plan.ts: the template rendered per chat) and recorded
 *     with the post's move to sending (startSending: one transaction, one insert);
 *     ceiling: the same rows inserted raw into a copy of autopost_delivery (same indexes).
 *   record: each delivery taken, "sent" and marked (sendDue: claim, the Bot API call, mark
 *     sent, one after another as the sender does) with a Bot API that answers at once in
 *     process and limits that never wait, so the figure is our own cost per send;
 *     ceiling: the same two single-row updates per delivery, raw, one after another.
 * Telegram itself allows 30 sends a second: both figures are to be read against that.
 * Starts its own embedded PostgreSQL in .data/bench and removes it at the end.
 */
import type pg from 'pg';
import { planDeliveries } from '../../extensions/autoposts/plan.ts';
import { startSending } from '../../extensions/autoposts/posts-store.ts';
import { sendDue } from '../../extensions/autoposts/sender.ts';
import type { ChatTarget } from '../../extensions/autoposts/targets.ts';
import { inTransaction } from '../../kernel/db.ts';
import type { BotApi } from '../../kernel/telegram-bot.ts';
import { arg, count, log, rate, ratio, runBench, seconds, timed } from './billing-stack.ts';

const CHATS = arg('chats', 10_000);
const TEXT = 'Здравствуйте, {{group}}! Поток «{{stream}}»: занятие сегодня, {{date}}. Ссылка на комнату придёт за час до начала.';

const targets = (n: number): ChatTarget[] => Array.from({ length: n }, (_, i) => ({
  chat: `-100${String(1_000_000_000 + i)}`, kind: 'group', title: `Группа ${i + 1}`, vars: { group: `Группа ${i + 1}`, stream: 'Весна-2026', product: '' },
}));

async function expand(db: pg.Pool, postId: number, now: Date): Promise<number> {
  const plan = planDeliveries({ template: { text: TEXT, language: 'ru' }, targets: { chats: targets(CHATS), noChat: [] }, at: now, timeZone: 'Europe/Moscow', lang: 'ru' });
  if (!plan.ok) throw new Error(plan.reason);
  await inTransaction(db, (tx) => startSending(tx, postId, plan.deliveries, [], now));
  return plan.deliveries.length;
}

async function rawInsert(db: pg.Pool, postId: number, now: Date): Promise<void> {
  const chats = targets(CHATS);
  await db.query(`insert into bench_delivery (post_id, chat, target, body, status, next_attempt_at)
    select $1, d.chat, d.target, d.body, 'pending', $2 from unnest($3::text[], $4::text[], $5::text[]) as d(chat, target, body)
    on conflict (post_id, chat) do nothing`, [postId, now, chats.map((c) => c.chat), chats.map((c) => `группа «${c.title}»`), chats.map((c) => `Здравствуйте, ${c.title}!`)]);
}

async function rawRecord(db: pg.Pool, postId: number, now: Date): Promise<void> {
  const { rows } = await db.query<{ id: string }>('select id from bench_delivery where post_id = $1 order by id', [postId]);
  for (const [i, r] of rows.entries()) {
    await db.query(`update bench_delivery set status = 'sending', attempts = attempts + 1, attempted_at = $2, lease_until = $2 where id = $1 and status = 'pending'`, [r.id, now]);
    await db.query(`update bench_delivery set status = 'sent', message_id = $2, sent_at = $3, lease_until = null where id = $1`, [r.id, i + 1, now]);
  }
}

await runBench('autoposts', { connections: 4, deadlineMs: 600_000 }, async (db) => {
  await db.query(`insert into autopost (id, title, send_at) values (1, 'bench', now()), (2, 'raw', now())`);
  await db.query('create table bench_delivery (like autopost_delivery including all)');
  const now = new Date();

  const ours = await timed(() => expand(db, 1, now));
  const raw = await timed(() => rawInsert(db, 2, now));
  const again = await timed(() => inTransaction(db, (tx) => startSending(tx, 1, [{ chat: '-1001000000000', target: 'x', body: 'x', error: null }], [], now)));
  if (again.result) throw new Error('a post already sending was expanded again');

  let messageId = 0;
  const bot: BotApi = { call: async () => ({ message_id: ++messageId, chat: { id: 0 }, date: 0 }) as never };
  const unlimited = { perChat: { count: 1e9, windowMs: 60_000 }, overall: { count: 1e9, windowMs: 1_000 } };
  const record = await timed(() => sendDue({
    db, log, clock: () => new Date(), bot, limits: unlimited, sleep: async () => {}, stopping: () => false, leaseMs: 120_000, maxAttempts: 5, backoffMs: 5_000,
  }, 500));
  const sent = (await db.query<{ n: number }>(`select count(*)::int as n from autopost_delivery where post_id = 1 and status = 'sent'`)).rows[0]!.n;
  if (record.result.sent !== CHATS || sent !== CHATS) throw new Error(`sent ${record.result.sent}, recorded ${sent}, of ${CHATS}`);
  const rawRec = await timed(() => rawRecord(db, 2, now));

  console.log(`autoposts: one post to ${count(CHATS)} chats`);
  console.log(`    expand (render per chat + record the deliveries, one transaction): ${seconds(ours.ms)} s, ${rate(CHATS, ours.ms)} deliveries/s`);
  console.log(`      ceiling, the same rows inserted raw (unnest, one statement):   ${seconds(raw.ms)} s, ${rate(CHATS, raw.ms)} rows/s`);
  console.log(`      ratio (ours / raw): ${ratio(ours.ms, raw.ms)}; a second expansion of the same post: ${again.ms.toFixed(1)} ms, nothing written`);
  console.log(`    record (claim, instant in-process Bot API, mark sent; one by one): ${seconds(record.ms)} s, ${rate(CHATS, record.ms)} sends/s`);
  console.log(`      ceiling, the same two single-row updates raw, one by one:       ${seconds(rawRec.ms)} s, ${rate(CHATS, rawRec.ms)} sends/s`);
  console.log(`      ratio (ours / raw): ${ratio(record.ms, rawRec.ms)}; Telegram allows 30 sends/s, so the bookkeeping is ${(CHATS / (record.ms / 1000) / 30).toFixed(0)}x that`);
});
