/**
 * Benchmark (not a test) of Telegram Stars payments, beside raw PostgreSQL in the same run.
 *   node --import tsx scripts/bench/telegram-payments.ts [--payments 5000] [--clients 16]
 *   (or: npm run bench:telegram-payments)
 * `payments` people each have an open Telegram attempt for a plan in XTR; their
 * successful_payment updates are POSTed to the real receiver (/hooks/telegram: the secret
 * header checked, the update validated with zod, stored in the inbox) by `clients` senders
 * at once, and the real worker books each through applyProviderPayment (billing's consumer:
 * the ledger's invoice and payment, the order paid, a new subscription and its event, the
 * charge recorded). The figure is payments verified, stored and booked per second, from the
 * first POST until the last is booked; then every update is sent twice again (Telegram's
 * redeliveries: duplicates, nothing booked). Ceiling: the rows one booking writes (its inbox
 * event and job, two transfers with four entries, a subscription and its event, the charge),
 * inserted raw into copies of the tables, 1000 payments per transaction by 4 clients.
 * Starts its own embedded PostgreSQL and Redis in .data/bench and removes them at the end.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import type pg from 'pg';
import type { RequestHandler } from 'express';
import { register as registerBilling } from '../../extensions/billing/index.ts';
import { inTransaction } from '../../kernel/db.ts';
import { createBotApi } from '../../kernel/telegram-bot.ts';
import { createPlatform } from '../../service/platform.ts';
import { startEmbeddedRedis } from '../../service/stack/redis.ts';
import { arg, count, inParallel, log, rate, ratio, runBench, seconds, seedCatalog, timed } from './billing-stack.ts';
import { noGrantFiles } from './no-grant-files.ts';

const PAYMENTS = arg('payments', 5_000);
const CLIENTS = arg('clients', 16);
const SECRET = 'bench-telegram-secret';
const PLAN = 11;
const STARS = 250;

const freePort = () => new Promise<number>((resolve, reject) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as AddressInfo;
    probe.close(() => resolve(port));
  }).on('error', reject);
});

interface Payer { personId: string; attemptId: string; userId: number; chargeId: string }

async function seedAttempts(db: pg.Pool): Promise<Payer[]> {
  await seedCatalog(db);
  await db.query(`insert into billing_plan (id, product_id, title, duration, jurisdiction, currency) values ($1, 1, 'Клуб, месяц в Telegram', 'month', 'world', 'XTR')`, [PLAN]);
  await db.query(`insert into billing_price_rule (nocodb_table, row_id, plan_id, rule) values ('prices', 1000, $1, $2)`, [PLAN, JSON.stringify({ amountMinor: STARS, validFrom: '2024-01-01' })]);
  const payers = Array.from({ length: PAYMENTS }, (_, i) => ({ personId: randomUUID(), attemptId: randomUUID(), userId: 500_000_000 + i, chargeId: `stxBench${i}-${randomUUID()}` }));
  for (let b = 0; b < payers.length; b += 1000) {
    const batch = payers.slice(b, b + 1000);
    const orders = batch.map(() => randomUUID());
    await inTransaction(db, async (tx) => {
      await tx.query(`insert into billing_order (id, person_id, plan_id, amount_minor, currency, status) select o, p, $3, $4, 'XTR', 'open' from unnest($1::uuid[], $2::text[]) as t(o, p)`,
        [orders, batch.map((p) => p.personId), PLAN, STARS]);
      await tx.query(`insert into billing_attempt (id, order_id, provider, status, pay_url) select a, o, 'telegram', 'created', 'https://t.me/$bench' from unnest($1::uuid[], $2::uuid[]) as t(a, o)`,
        [batch.map((p) => p.attemptId), orders]);
    });
  }
  return payers;
}

const update = (p: Payer, n: number) => ({
  update_id: 854_000_000 + n,
  message: {
    message_id: 1000 + n, from: { id: p.userId, is_bot: false, first_name: 'Payer', language_code: 'ru' }, chat: { id: p.userId, first_name: 'Payer', type: 'private' },
    date: Math.floor(Date.now() / 1000),
    successful_payment: { currency: 'XTR', total_amount: STARS, invoice_payload: p.attemptId, telegram_payment_charge_id: p.chargeId, provider_payment_charge_id: '' },
  },
});

async function send(url: string, payers: Payer[]): Promise<void> {
  await inParallel(payers.length, CLIENTS, async (i) => {
    const res = await fetch(url, { method: 'POST', body: JSON.stringify(update(payers[i]!, i)), headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET } });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`the receiver answered ${res.status}`);
  });
}

async function booked(db: pg.Pool): Promise<number> {
  return (await db.query<{ n: number }>(`select count(*)::int as n from billing_transfer where kind = 'payment' and id like 'payment:telegram:%'`)).rows[0]!.n;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The rows one booking writes, raw, into copies of the tables: 1000 payments per transaction, 4 clients. */
