/**
 * The money ledger and the one function payments call, on the real PostgreSQL: balanced,
 * append-only, idempotent; a paid period and its money commit together or not at all.
 */
import { expect } from 'chai';
import { inTransaction } from '../../kernel/db.ts';
import { balanceOf, postTransfer, recordPayment, reverseTransfer } from '../../extensions/billing/index.ts';
import { billingPass } from '../../extensions/billing/pass.ts';
import { freshDatabase, type TestDatabase } from '../support/stack.ts';

const ann = '0b7c6a1e-1111-4a4a-8b8b-000000000001';
const bob = '0b7c6a1e-2222-4a4a-8b8b-000000000002';

async function plan(db: TestDatabase, id: number, opts: { keeps?: boolean; archived?: boolean; duration?: string } = {}) {
  await db.pool.query(`insert into billing_product (id, title, kind, guides) values ($1, 'БР', 'subscription', '{systems-101}') on conflict do nothing`, [1]);
  await db.pool.query(`insert into billing_plan (id, product_id, title, duration, jurisdiction, currency, archived, renewal_keeps_price) values ($1, 1, 'month', $2, 'ru', 'RUB', $3, $4)`,
    [id, opts.duration ?? 'month', opts.archived ?? false, opts.keeps ?? false]);
  await db.pool.query(`insert into billing_price_rule (nocodb_table, row_id, plan_id, rule) values ('prices', $1, $1, '{"amountMinor": 100000, "validFrom": "2025-01-01"}'),
    ('price_schedules', $1, $1, '{"stepMinor": 10000, "everyMonths": 3, "startsOn": "2025-07-01"}')`, [id]);
}

describe('billing: the money ledger', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  before(async () => { db = await freshDatabase('billing_ledger'); });

  it('books balanced transfers once by their id, refuses an unbalanced one, and derives balances', async () => {
    const t = { id: 'manual:1', kind: 'correction' as const, occurredAt: new Date(), entries: [
      { account: 'a', currency: 'RUB', amountMinor: 500 }, { account: 'b', currency: 'RUB', amountMinor: -500 }] };
    expect(await inTransaction(db.pool, (tx) => postTransfer(tx, t))).to.equal(true);
    expect(await inTransaction(db.pool, (tx) => postTransfer(tx, t)), 'the same id again: nothing more').to.equal(false);
    expect(await balanceOf(db.pool, 'a')).to.deep.equal({ RUB: 500 });
    const reused = await inTransaction(db.pool, (tx) => postTransfer(tx, { ...t, entries: [{ ...t.entries[0]!, amountMinor: 900 }, { ...t.entries[1]!, amountMinor: -900 }] })).catch((e) => e);
    expect(reused.code).to.equal('TRANSFER_ID_REUSED');
    const unbalanced = await inTransaction(db.pool, (tx) => postTransfer(tx, { ...t, id: 'manual:2', entries: [{ ...t.entries[0]! }, { ...t.entries[1]!, amountMinor: -400 }] })).catch((e) => e);
    expect(String(unbalanced.message)).to.match(/does not balance/);
    // Past our own check, PostgreSQL refuses it too at commit.
    const raw = await inTransaction(db.pool, async (tx) => {
      await tx.query(`insert into billing_transfer (id, kind, occurred_at) values ('raw:1', 'correction', now())`);
      await tx.query(`insert into billing_entry (transfer_id, account, currency, amount_minor) values ('raw:1', 'a', 'RUB', 7)`);
    }).catch((e) => e);
    expect(raw.code, 'a one-sided transfer').to.equal('23514');
    expect((await db.pool.query(`select count(*)::int as n from billing_transfer where id in ('manual:2', 'raw:1')`)).rows[0].n, 'nothing half-written').to.equal(0);
  });

  it('is append-only, and a refund reverses exactly what was booked, once', async () => {
    for (const sql of [`update billing_entry set amount_minor = 1`, `delete from billing_transfer where id = 'manual:1'`, 'truncate billing_entry cascade']) {
      const e = await db.pool.query(sql).catch((x) => x);
      expect(String(e.message), sql).to.match(/append-only/);
    }
    expect(await inTransaction(db.pool, (tx) => reverseTransfer(tx, 'manual:1', { id: 'manual:1:reversed', kind: 'reversal', occurredAt: new Date() }))).to.equal(true);
    expect(await balanceOf(db.pool, 'a')).to.deep.equal({ RUB: 0 });
    const twice = await inTransaction(db.pool, (tx) => reverseTransfer(tx, 'manual:1', { id: 'manual:1:again', kind: 'reversal', occurredAt: new Date() })).catch((e) => e);
    expect(twice.code, 'reversed once at most').to.equal('23505');
  });
});

