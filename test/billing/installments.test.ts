/**
 * A plan sold in parts (issue 13): the split, the schedule, each part an invoice on its day,
 * the overdue stages a missed part passes through with the access each leaves, payment
 * restoring access, early payment of the rest, and repeats booking nothing twice; on the
 * real PostgreSQL.
 */
import { expect } from 'chai';
import { inTransaction } from '../../kernel/db.ts';
import { balanceOf, payInstallment, startInstallments } from '../../extensions/billing/index.ts';
import { addDays, addMonths, localDay } from '../../extensions/billing/days.ts';
import { partsCovered, scheduleOf, splitEvenly } from '../../extensions/billing/installments.ts';
import { DEFAULT_OVERDUE_POLICY, accessOf, daysLate, overduePolicy, stageOf } from '../../extensions/billing/overdue.ts';
import { billingPass } from '../../extensions/billing/pass.ts';
import { freshDatabase, type TestDatabase } from '../support/stack.ts';

describe('billing: instalments, the pure rules', () => {
  it('splits a price into whole parts that differ by one minor unit at most and sum to it exactly', () => {
    expect(splitEvenly(100_000, 3)).to.deep.equal([33_334, 33_333, 33_333]);
    expect(splitEvenly(100_001, 3)).to.deep.equal([33_334, 33_334, 33_333]);
    expect(splitEvenly(99_999, 3)).to.deep.equal([33_333, 33_333, 33_333]);
    for (const [total, n] of [[100, 7], [5, 5], [1_000_003, 12], [7, 2]] as const) {
      const parts = splitEvenly(total, n);
      expect(parts.reduce((a, b) => a + b, 0), `${total} in ${n}`).to.equal(total);
      expect(Math.max(...parts) - Math.min(...parts), `${total} in ${n}`).to.be.at.most(1);
    }
  });

  it('falls due monthly from the day of the order, the 31st on a shorter month\'s last day', () => {
    expect(scheduleOf(100_000, 3, '2025-01-31')).to.deep.equal([
      { n: 1, dueOn: '2025-01-31', amountMinor: 33_334 }, { n: 2, dueOn: '2025-02-28', amountMinor: 33_333 }, { n: 3, dueOn: '2025-03-31', amountMinor: 33_333 }]);
  });

  it('counts as paid only whole parts, in order', () => {
    expect(partsCovered([33_334, 33_333, 33_333], 33_333)).to.equal(0);
    expect(partsCovered([33_334, 33_333, 33_333], 33_334)).to.equal(1);
    expect(partsCovered([33_334, 33_333, 33_333], 100_000)).to.equal(3);
    expect(partsCovered([33_334, 33_333, 33_333], 150_000)).to.equal(3);
  });

  it('moves an unpaid part from reminder to past due, suspension and cancellation by the school\'s thresholds', () => {
    const stages = [-1, 0, 2, 3, 9, 10, 29, 30, 400].map((d) => stageOf(d, DEFAULT_OVERDUE_POLICY));
    expect(stages).to.deep.equal(['current', 'reminder', 'reminder', 'past_due', 'past_due', 'suspended', 'suspended', 'cancelled', 'cancelled']);
    expect(stages.map(accessOf)).to.deep.equal(['active', 'active', 'active', 'past_due', 'past_due', 'suspended', 'suspended', 'cancelled', 'cancelled']);
    expect(daysLate('2025-02-28', '2025-03-03')).to.equal(3);
    expect(overduePolicy(null)).to.deep.equal({ graceDays: 3, suspendAfterDays: 10, cancelAfterDays: 30 });
    expect(overduePolicy('{"graceDays": 1, "cancelAfterDays": 14}')).to.deep.equal({ graceDays: 1, suspendAfterDays: 10, cancelAfterDays: 14 });
    expect(() => overduePolicy('{"graceDays": 20}'), 'grace after suspension').to.throw(/in that order/);
    expect(() => overduePolicy('{"grace": 1}'), 'an unknown threshold').to.throw(/not a policy/);
  });
});

const ann = '0b7c6a1e-1111-4a4a-8b8b-00000000000a';
const bob = '0b7c6a1e-2222-4a4a-8b8b-00000000000b';
const cat = '0b7c6a1e-3333-4a4a-8b8b-00000000000c';
const dan = '0b7c6a1e-4444-4a4a-8b8b-00000000000d';