async function rawCeiling(db: pg.Pool, payers: Payer[]): Promise<number> {
  await db.query(`create table bench_event (like inbox_event including all); create table bench_job (like inbox_job including all);
    create table bench_transfer (like billing_transfer including all); create table bench_entry (like billing_entry including all);
    create table bench_subscription (like billing_subscription including all); create table bench_subscription_event (like billing_subscription_event including all);
    create table bench_charge (like billing_telegram_charge including all)`);
  const { ms } = await timed(() => inParallel(Math.ceil(payers.length / 1000), 4, async (b) => {
    const batch = payers.slice(b * 1000, (b + 1) * 1000);
    const charge = batch.map((p) => p.chargeId);
    const people = batch.map((p) => p.personId);
    await inTransaction(db, async (tx) => {
      const events = await tx.query<{ id: string }>(`insert into bench_event (source, delivery_id, topic, payload)
        select 'telegram', 'payment:' || c, 'telegram.successful_payment', u from unnest($1::text[], $2::jsonb[]) as t(c, u) on conflict do nothing returning id`,
      [charge, batch.map((p, i) => JSON.stringify(update(p, i).message))]);
      await tx.query(`insert into bench_job (event_id, consumer, status) select e, 'billing.telegram_payments', 'done' from unnest($1::bigint[]) e`, [events.rows.map((r) => r.id)]);
      await tx.query(`insert into bench_transfer (id, kind, occurred_at, person_id, memo)
        select k || ':telegram:' || c, k, now(), p, '{"provider":"telegram"}' from unnest($1::text[], $2::text[]) as t(c, p), unnest(array['invoice', 'payment']) k`, [charge, people]);
      await tx.query(`insert into bench_entry (transfer_id, account, currency, amount_minor)
        select k || ':telegram:' || c, a, 'XTR', v from unnest($1::text[], $2::text[]) as t(c, p),
          lateral (values ('invoice', 'person:' || p || ':receivable', ${STARS}), ('invoice', 'revenue:1', -${STARS}),
                          ('payment', 'provider:telegram:XTR', ${STARS}), ('payment', 'person:' || p || ':receivable', -${STARS})) as e(k, a, v)`, [charge, people]);
      const subs = await tx.query<{ id: string }>(`insert into bench_subscription (person_id, plan_id, product_id, kind, status, starts_on, ends_on, price_minor, currency, source)
        select p, ${PLAN}, 1, 'paid', 'active', current_date, current_date + 30, ${STARS}, 'XTR', 'paid:' || p || ':${PLAN}' from unnest($1::text[]) p returning id`, [people]);
      await tx.query(`insert into bench_subscription_event (subscription_id, status, starts_on, ends_on, cause, actor, key)
        select s, 'active', current_date, current_date + 30, 'bought', 'payment:telegram', 'payment:telegram:' || s from unnest($1::bigint[]) s`, [subs.rows.map((r) => r.id)]);
      await tx.query(`insert into bench_charge (charge_id, attempt_id, telegram_user_id, amount_minor, currency, paid_at)
        select c, a, u, ${STARS}, 'XTR', now() from unnest($1::text[], $2::uuid[], $3::bigint[]) as t(c, a, u)`, [charge, batch.map((p) => p.attemptId), batch.map((p) => p.userId)]);
    });
  }));
  return ms;
}

