/**
 * A refund a provider confirmed, on the real PostgreSQL (issue 14): it returns money of a
 * booked payment once, never more than was paid, and a full refund takes back the period
 * that payment bought (a renewal's period only), while a partial one leaves access alone.
 */
import { expect } from 'chai';
import { inTransaction } from '../../kernel/db.ts';
import { applyProviderPayment, applyProviderRefund, balanceOf } from '../../extensions/billing/index.ts';
import { freshDatabase, type TestDatabase } from '../support/stack.ts';

const ann = '0b7c6a1e-1111-4a4a-8b8b-0000000000aa';
const today = '2026-12-02';

async function seed(db: TestDatabase) {
  await db.pool.query(`insert into billing_product (id, title, kind, guides) values (1, 'БР', 'subscription', '{systems-101}')`);
  await db.pool.query(`insert into billing_plan (id, product_id, title, duration, jurisdiction, currency) values (1, 1, 'month', 'month', 'ru', 'RUB')`);
  await db.pool.query(`insert into billing_price_rule (nocodb_table, row_id, plan_id, rule) values ('prices', 1, 1, '{"amountMinor": 100000, "validFrom": "2025-01-01"}')`);
}

async function paidOrder(db: TestDatabase, n: number) {
  const order = `00000000-0000-4000-8000-00000000000${n}`;
  const attempt = `00000000-0000-4000-9000-00000000000${n}`;
  await db.pool.query(`insert into billing_order (id, person_id, plan_id, amount_minor, currency, status) values ($1, $2, 1, 100000, 'RUB', 'open')`, [order, ann]);
  await db.pool.query(`insert into billing_attempt (id, order_id, provider, status, pay_url) values ($1, $2, 'yookassa', 'created', 'https://pay')`, [attempt, order]);
  return inTransaction(db.pool, (tx) => applyProviderPayment(tx, { provider: 'yookassa', attemptId: attempt, providerPaymentId: `pay-${n}`, amountMinor: 100000, currency: 'RUB', paidAt: new Date() }, { today, now: new Date() }));
}

const refund = (db: TestDatabase, payment: string, id: string, amountMinor: number) =>
  inTransaction(db.pool, (tx) => applyProviderRefund(tx, { provider: 'yookassa', providerPaymentId: payment, providerRefundId: id, amountMinor, currency: 'RUB', refundedAt: new Date() }, { today }));

const subscription = async (db: TestDatabase) =>
  (await db.pool.query(`select status, to_char(ends_on, 'YYYY-MM-DD') as ends_on from billing_subscription where person_id = $1`, [ann])).rows[0];

describe('billing: refunds a provider confirmed', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  before(async () => { db = await freshDatabase('billing_refunds'); await seed(db); });

  it('returns part of a payment once, keeps access, and refuses more than is left', async () => {
    await paidOrder(db, 1);
    const bought = await subscription(db);
    expect(await refund(db, 'pay-1', 'r-1', 30_000)).to.deep.include({ type: 'refunded', full: false, refundedMinor: 30_000 });
    expect(await refund(db, 'pay-1', 'r-1', 30_000), 'the same refund told again').to.deep.equal({ type: 'repeat' });
    expect(await balanceOf(db.pool, 'provider:yookassa:RUB')).to.deep.equal({ RUB: 70_000 });
    expect(await balanceOf(db.pool, 'revenue:1')).to.deep.equal({ RUB: -70_000 });
    expect(await balanceOf(db.pool, `person:${ann}:receivable`)).to.deep.equal({ RUB: 0 });
    expect(await subscription(db), 'a partial refund leaves access').to.deep.equal(bought);
    const tooMuch = await refund(db, 'pay-1', 'r-2', 70_001).catch((e) => e);
    expect(tooMuch.message).to.match(/larger than what is left/);
    const unknown = await refund(db, 'pay-404', 'r-3', 100).catch((e) => e);
    expect(unknown.message).to.match(/unknown payment/);
  });

  it('takes back a renewal\'s period on its full refund, and cancels the first purchase on its own', async () => {
    await paidOrder(db, 2);
    const renewed = await subscription(db);
    expect(await refund(db, 'pay-2', 'r-4', 100_000)).to.deep.include({ type: 'refunded', full: true });
    const back = await subscription(db);
    expect(back.status).to.equal('active');
    expect(back.ends_on < renewed.ends_on, 'the renewal\'s month is taken back').to.equal(true);
    // The rest of the first payment: now it is refunded in full, and nothing is left to hold.
    expect(await refund(db, 'pay-1', 'r-5', 70_000)).to.deep.include({ type: 'refunded', full: true, refundedMinor: 100_000 });
    expect((await subscription(db)).status).to.equal('cancelled');
    const entitled = await db.pool.query(`select count(*)::int as n from billing_entitlement where person_id = $1`, [ann]);
    expect(entitled.rows[0].n).to.equal(0);
  });
});
