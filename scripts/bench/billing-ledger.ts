/**
 * Benchmark (not a test) of billing's money ledger: postTransfer (extensions/billing/ledger.ts),
 * beside raw PostgreSQL in the same run.
 *   node --import tsx scripts/bench/billing-ledger.ts [--transfers 100000] [--clients 4]
 *   (or: npm run bench:billing-ledger)
 * 100,000 transfers shaped as recordPayment books them (an invoice, its payment and the
 * provider's fee, two entries each, for 10,000 people) are posted by 4 clients as a
 * provider's notifications would arrive: one transfer per transaction, then (other ids) 100
 * per transaction; then 10,000 of them again (a provider repeating its notifications: each a
 * no-op). Ceilings, on copies of the two tables (same keys and indexes; no foreign key, no
 * append-only or balance trigger): (1) a raw multi-row insert of the same transfers and
 * entries, 1000 transfers per transaction; (2) raw multi-row inserts grouped as our runs are
 * (1 and 100 transfers per transaction), what the transactions alone cost.
 * About 4 minutes on 2 cores: the one-per-transaction runs wait on their commits (fsync).
 * Starts its own embedded PostgreSQL in .data/bench and removes it at the end.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { postTransfer, type Transfer } from '../../extensions/billing/index.ts';
import { inTransaction } from '../../kernel/db.ts';
import { arg, count, inParallel, rate, ratio, runBench, seconds, timed } from './billing-stack.ts';

const TRANSFERS = arg('transfers', 100_000);
const CLIENTS = arg('clients', 4);
const REPEATS = Math.min(10_000, TRANSFERS);
const PEOPLE = 10_000;
const START = Date.parse('2025-01-01T00:00:00Z');

const person = (n: number) => createHash('md5').update(`person-${n}`).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

/** Payment after payment: its invoice, the payment and the fee, as recordPayment books them. */
function transfers(prefix: string, n: number): Transfer[] {
  return Array.from({ length: n }, (_, k) => {
    const p = Math.floor(k / 3);
    const who = person(p % PEOPLE);
    const plan = 1 + (p % 10);
    const amount = 100_000 + plan * 1000;
    const provider = p % 4 === 0 ? 'cloudpayments' : 'yookassa';
    const base = { personId: who, occurredAt: new Date(START + p * 97_000), memo: { provider, plan, version: plan, expectedMinor: amount } };
    const id = `${prefix}${p}`;
    if (k % 3 === 0) return { ...base, id: `invoice:${id}`, kind: 'invoice', entries: [
      { account: `person:${who}:receivable`, currency: 'RUB', amountMinor: amount }, { account: `revenue:${1 + (plan - 1) % 5}`, currency: 'RUB', amountMinor: -amount }] };
    if (k % 3 === 1) return { ...base, id: `payment:${id}`, kind: 'payment', entries: [
      { account: `provider:${provider}:RUB`, currency: 'RUB', amountMinor: amount }, { account: `person:${who}:receivable`, currency: 'RUB', amountMinor: -amount }] };
    return { ...base, id: `fee:${id}`, kind: 'fee', entries: [
      { account: `expense:fees:${provider}`, currency: 'RUB', amountMinor: Math.round(amount * 0.035) }, { account: `provider:${provider}:RUB`, currency: 'RUB', amountMinor: -Math.round(amount * 0.035) }] };
  });
}

/** Posts `list` through postTransfer, `perTransaction` in each transaction, CLIENTS at a time. */
async function post(db: pg.Pool, list: Transfer[], perTransaction: number): Promise<{ ms: number; booked: number }> {
  let booked = 0;
  const { ms } = await timed(() => inParallel(Math.ceil(list.length / perTransaction), CLIENTS, async (b) => {
    await inTransaction(db, async (tx) => {
      for (const t of list.slice(b * perTransaction, (b + 1) * perTransaction)) if (await postTransfer(tx, t)) booked++;
    });
  }));
  return { ms, booked };
}