describe('billing: recordPayment, the one function providers call', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  before(async () => {
    db = await freshDatabase('billing_payments');
    await plan(db, 10);
    await plan(db, 11, { keeps: true });
    await plan(db, 12, { archived: true });
  });
  const pay = (p: Partial<Parameters<typeof recordPayment>[1]> & { paymentId: string; today: string }) => inTransaction(db.pool, (tx) => recordPayment(tx, {
    provider: 'moneta', personId: ann, planId: 10, amountMinor: 100_000, currency: 'RUB', paidAt: new Date(`${p.today}T09:00:00Z`), ...p,
  }));

  it('sells at the price of the day: the quarter\'s first day raises it for new buyers', async () => {
    expect(await pay({ paymentId: 'p-june', today: '2025-06-30' })).to.deep.include({ type: 'period', startsOn: '2025-06-30', endsOn: '2025-07-29', renewed: false });
    // On 1 July the price is 110000: bob paying the old price gets no period; the money is kept on his account.
    expect(await pay({ paymentId: 'p-bob-short', personId: bob, today: '2025-07-01' })).to.deep.equal({ type: 'short', expectedMinor: 110_000 });
    expect(await balanceOf(db.pool, `person:${bob}:receivable`)).to.deep.equal({ RUB: 0 });
    expect(await balanceOf(db.pool, 'provider:moneta:RUB')).to.deep.equal({ RUB: 200_000 });
    expect(await pay({ paymentId: 'p-bob', personId: bob, amountMinor: 110_000, today: '2025-07-01' })).to.deep.include({ type: 'period', startsOn: '2025-07-01' });
    const versions = (await db.pool.query(`select amount_minor::int as a, to_char(valid_from, 'YYYY-MM-DD') as d from billing_price_version where plan_id = 10 order by id`)).rows;
    expect(versions).to.deep.equal([{ a: 100_000, d: '2025-01-01' }, { a: 110_000, d: '2025-07-01' }]);
  });

  it('renews at the price of the renewal day, or at the price bought at where the plan says so', async () => {
    // Plan 10 (price at renewal): Ann's renewal on 2025-07-20 costs 110000.
    expect(await pay({ paymentId: 'p-ann-renew-short', amountMinor: 100_000, today: '2025-07-20' })).to.deep.equal({ type: 'short', expectedMinor: 110_000 });
    expect(await pay({ paymentId: 'p-ann-renew', amountMinor: 110_000, today: '2025-07-20' })).to.deep.include({ type: 'period', startsOn: '2025-06-30', endsOn: '2025-08-29', renewed: true });
    // Plan 11 (price bought at): bought in June at 100000, renewed in October at 100000 while new buyers pay 120000.
    expect(await pay({ paymentId: 'k-june', planId: 11, today: '2025-06-15' })).to.deep.include({ type: 'period' });
    expect(await pay({ paymentId: 'k-oct', planId: 11, today: '2025-07-10' })).to.deep.include({ type: 'period', renewed: true, endsOn: '2025-08-14' });
    expect(await pay({ paymentId: 'k-new', planId: 11, personId: bob, today: '2025-10-01' })).to.deep.equal({ type: 'short', expectedMinor: 120_000 });
  });

  it('books nothing twice when a provider repeats its notification', async () => {
    const before = (await db.pool.query('select count(*)::int as n from billing_entry')).rows[0].n;
    expect(await pay({ paymentId: 'p-june', today: '2025-06-30' })).to.deep.equal({ type: 'repeat' });
    expect((await db.pool.query('select count(*)::int as n from billing_entry')).rows[0].n).to.equal(before);
    const events = (await db.pool.query(`select count(*)::int as n from billing_subscription_event where key = 'payment:p-june'`)).rows[0].n;
    expect(events).to.equal(1);
  });

  it('does not sell an archived plan, and its holders keep it', async () => {
    const e = await pay({ paymentId: 'arch-1', planId: 12, today: '2025-06-01' }).catch((x) => x);
    expect(e.code).to.equal('PLAN_ARCHIVED');
    expect((await db.pool.query(`select count(*)::int as n from billing_transfer where id like '%arch-1'`)).rows[0].n, 'nothing booked').to.equal(0);
    // A holder from before the archiving renews it.
    await db.pool.query(`update billing_plan set archived = false where id = 12`);
    await pay({ paymentId: 'arch-2', planId: 12, today: '2025-06-01' });
    await db.pool.query(`update billing_plan set archived = true where id = 12`);
    expect(await pay({ paymentId: 'arch-3', planId: 12, today: '2025-06-20' })).to.deep.include({ type: 'period', renewed: true });
  });

  it('leaves neither half when the process dies between booking and granting', async () => {
    const crash = await inTransaction(db.pool, async (tx) => {
      await recordPayment(tx, { paymentId: 'p-crash', provider: 'moneta', personId: bob, planId: 10, amountMinor: 120_000, currency: 'RUB', paidAt: new Date(), today: '2025-10-02' });
      throw new Error('killed here');
    }).catch((e) => e);
    expect(crash.message).to.equal('killed here');
    expect((await db.pool.query(`select count(*)::int as n from billing_transfer where id like '%p-crash'`)).rows[0].n).to.equal(0);
    expect((await db.pool.query(`select count(*)::int as n from billing_subscription_event where key = 'payment:p-crash'`)).rows[0].n).to.equal(0);
  });

  it('expires a subscription after its last day in the school\'s zone, once, and tells identity', async () => {
    const before = (await db.pool.query('select count(*)::int as n from billing_entitlement_change')).rows[0].n;
    // Ended before 29 August: Bob's July month, Ann's plan 11 (to 14 August), the archived plan's holder (to 31 July).
    expect((await billingPass(db.pool, '2025-08-29')).expired).to.equal(3);
    const ann10 = (await db.pool.query(`select status from billing_subscription where source = $1`, [`paid:${ann}:10`])).rows[0].status;
    expect(ann10, 'Ann\'s plan 10 holds through its last day, 29 August').to.equal('active');
    expect((await billingPass(db.pool, '2025-08-30')).expired).to.equal(1);
    expect((await db.pool.query(`select status from billing_subscription where source = $1`, [`paid:${ann}:10`])).rows[0].status).to.equal('expired');
    expect((await billingPass(db.pool, '2025-08-30')).expired, 'a second pass changes nothing').to.equal(0);
    expect((await db.pool.query('select count(*)::int as n from billing_entitlement_change')).rows[0].n).to.be.greaterThan(before);
    const cause = (await db.pool.query(`select e.cause, e.actor from billing_subscription_event e join billing_subscription s on s.id = e.subscription_id
      where s.source = $1 order by e.id desc limit 1`, [`paid:${ann}:10`])).rows[0];
    expect(cause).to.deep.equal({ cause: 'its last day (2025-08-29) has passed', actor: 'system:expiry' });
  });
});