describe('billing: a plan sold in parts', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  // billing_entitlement reads the real date (billing_today()): the orders are placed 60 days ago,
  // so their year covers it whatever day the pass is told it is.
  const realToday = localDay(new Date(), 'UTC');
  const ordered = addDays(realToday, -60);
  const due2 = addMonths(ordered, 1);
  const due3 = addMonths(ordered, 2);
  const at = (day: string) => new Date(`${day}T09:00:00Z`);

  before(async () => {
    db = await freshDatabase('billing_installments');
    await db.pool.query(`insert into billing_product (id, title, kind, guides) values (1, 'БР', 'subscription', '{systems-101}')`);
    await db.pool.query(`insert into billing_plan (id, product_id, title, duration, jurisdiction, currency, installments) values
      (20, 1, 'year in 3', 'year', 'ru', 'RUB', 3), (21, 1, 'month in 3', 'month', 'ru', 'RUB', 3), (22, 1, 'year at once', 'year', 'ru', 'RUB', 1)`);
    for (const id of [20, 21, 22]) {
      await db.pool.query(`insert into billing_price_rule (nocodb_table, row_id, plan_id, rule) values ('prices', $1, $1, '{"amountMinor": 100000, "validFrom": "2020-01-01"}')`, [id]);
    }
  });

  const start = (personId: string, orderId: string, more: { planId?: number; parts?: number; today?: string } = {}) =>
    inTransaction(db.pool, (tx) => startInstallments(tx, { orderId, personId, planId: 20, today: ordered, ...more }));
  const pay = (orderId: string, paymentId: string, amountMinor: number, day: string) =>
    inTransaction(db.pool, (tx) => payInstallment(tx, { paymentId, provider: 'moneta', orderId, amountMinor, currency: 'RUB', paidAt: at(day), today: day }));
  const holds = async (personId: string) => (await db.pool.query('select 1 from billing_entitlement where person_id = $1 and product_id = 1', [personId])).rowCount === 1;
  const subscription = async (orderId: string) => (await db.pool.query(
    `select id, status, to_char(starts_on, 'YYYY-MM-DD') as starts_on, to_char(ends_on, 'YYYY-MM-DD') as ends_on, price_minor::int as price from billing_subscription where source = $1`,
    [`installments:${orderId}`])).rows[0];
  const parts = async (orderId: string) => (await db.pool.query(
    `select n, state, invoice_transfer_id as invoice, paid_transfer_id as paid from billing_installments where order_id = $1 order by n`, [orderId])).rows;
  const states = async (orderId: string) => (await parts(orderId)).map((p) => p.state);
  const count = async (table: string) => (await db.pool.query(`select count(*)::int as n from ${table}`)).rows[0].n as number;

  it('opens the order at today\'s price: three parts due monthly, the first invoiced, the subscription active for the whole year', async () => {
    const schedule = await start(ann, 'a-1');
    expect(schedule).to.deep.include({ created: true, totalMinor: 100_000, currency: 'RUB', startsOn: ordered, endsOn: addDays(addMonths(ordered, 12), -1) });
    expect(schedule.parts).to.deep.equal([
      { n: 1, dueOn: ordered, amountMinor: 33_334, state: 'reminder' },
      { n: 2, dueOn: due2, amountMinor: 33_333, state: 'scheduled' },
      { n: 3, dueOn: due3, amountMinor: 33_333, state: 'scheduled' }]);
    expect(await subscription('a-1')).to.deep.include({ status: 'active', price: 100_000 });
    // Only the part due is owed: the others are invoiced on their days.
    expect(await balanceOf(db.pool, `person:${ann}:receivable`)).to.deep.equal({ RUB: 33_334 });
    expect(await pay('a-1', 'a-p1', 33_334, ordered)).to.deep.include({ type: 'applied', paidParts: [1], restMinor: 66_666, creditMinor: 0, closed: false, status: 'active' });
    expect(await balanceOf(db.pool, `person:${ann}:receivable`)).to.deep.equal({ RUB: 0 });
    expect(await holds(ann)).to.equal(true);

    await start(bob, 'b-1');
    await pay('b-1', 'b-p1', 33_334, ordered);
  });

  it('refuses what cannot be sold in parts, and an order id used for another order', async () => {
    const refusals = [
      await start(cat, 'x-1', { planId: 21 }).catch((e) => e),
      await start(cat, 'x-2', { planId: 22 }).catch((e) => e),
      await start(cat, 'x-3', { parts: 4 }).catch((e) => e),
    ];
    expect(refusals.map((e) => e.code)).to.deep.equal(['INSTALLMENTS_INVALID', 'INSTALLMENTS_INVALID', 'INSTALLMENTS_INVALID']);
    expect(refusals[0].message, 'a month cannot be paid over three months').to.match(/after the period bought ends/);
    expect((await start(cat, 'a-1').catch((e) => e)).code).to.equal('ORDER_ID_REUSED');
    expect((await pay('nope', 'n-1', 100, ordered).catch((e) => e)).code).to.equal('INSTALLMENTS_NOT_FOUND');
    expect((await pay('b-1', 'a-p1', 33_334, ordered).catch((e) => e)).code, 'ann\'s payment id for bob\'s order').to.equal('TRANSFER_ID_REUSED');
    expect(await count(`billing_subscription where source like 'installments:x-%'`)).to.equal(0);
  });

  it('counts a payment short of a part toward it, and pays the rest early, closing the schedule', async () => {
    await start(cat, 'c-1');
    expect(await pay('c-1', 'c-p1', 20_000, ordered)).to.deep.include({ paidParts: [], creditMinor: 20_000, restMinor: 80_000 });
    expect(await pay('c-1', 'c-p2', 13_334, ordered)).to.deep.include({ paidParts: [1], creditMinor: 0 });
    const early = addDays(ordered, 5);
    expect(await pay('c-1', 'c-p3', 66_666, early)).to.deep.include({ type: 'applied', paidParts: [2, 3], restMinor: 0, closed: true, status: 'active' });
    expect(await parts('c-1')).to.deep.equal([
      { n: 1, state: 'paid', invoice: 'installment:c-1:1', paid: 'payment:c-p2' },
      { n: 2, state: 'paid', invoice: 'installment:c-1:2', paid: 'payment:c-p3' },
      { n: 3, state: 'paid', invoice: 'installment:c-1:3', paid: 'payment:c-p3' }]);
    const invoiced = (await db.pool.query(`select to_char(occurred_at, 'YYYY-MM-DD') as d from billing_transfer where id = 'installment:c-1:3'`)).rows[0].d;
    expect(invoiced, 'a part paid early is invoiced when paid').to.equal(early);
    expect(await balanceOf(db.pool, `person:${cat}:receivable`)).to.deep.equal({ RUB: 0 });
  });

  it('takes a missed part through reminder, past due and suspension with the access each leaves; paying it restores access', async () => {
    const changes = await count('billing_entitlement_change');
    await billingPass(db.pool, due2);
    expect(await states('a-1')).to.deep.equal(['paid', 'reminder', 'scheduled']);
    expect(await balanceOf(db.pool, `person:${ann}:receivable`), 'invoiced on its day').to.deep.equal({ RUB: 33_333 });
    expect((await subscription('a-1')).status).to.equal('active');

    await billingPass(db.pool, addDays(due2, 2));
    expect(await states('a-1'), 'within the grace days').to.deep.equal(['paid', 'reminder', 'scheduled']);

    await billingPass(db.pool, addDays(due2, 3));
    expect(await states('a-1')).to.deep.equal(['paid', 'past_due', 'scheduled']);
    expect((await subscription('a-1')).status).to.equal('past_due');
    expect(await holds(ann), 'past due: access still holds').to.equal(true);

    await billingPass(db.pool, addDays(due2, 10));
    expect(await states('a-1')).to.deep.equal(['paid', 'suspended', 'scheduled']);
    expect((await subscription('a-1')).status).to.equal('suspended');
    expect(await holds(ann), 'suspended: no access').to.equal(false);
    expect(await holds(bob), 'bob missed his too').to.equal(false);
    expect(await count('billing_entitlement_change'), 'identity is told each time').to.be.greaterThan(changes);

    expect(await pay('a-1', 'a-p2', 33_333, addDays(due2, 12))).to.deep.include({ paidParts: [2], restMinor: 33_333, status: 'active' });
    expect(await holds(ann), 'paid: access again').to.equal(true);
    expect(await holds(bob)).to.equal(false);

    // The last part, early: the schedule is closed before its day.
    expect(await pay('a-1', 'a-p3', 33_333, addDays(due2, 13))).to.deep.include({ paidParts: [3], restMinor: 0, closed: true, status: 'active' });
    const events = (await db.pool.query(`select e.status, e.actor, e.cause from billing_subscription_event e join billing_subscription s on s.id = e.subscription_id
      where s.source = 'installments:a-1' order by e.id`)).rows;
    expect(events.map((e) => [e.status, e.actor])).to.deep.equal([
      ['active', 'order:a-1'], ['past_due', 'system:overdue'], ['suspended', 'system:overdue'], ['active', 'payment:moneta:a-p2']]);
    expect(events[2].cause).to.equal(`part 2 of 3 (33333 RUB, due ${due2}) unpaid 10 days: access suspended until it is paid`);
    expect(events[3].cause).to.equal('payment a-p2 paid part 2; every part due is paid: access holds');
  });

  it('cancels a part 30 days late: what was paid is kept, the unpaid rest written off, the part not yet due void', async () => {
    await billingPass(db.pool, addDays(due2, 29));
    expect((await subscription('b-1')).status).to.equal('suspended');
    await billingPass(db.pool, addDays(due2, 30));
    expect((await subscription('b-1')).status).to.equal('cancelled');
    expect(await holds(bob)).to.equal(false);
    // Part 3 falls due 28 to 31 days after part 2: before the cancellation (a February) it was invoiced and is written off too.
    const third = due3 <= addDays(due2, 29) ? 'written_off' : 'void';
    expect(await states('b-1')).to.deep.equal(['paid', 'written_off', third]);
    expect(await balanceOf(db.pool, `person:${bob}:receivable`), 'bob owes nothing more').to.deep.equal({ RUB: 0 });
    const revenue = (await db.pool.query(`select -sum(amount_minor)::int as r from billing_entry where account = 'revenue:1' and transfer_id in
      ('installment:b-1:1', 'installment:b-1:2', 'installment:b-1:3', 'writeoff:b-1')`)).rows[0].r;
    expect(revenue, 'revenue is what was paid').to.equal(33_334);
    expect(await count(`billing_transfer where id = 'installment:b-1:3'`), 'a part not yet due is never invoiced').to.equal(third === 'void' ? 0 : 1);
    expect(await states('a-1'), 'ann\'s paid schedule is untouched').to.deep.equal(['paid', 'paid', 'paid']);

    // Paid after the cancellation: the money is booked on bob's account for staff, the order stays cancelled.
    expect(await pay('b-1', 'b-p2', 33_333, addDays(due2, 31))).to.deep.include({ type: 'cancelled' });
    expect(await balanceOf(db.pool, `person:${bob}:receivable`)).to.deep.equal({ RUB: -33_333 });
    expect((await subscription('b-1')).status).to.equal('cancelled');
  });

  it('books nothing twice: a pass run again, a payment repeated, an order opened again', async () => {
    const before = { entries: await count('billing_entry'), events: await count('billing_subscription_event'), changes: await count('billing_entitlement_change') };
    const pass = await billingPass(db.pool, addDays(due2, 30));
    expect(pass.installments, 'nothing left to move today').to.equal(0);
    expect(await pay('a-1', 'a-p2', 33_333, addDays(due2, 30))).to.deep.equal({ type: 'repeat' });
    expect(await pay('b-1', 'b-p2', 33_333, addDays(due2, 31))).to.deep.equal({ type: 'repeat' });
    const again = await start(ann, 'a-1');
    expect(again).to.deep.include({ created: false, totalMinor: 100_000 });
    expect(again.parts.map((p) => p.state)).to.deep.equal(['paid', 'paid', 'paid']);
    expect({ entries: await count('billing_entry'), events: await count('billing_subscription_event'), changes: await count('billing_entitlement_change') }).to.deep.equal(before);
  });

  it('follows the thresholds the school declared', async () => {
    await db.pool.query(`insert into billing_setting (key, value) values ('overdue_policy', '{"graceDays": 0, "suspendAfterDays": 2, "cancelAfterDays": 5}')`);
    await start(dan, 'd-1', { today: realToday });
    await billingPass(db.pool, realToday);
    expect((await subscription('d-1')).status, 'no grace: past due on the day').to.equal('past_due');
    expect(await holds(dan)).to.equal(true);
    await billingPass(db.pool, addDays(realToday, 2));
    expect((await subscription('d-1')).status).to.equal('suspended');
    expect(await holds(dan)).to.equal(false);
    await db.pool.query(`delete from billing_setting where key = 'overdue_policy'`);
  });
});