await runBench('telegram-payments', { connections: 12, deadlineMs: 900_000 }, async (db) => {
  const redisDir = path.resolve(import.meta.dirname, '../../.data/bench', `telegram-payments-redis-${process.pid}`);
  const redis = await startEmbeddedRedis({ dir: redisDir, port: await freePort(), log });
  const payers = await seedAttempts(db);
  const pass: RequestHandler = (_req, _res, next) => next();
  const billing = registerBilling({
    db, log, clock: () => new Date(), guard: () => pass, signedIn: pass, nocodb: {} as never, links: {} as never, timeZone: 'Europe/Moscow', publicUrl: 'http://127.0.0.1',
    // The bot is never called by the payments consumer: a payment is booked from the update alone.
    telegram: { bot: createBotApi({ apiUrl: 'http://127.0.0.1:9', botToken: '1:bench' }), personOf: async () => null, linkUrl: 'http://127.0.0.1/account/telegram' },
    // Grant files and seats are not part of this benchmark: nothing here calls them.
    ...noGrantFiles,
  });
  const platform = createPlatform({
    db, redisUrl: redis.url, log, secrets: { nocodb: 'x'.repeat(32), kratos: 'x'.repeat(32), discourse: 'bench-discourse', collector: 'x'.repeat(32), telegram: SECRET },
    capabilities: [billing], tableById: () => undefined, health: {}, staffGuard: pass, inboxStaleSeconds: 120, maxAttempts: 8, concurrency: 4,
  });
  const server = http.createServer(platform.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/telegram`;
  try {
    let sendMs = 0;
    const { ms: ours } = await timed(async () => {
      sendMs = (await timed(() => send(url, payers))).ms;
      await until('every payment booked', async () => (await booked(db)) >= PAYMENTS);
    });
    const { ms: repeatMs } = await timed(async () => { await send(url, payers); await send(url, payers); });
    await new Promise((r) => setTimeout(r, 1000));
    const after = await booked(db);
    const subscriptions = (await db.query<{ n: number }>(`select count(*)::int as n from billing_subscription where plan_id = $1 and status = 'active'`, [PLAN])).rows[0]!.n;
    if (after !== PAYMENTS || subscriptions !== PAYMENTS) throw new Error(`booked ${after} payments and ${subscriptions} subscriptions for ${PAYMENTS}`);
    const raw = await rawCeiling(db, payers);
    console.log(`telegram payments: ${count(PAYMENTS)} successful_payment updates, each a new payer of a Stars plan, ${CLIENTS} senders, 4 workers`);
    console.log(`    ceiling, the same rows raw (inbox event + job, 2 transfers, 4 entries, subscription + event, charge; 1000 per transaction, 4 clients): ${seconds(raw)} s, ${rate(PAYMENTS, raw)} payments/s`);
    console.log(`    verified + stored + booked (first receipt to last booking): ${seconds(ours)} s, ${rate(PAYMENTS, ours)} payments/s; ratio (ours / raw) ${ratio(ours, raw)}`);
    console.log(`      of which the receiver acknowledged all in ${seconds(sendMs)} s (${rate(PAYMENTS, sendMs)} updates/s)`);
    console.log(`    every update twice again (Telegram's redeliveries): ${seconds(repeatMs)} s, ${rate(2 * PAYMENTS, repeatMs)} updates/s acknowledged, nothing booked`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await platform.stop();
    await redis.stop();
    await rm(redisDir, { recursive: true, force: true });
  }
});
