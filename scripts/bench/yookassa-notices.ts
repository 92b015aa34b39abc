/**
 * Benchmark (not a test) of YooKassa's payments (issue 14), against the local YooKassa of
 * the tests (test/support/yookassa-server.ts), beside raw PostgreSQL in the same run.
 *   node --import tsx scripts/bench/yookassa-notices.ts [--notices 5000] [--attempts 10000] [--clients 4]
 *   (or: npm run bench:yookassa)
 * 1. Notices verified and booked: `--notices` payment.succeeded notifications, each checked
 *    as the receiver does (the sender's network, the payload's schema) and handled by the
 *    consumer as the worker does, one per transaction, `--clients` at a time: the payment
 *    re-read from YooKassa by its id, then booked (applyProviderPayment: the order, the
 *    invoice, the payment, the fee, the paid period). Then the same notices again (YooKassa
 *    repeating them: re-read, nothing booked). The inbox and bull around it are
 *    bench:webhooks' figure. Ceiling: the same payments' ledger rows (3 transfers, 6 entries)
 *    inserted raw, one payment per transaction, as many clients.
 * 2. The reconciliation pass over `--attempts` open attempts whose payments YooKassa has
 *    (half succeeded, a quarter pending, a quarter canceled): reconcileAttempts, as the loop
 *    runs it, one attempt after another. Ceilings: the same number of GETs of the local
 *    YooKassa alone, one after another, and as many single-row updates in raw PostgreSQL.
 * Starts its own embedded PostgreSQL in .data/bench and removes it at the end.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { yookassaClient, yookassaProvider } from '../../extensions/billing/index.ts';
import { reconcileAttempts } from '../../extensions/billing/reconcile.ts';
import { yookassaConsumer } from '../../extensions/billing/yookassa-consumer.ts';
import { inTransaction } from '../../kernel/db.ts';
import { networks } from '../../kernel/networks.ts';
import type { NocoRows } from '../../nocodb/client.ts';
import { YOOKASSA_NETWORKS, yookassaNotification } from '../../schemas/events/yookassa.ts';
import { startYookassaServer } from '../../test/support/yookassa-server.ts';
import { arg, count, inParallel, log, rate, ratio, runBench, seconds, seedCatalog, timed } from './billing-stack.ts';

const NOTICES = arg('notices', 5_000);
const ATTEMPTS = arg('attempts', 10_000);
const CLIENTS = arg('clients', 4);
const PRICE = 101_000; // plan 1 of seedCatalog
const value = (minor: number) => `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;

// Payment notices touch no NocoDB row; a call would be a bug of the bench.
const noNocodb = new Proxy({}, { get: () => () => { throw new Error('the payments path does not call NocoDB'); } }) as NocoRows;

/** `n` open orders of plan 1 with one attempt each (distinct people: one open order per person and plan). */
async function seedAttempts(db: pg.Pool, prefix: string, n: number): Promise<{ attempt: string; order: string }[]> {
  const { rows } = await db.query<{ attempt: string; order: string }>(
    `with o as (
       insert into billing_order (id, person_id, plan_id, amount_minor, currency, status)
       select gen_random_uuid(), $1 || g, 1, $2, 'RUB', 'open' from generate_series(1, $3) g returning id
     )
     insert into billing_attempt (id, order_id, provider, status, pay_url, created_at, updated_at)
     select gen_random_uuid(), o.id, 'yookassa', 'created', 'https://yoomoney.ru/checkout', now() - interval '5 minutes', now() - interval '5 minutes' from o
     returning id as attempt, order_id as "order"`, [prefix, PRICE, n]);
  return rows;
}

/** The payments as YooKassa holds them, put straight into the local server. */
function paymentAt(yk: Awaited<ReturnType<typeof startYookassaServer>>, a: { attempt: string; order: string }, status: 'succeeded' | 'pending' | 'canceled'): string {
  const id = randomUUID().replace(/^(.{8})-.{4}-.{4}/, '$1-000f-5000');
  const at = new Date().toISOString();
  yk.payments.set(id, {
    id, status, paid: status === 'succeeded', amount: { value: value(PRICE), currency: 'RUB' }, created_at: at, description: 'Plan 1',
    metadata: { attempt_id: a.attempt, order_id: a.order }, recipient: { account_id: '123456', gateway_id: '100700' }, test: true, capture: true,
    ...(status === 'succeeded' ? { captured_at: at, income_amount: { value: value(PRICE - 3535), currency: 'RUB' }, refunded_amount: { value: '0.00', currency: 'RUB' } } : {}),
    ...(status === 'pending' ? { confirmation: { type: 'redirect', confirmation_url: `https://yoomoney.ru/checkout/${id}` } } : {}),
    ...(status === 'canceled' ? { cancellation_details: { party: 'yoo_money', reason: 'expired_on_confirmation' } } : {}),
  });
  return id;
}

