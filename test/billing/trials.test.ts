/**
 * Trials (Plans.TrialDays): a person starts one per product, ever; it opens what the product
 * opens for its days and ends after them unless paid; a payment during it turns it paid and
 * active from the day after the trial's last day. On the real PostgreSQL.
 */
import { expect } from 'chai';
import { inTransaction } from '../../kernel/db.ts';
import { isAppError } from '../../kernel/errors.ts';
import { recordPayment } from '../../extensions/billing/index.ts';
import { addDays, localDay } from '../../extensions/billing/days.ts';
import { billingPass } from '../../extensions/billing/pass.ts';
import { holdersOn, movesByMonth } from '../../extensions/billing/figures.ts';
import { startTrial, trialsOffered } from '../../extensions/billing/trials.ts';
import { periodFrom } from '../../extensions/billing/periods.ts';
import { freshDatabase, type TestDatabase } from '../support/stack.ts';

const today = localDay(new Date(), 'UTC');
const person = (n: number) => `7a1a1000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('billing: trials', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  const trial = (n: number, planId = 10, day = today) => inTransaction(db.pool, (tx) => startTrial(tx, { personId: person(n), planId, today: day }));
  const refusal = async (p: Promise<unknown>) => p.then(() => 'started', (e) => (isAppError(e) ? e.code : (e as Error).message));
  const pay = (n: number, id: string, day = today) => inTransaction(db.pool, (tx) => recordPayment(tx, {
    paymentId: id, provider: 'moneta', personId: person(n), planId: 10, amountMinor: 100_000, currency: 'RUB', paidAt: new Date(), today: day,
  }));
  const sub = async (n: number) => (await db.pool.query(
    `select kind, status, to_char(starts_on, 'YYYY-MM-DD') as starts_on, to_char(ends_on, 'YYYY-MM-DD') as ends_on, price_minor::int as price
     from billing_subscription where person_id = $1 and product_id = 1`, [person(n)])).rows;
  const holds = async (n: number) => (await db.pool.query('select 1 from billing_entitlement where person_id = $1 and product_id = 1', [person(n)])).rowCount === 1;

  before(async () => {
    db = await freshDatabase('billing_trials');
    await db.pool.query(`insert into billing_product (id, title, kind, guides) values (1, 'БР', 'subscription', '{systems-101}'), (2, 'БР+', 'subscription', '{}')`);
    await db.pool.query(`insert into billing_plan (id, product_id, title, duration, jurisdiction, currency, trial_days) values
      (10, 1, 'БР, месяц', 'month', 'ru', 'RUB', 7), (11, 1, 'БР, год', 'year', 'ru', 'RUB', 14), (12, 2, 'БР+, месяц', 'month', 'ru', 'RUB', 0)`);
    await db.pool.query(`insert into billing_price_rule (nocodb_table, row_id, plan_id, rule) values ('prices', 1, 10, '{"amountMinor": 100000, "validFrom": "2025-01-01"}')`);
  });

  it('opens the product for the trial\'s days, once per product, whatever the plan', async () => {
    expect((await trialsOffered(db.pool, person(1), today)).map((t) => t.planId), 'offered: the plans with trial days').to.deep.equal([10, 11]);
    const s = await trial(1);
    expect(s).to.deep.include({ kind: 'trial', status: 'trial', startsOn: today, endsOn: addDays(today, 6) });
    expect(await holds(1), 'the product opens').to.equal(true);
    expect(await refusal(trial(1)), 'the same plan again').to.equal('TRIAL_USED');
    expect(await refusal(trial(1, 11)), 'another plan of the same product').to.equal('TRIAL_USED');
    expect(await refusal(trial(1, 12)), 'a plan with no trial').to.equal('TRIAL_NOT_OFFERED');
    expect(await trialsOffered(db.pool, person(1), today), 'nothing more to try').to.deep.equal([]);
  });

  it('lets two clicks at once start one trial', async () => {
    const results = await Promise.all([refusal(trial(2)), refusal(trial(2, 11)), refusal(trial(2))]);
    expect(results.filter((r) => r === 'started')).to.have.length(1);
    expect(results.filter((r) => r !== 'started')).to.deep.equal(['TRIAL_USED', 'TRIAL_USED']);
    expect(await sub(2)).to.have.length(1);
  });

  it('a payment during the trial turns it paid and active, its paid month starting after the trial\'s last day', async () => {
    await trial(3);
    const outcome = await pay(3, 'p-3');
    const trialEnds = addDays(today, 6);
    expect(outcome).to.deep.include({ type: 'period', startsOn: today, renewed: false });
    const [s] = await sub(3);
    expect(s).to.deep.include({ kind: 'paid', status: 'active', starts_on: today, price: 100_000 });
    expect(s!.ends_on, `a month from the day after the trial's last day (${trialEnds})`).to.equal(periodFrom({ duration: 'month' }, addDays(trialEnds, 1)).endsOn);
    expect(await holds(3)).to.equal(true);
    expect((await pay(3, 'p-3')).type, 'the same notification again').to.equal('repeat');
  });

  it('shows trials to staff as their own kind, and counts them begun and paid', async () => {
    const holders = await holdersOn(db.pool, today);
    const byKind = Object.fromEntries(holders.filter((h) => h.product_id === 1).map((h) => [h.kind, h.holders]));
    // 1, 2: in their trials; 3 paid during hers.
    expect(byKind).to.deep.equal({ trial: 2, paid: 1 });
    const month = today.slice(0, 7);
    const moves = (await movesByMonth(db.pool, month, month)).find((m) => m.product_id === 1);
    expect(moves).to.deep.include({ trials: 3, trials_paid: 1 });
  });

  it('ends after its last day unless paid, never comes again, and a later payment buys from that day', async () => {
    await trial(4);
    const after = addDays(today, 7);
    await billingPass(db.pool, after);
    expect((await sub(4))[0]).to.deep.include({ kind: 'trial', status: 'expired' });
    expect(await refusal(trial(4, 10, after)), 'no second trial after the first ended').to.equal('TRIAL_USED');
    const paid = await pay(4, 'p-4', after);
    expect(paid).to.deep.include({ type: 'period', startsOn: after });
    expect((await sub(4))[0]).to.deep.include({ kind: 'paid', status: 'active', starts_on: after });
  });

  it('is not for someone who bought the product before', async () => {
    await pay(5, 'p-5');
    expect(await refusal(trial(5, 11)), 'a buyer of the month plan tries the year plan').to.equal('TRIAL_NOT_AVAILABLE');
    expect((await trialsOffered(db.pool, person(5), today))).to.deep.equal([]);
  });

});