/** The same rows inserted raw into the copies: two multi-row statements per transaction. */
async function rawInsert(db: pg.Pool, list: Transfer[], perTransaction: number): Promise<number> {
  const { ms } = await timed(() => inParallel(Math.ceil(list.length / perTransaction), CLIENTS, async (b) => {
    const batch = list.slice(b * perTransaction, (b + 1) * perTransaction);
    const entries = batch.flatMap((t) => t.entries.map((e) => ({ id: t.id, ...e })));
    await inTransaction(db, async (tx) => {
      await tx.query(`insert into bench_transfer (id, kind, occurred_at, person_id, memo)
        select * from unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::jsonb[])`,
      [batch.map((t) => t.id), batch.map((t) => t.kind), batch.map((t) => t.occurredAt), batch.map((t) => t.personId), batch.map((t) => JSON.stringify(t.memo))]);
      await tx.query(`insert into bench_entry (transfer_id, account, currency, amount_minor)
        select * from unnest($1::text[], $2::text[], $3::text[], $4::bigint[])`,
      [entries.map((e) => e.id), entries.map((e) => e.account), entries.map((e) => e.currency), entries.map((e) => e.amountMinor)]);
    });
  }));
  return ms;
}

await runBench('billing-ledger', { connections: CLIENTS + 1, deadlineMs: 600_000 }, async (db) => {
  await db.query(`create table bench_transfer (like billing_transfer including all);
    create table bench_entry (like billing_entry including all)`);

  const one = await post(db, transfers('one-', TRANSFERS), 1);
  const hundredList = transfers('hundred-', TRANSFERS);
  const hundred = await post(db, hundredList, 100);
  const repeat = await post(db, hundredList.slice(0, REPEATS), 100);
  const booked = (await db.query<{ transfers: number; entries: number }>(
    `select (select count(*)::int from billing_transfer) as transfers, (select count(*)::int from billing_entry) as entries`)).rows[0]!;
  if (one.booked !== TRANSFERS || hundred.booked !== TRANSFERS || repeat.booked !== 0 || booked.transfers !== 2 * TRANSFERS || booked.entries !== 4 * TRANSFERS) {
    throw new Error(`booked ${one.booked} + ${hundred.booked} (+ ${repeat.booked} repeats); ${booked.transfers} transfers, ${booked.entries} entries in the tables`);
  }

  const multiRow = await rawInsert(db, transfers('raw-', TRANSFERS), 1000);
  const rawOne = await rawInsert(db, transfers('raw-one-', TRANSFERS), 1);
  const rawHundred = await rawInsert(db, transfers('raw-hundred-', TRANSFERS), 100);

  const n = count(TRANSFERS);
  console.log(`billing ledger: ${n} transfers (invoice, payment, fee; 2 entries each; ${count(PEOPLE)} people) per run, ${CLIENTS} clients`);
  console.log(`    ceiling 1, raw multi-row insert of the same transfers and entries (1000 per transaction): ${seconds(multiRow)} s, ${rate(TRANSFERS, multiRow)} transfers/s`);
  console.log(`    postTransfer, 1 per transaction:    ${seconds(one.ms)} s, ${rate(TRANSFERS, one.ms)} transfers/s; ratio (ours / raw) ${ratio(one.ms, multiRow)} of ceiling 1`);
  console.log(`      ceiling 2, raw inserts 1 per transaction:   ${seconds(rawOne)} s, ${rate(TRANSFERS, rawOne)} transfers/s; ratio ${ratio(one.ms, rawOne)}`);
  console.log(`    postTransfer, 100 per transaction:  ${seconds(hundred.ms)} s, ${rate(TRANSFERS, hundred.ms)} transfers/s; ratio (ours / raw) ${ratio(hundred.ms, multiRow)} of ceiling 1`);
  console.log(`      ceiling 2, raw inserts 100 per transaction: ${seconds(rawHundred)} s, ${rate(TRANSFERS, rawHundred)} transfers/s; ratio ${ratio(hundred.ms, rawHundred)}`);
  console.log(`    the same ${count(REPEATS)} again (repeated notifications, 100 per transaction): ${seconds(repeat.ms)} s, ${rate(REPEATS, repeat.ms)} transfers/s, nothing booked`);
});