describe('billing: a group\'s students hold the plan linked to it while they are members', function () {
  this.timeout(60_000);
  it('opens a subscription when identity records a member, cancels it when they leave, re-activates it when they return', async () => {
    const db = await freshDatabase('billing_groups');
    await plan(db, 20);
    await db.pool.query(`insert into billing_group_plan (group_id, plan_id) values (7, 20)`);
    // Identity's record of NocoDB's Groups.Members, as written to Keto.
    const member = (id: string) => db.pool.query(`insert into identity_keto_tuple (namespace, object, relation, subject) values ('Group', 'group-7', 'members', $1)`, [id]);
    await member(ann);
    const holds = async (id: string) => (await db.pool.query('select 1 from billing_entitlement where product_id = 1 and person_id = $1', [id])).rowCount === 1;
    expect((await billingPass(db.pool, '2025-09-01')).groups).to.deep.equal({ opened: 1, closed: 0 });
    expect(await holds(ann)).to.equal(true);
    expect(await holds(bob)).to.equal(false);
    expect((await billingPass(db.pool, '2025-09-01')).groups, 'a second pass: nothing').to.deep.equal({ opened: 0, closed: 0 });
    await db.pool.query(`delete from identity_keto_tuple where subject = $1`, [ann]);
    expect((await billingPass(db.pool, '2025-09-02')).groups).to.deep.equal({ opened: 0, closed: 1 });
    expect(await holds(ann), 'left the group').to.equal(false);
    await member(ann);
    expect((await billingPass(db.pool, '2025-09-03')).groups).to.deep.equal({ opened: 1, closed: 0 });
    expect(await holds(ann), 'back in the group').to.equal(true);
    const causes = (await db.pool.query(`select e.status, e.cause from billing_subscription_event e join billing_subscription s on s.id = e.subscription_id where s.source = $1 order by e.id`, [`group:7:${ann}`])).rows;
    expect(causes).to.deep.equal([
      { status: 'active', cause: 'member of group 7' },
      { status: 'cancelled', cause: 'no longer in group 7 (or the group no longer gives the plan)' },
      { status: 'active', cause: 'member of group 7 again' },
    ]);
  });
});