await runBench('yookassa-notices', { connections: CLIENTS + 2, deadlineMs: 900_000 }, async (db) => {
  await seedCatalog(db);
  const yk = await startYookassaServer({ shopId: '123456', secretKey: 'bench-secret-key', notificationUrl: () => 'http://127.0.0.1:9/unused' });
  try {
    const client = yookassaClient({ shopId: '123456', secretKey: 'bench-secret-key', apiUrl: yk.apiUrl });
    const consumer = yookassaConsumer({ client, nocodb: noNocodb, clock: () => new Date(), timeZone: 'Europe/Moscow' });
    const allowed = networks(YOOKASSA_NETWORKS);

    // 1. Notices.
    const attempts = await seedAttempts(db, 'notice-', NOTICES);
    const bodies = attempts.map((a) => { const id = paymentAt(yk, a, 'succeeded'); return { type: 'notification', event: 'payment.succeeded', object: yk.payments.get(id)! }; });
    const handle = async (i: number) => {
      if (!allowed.has('185.71.76.5')) throw new Error('the sender is not YooKassa');
      const n = yookassaNotification.parse(bodies[i]);
      await inTransaction(db, (tx) => consumer.handle({ id: String(i), source: 'yookassa', deliveryId: `${n.event}:${n.object.id}`, topic: 'yookassa.notification', payload: n, receivedAt: new Date() }, { tx, log }));
    };
    const booked = await timed(() => inParallel(NOTICES, CLIENTS, handle));
    const repeated = await timed(() => inParallel(NOTICES, CLIENTS, handle));
    const transfers = Number((await db.query(`select count(*) from billing_transfer where id like 'payment:yookassa:%'`)).rows[0].count);
    if (transfers !== NOTICES) throw new Error(`${transfers} payments booked of ${NOTICES}`);

    await db.query(`create table bench_transfer (like billing_transfer including all); create table bench_entry (like billing_entry including all)`);
    const raw = await timed(() => inParallel(NOTICES, CLIENTS, async (i) => {
      const id = `p${i}`;
      await inTransaction(db, async (tx) => {
        await tx.query(`insert into bench_transfer (id, kind, occurred_at, person_id, memo) values
          ('invoice:' || $1, 'invoice', now(), $2, '{}'), ('payment:' || $1, 'payment', now(), $2, '{}'), ('fee:' || $1, 'fee', now(), $2, '{}') on conflict do nothing`, [id, `notice-${i}`]);
        await tx.query(`insert into bench_entry (transfer_id, account, currency, amount_minor) values
          ('invoice:' || $1, 'receivable', 'RUB', $2), ('invoice:' || $1, 'revenue:1', 'RUB', -$2::bigint),
          ('payment:' || $1, 'provider:yookassa:RUB', 'RUB', $2), ('payment:' || $1, 'receivable', 'RUB', -$2::bigint),
          ('fee:' || $1, 'expense:fees', 'RUB', 3535), ('fee:' || $1, 'provider:yookassa:RUB', 'RUB', -3535)`, [id, PRICE]);
      });
    }));
    console.log(`notices verified and booked (${count(NOTICES)}, ${CLIENTS} clients): ${rate(NOTICES, booked.ms)}/s in ${seconds(booked.ms)} s`);
    console.log(`  the same notices again (re-read, nothing booked): ${rate(NOTICES, repeated.ms)}/s`);
    console.log(`  raw PostgreSQL, the same ledger rows one payment per transaction: ${rate(NOTICES, raw.ms)}/s; ours costs ${ratio(booked.ms, raw.ms)} of it`);

    // 2. The reconciliation pass.
    const open = await seedAttempts(db, 'open-', ATTEMPTS);
    const ids = open.map((a, i) => {
      const id = paymentAt(yk, a, i % 2 === 0 ? 'succeeded' : i % 4 === 1 ? 'pending' : 'canceled');
      return { attempt: a.attempt, id };
    });
    await db.query(`update billing_attempt a set provider_payment_id = x.id from unnest($1::uuid[], $2::text[]) as x(attempt, id) where a.id = x.attempt`,
      [ids.map((x) => x.attempt), ids.map((x) => x.id)]);
    // The notices' attempts are done; only these are open.
    const provider = yookassaProvider(client);
    const pass = await timed(() => reconcileAttempts({ db, log, clock: () => new Date(), timeZone: 'Europe/Moscow', providers: [provider] }, { olderThanSeconds: 0, limit: ATTEMPTS }));
    const report = pass.result;
    if (report.asked !== ATTEMPTS || report.errors) throw new Error(`reconciliation: ${JSON.stringify(report)}`);
    const gets = await timed(async () => { for (const x of ids) await client.getPayment(x.id); });
    await db.query('create table bench_attempt (like billing_attempt including all)');
    await db.query('insert into bench_attempt select * from billing_attempt where id = any($1::uuid[])', [ids.map((x) => x.attempt)]);
    const updates = await timed(async () => { for (const x of ids) await db.query(`update bench_attempt set status = 'failed', updated_at = now() where id = $1`, [x.attempt]); });
    console.log(`reconciliation pass over ${count(ATTEMPTS)} attempts: ${seconds(pass.ms)} s, ${rate(ATTEMPTS, pass.ms)} attempts/s (${report.booked} booked, ${report.pending} pending, ${report.failed} failed)`);
    console.log(`  the local YooKassa alone, ${count(ATTEMPTS)} GETs one after another: ${seconds(gets.ms)} s; the pass costs ${ratio(pass.ms, gets.ms)} of it`);
    console.log(`  raw PostgreSQL, ${count(ATTEMPTS)} single-row updates one after another: ${seconds(updates.ms)} s; the pass costs ${ratio(pass.ms, updates.ms)} of it`);
  } finally {
    await yk.close();
  }
});
