/**
 * Benchmark (not a test): Stripe's signed events through the whole path, beside raw PostgreSQL
 * in the same run.
 *   node --import tsx scripts/bench/stripe-events.ts [--events 2000] [--clients 16]
 *   (or: npm run bench:stripe)
 * `events` Checkout Sessions are made at the local Stripe (test/support/stripe-server.ts) by
 * the real provider and paid there; their `checkout.session.completed` events are then
 * delivered, signed, `clients` at a time, to /hooks/stripe of the real platform (express,
 * inbox, bull workers on Redis) with billing registered: each is verified (constructEvent),
 * stored, and booked by the Stripe consumer, which reads the session again from the local
 * Stripe (one HTTP call, the payment intent, charge and balance transaction expanded) and
 * books it (the attempt, the order, an invoice, the payment, the fee, the period). Figure:
 * events from the first delivery to the last booking, per second. Then every event once more
 * (Stripe's retries): acknowledged as duplicates, nothing booked twice.
 * Ceiling: the same rows inserted raw (the inbox event with its payload, three transfers and
 * six entries per payment) into copies of the tables, 1000 payments per transaction, 4
 * clients. Starts its own PostgreSQL and Redis in .data/bench and removes them.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import type { RequestHandler } from 'express';
import { register as registerBilling, stripeGateway } from '../../extensions/billing/index.ts';
import type { NocoRows } from '../../nocodb/client.ts';
import type { NocoLinks } from '../../nocodb/links.ts';
import { createPool } from '../../kernel/db.ts';
import { createPlatform } from '../../service/platform.ts';
import { startEmbeddedRedis } from '../../service/stack/redis.ts';
import { startStripeServer, type StripeEventOut } from '../../test/support/stripe-server.ts';
import { arg, count, inParallel, log, rate, ratio, runBench, seconds, seedCatalog, timed } from './billing-stack.ts';
import { noGrantFiles } from './no-grant-files.ts';

const EVENTS = arg('events', 2000);
const CLIENTS = arg('clients', 16);
const SECRET_KEY = 'sk_test_bench_0123456789';
const WEBHOOK_SECRET = 'whsec_bench_0123456789';
const PLAN = 10; // seedCatalog's world plan, in USD

async function rawCeiling(db: pg.Pool, events: StripeEventOut[]): Promise<number> {
  await db.query(`create table bench_event (like inbox_event including all);
    create table bench_transfer (like billing_transfer including all);
    create table bench_entry (like billing_entry including all)`);
  const per = 1000;
  const { ms } = await timed(() => inParallel(Math.ceil(events.length / per), 4, async (b) => {
    const batch = events.slice(b * per, (b + 1) * per);
    const client = await db.connect();
    try {
      await client.query('begin');
      await client.query(`insert into bench_event (source, delivery_id, topic, payload)
        select 'stripe', d, 'stripe.event', p from unnest($1::text[], $2::jsonb[]) as t(d, p) on conflict (source, delivery_id) do nothing`,
      [batch.map((e) => e.id), batch.map((e) => JSON.stringify(e.body))]);
      const ids = batch.flatMap((e) => ['invoice', 'payment', 'fee'].map((k) => `${k}:stripe:${e.body.data.object.id}`));
      await client.query(`insert into bench_transfer (id, kind, occurred_at, person_id, memo)
        select i, split_part(i, ':', 1), now(), 'person', '{}'::jsonb from unnest($1::text[]) as t(i)`, [ids]);
      await client.query(`insert into bench_entry (transfer_id, account, currency, amount_minor)
        select i, a, 'USD', m from unnest($1::text[]) as t(i), (values ('a', 110000), ('b', -110000)) as e(a, m)`, [ids]);
      await client.query('commit');
    } finally {
      client.release();
    }
  }));
  return events.length / (ms / 1000);
}

const allow: RequestHandler = (_req, _res, next) => next();

await runBench('stripe-events', { connections: 24, deadlineMs: 900_000 }, async (db) => {
  await seedCatalog(db);
  const dir = path.resolve(import.meta.dirname, '../../.data/bench', `stripe-redis-${process.pid}`);
  const redis = await startEmbeddedRedis({ dir, port: 47000 + (process.pid % 1000), log });
  const outsideDb = createPool((db.options as { connectionString: string }).connectionString, 12);
  let hookUrl = '';
  const stripe = await startStripeServer({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, webhookUrl: () => hookUrl });
  const account = { secretKey: SECRET_KEY, apiUrl: stripe.url, currencies: ['USD'], timeoutMs: 10_000 };
  const billing = registerBilling({
    db, log, clock: () => new Date(), guard: () => allow, signedIn: allow, nocodb: {} as NocoRows, links: {} as NocoLinks,
    timeZone: 'Europe/Moscow', publicUrl: 'http://127.0.0.1:3000', stripe: account,
    // Grant files and seats are not part of this benchmark: nothing here calls them.
    ...noGrantFiles,
  });
  const platform = createPlatform({
    db, outsideDb, redisUrl: redis.url, log, capabilities: [billing], tableById: () => undefined, health: {}, staffGuard: allow,
    secrets: { nocodb: 'x'.repeat(32), kratos: 'x'.repeat(32), discourse: 'x'.repeat(16), collector: 'x'.repeat(32), telegram: 'x'.repeat(16) },
    stripe: { webhookSecret: WEBHOOK_SECRET, toleranceSeconds: 300 }, inboxStaleSeconds: 120, maxAttempts: 5, concurrency: 8,
  });
  const server = http.createServer(platform.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/stripe`;
  try {
    // Orders and attempts as checkout writes them, each with its session at Stripe, paid.
    const gateway = stripeGateway(account);
    const events: StripeEventOut[] = new Array(EVENTS);
    const prepared = await timed(() => inParallel(EVENTS, 8, async (i) => {
      const orderId = randomUUID();
      const attemptId = randomUUID();
      await db.query(`insert into billing_order (id, person_id, plan_id, amount_minor, currency, status) values ($1, $2, $3, 110000, 'USD', 'open')`, [orderId, randomUUID(), PLAN]);
      await db.query(`insert into billing_attempt (id, order_id, provider, status) values ($1, $2, 'stripe', 'created')`, [attemptId, orderId]);
      const started = await gateway.provider.start({ attemptId, orderId, personId: 'p', planId: PLAN, amountMinor: 110000, currency: 'USD', description: 'Plan 10', returnUrl: 'http://127.0.0.1:3000/billing/orders/x', locale: 'en' });
      const paid = await stripe.pay(started.providerPaymentId!, { deliver: false });
      events[i] = paid.find((e) => e.type === 'checkout.session.completed')!;
    }));
    const booked = async () => Number((await db.query(`select count(*) as n from billing_transfer where kind = 'payment'`)).rows[0].n);
    let refused = 0;
    const start = performance.now();
    const run = await timed(async () => {
      await inParallel(EVENTS, CLIENTS, async (i) => { if ((await stripe.deliver(events[i]!)).status !== 202) refused++; });
      const acked = performance.now();
      while ((await booked()) < EVENTS) await new Promise((r) => setTimeout(r, 50));
      return acked;
    });
    const ackMs = run.result - start;
    const again = await timed(() => inParallel(EVENTS, CLIENTS, async (i) => { if ((await stripe.deliver(events[i]!)).status !== 202) refused++; }));
    await new Promise((r) => setTimeout(r, 1000));
    const after = await booked();
    const ceiling = await rawCeiling(db, events);
    const ours = EVENTS / (run.ms / 1000);
    console.log(`
Stripe events, ${count(EVENTS)} checkout.session.completed, ${CLIENTS} senders (sessions made and paid at the local Stripe in ${seconds(prepared.ms)} s)
  verified + stored + booked (one session read from Stripe each)   ${rate(EVENTS, run.ms)} events/s   (${seconds(run.ms)} s; acknowledged in ${seconds(ackMs)} s)
  every event again (Stripe's retries): duplicates                  ${rate(EVENTS, again.ms)} events/s; payments booked ${count(after)} of ${count(EVENTS)}, refused ${refused}
  raw PostgreSQL ceiling (the same rows, 1000 per transaction)      ${count(ceiling)} events/s
  the ceiling over ours                                            ${ratio(ceiling, ours)}`);
    if (after !== EVENTS || refused) throw new Error(`booked ${after} of ${EVENTS}, ${refused} deliveries refused`);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    await platform.stop();
    await stripe.close();
    await outsideDb.end();
    await redis.stop();
  }
});
