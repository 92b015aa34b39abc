/**
 * The monthly budget holds under a burst: fifty students ask for a check at the same moment,
 * through the HTTP API, while the month has money for only a few model calls. The model
 * server holds the fifty query embeddings until all have come (each booked in the same
 * budget), so the checks reach the budget together when it lets them go; it then holds every
 * model call it gets until all the others are answered, so what it counts is how many were
 * let through at once. It reports the most tokens a call could be, so the money booked is as
 * high as it can get.
 */
import { expect } from 'chai';
import { call, startHarness, type Harness } from './support/harness.ts';
import { checkOf, sleep } from './support/flow.ts';

const ANSWER = 'A stock is an accumulation you can count at a moment in time; it changes only through flows that fill or drain it.';
const STUDENTS = 50;
const FITS = 7;

async function until(what: string, done: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('ai-check: the budget under fifty checks at once', () => {
  let h: Harness;
  const spent = async () => Number((await h.db.pool.query('select coalesce(sum(amount_micros), 0)::float8 as s from ai_budget_ledger')).rows[0].s);

  before(async () => {
    // A long client timeout: held calls must not time out and be retried while the test looks.
    h = await startHarness({
      label: 'ai_budget_burst', limits: { monthlyBudgetMicros: 100_000_000 }, providerOverrides: { timeoutMs: 30_000 },
      // Embeddings cost a micro-unit a query here: counted, without changing how many calls fit.
      embeddings: true, embeddingPricePer1M: 0.001,
    });
    h.model.usage = 'worst';
    await h.fx.exercise({ id: 'ex', guide: 'modeling-en', section: 'Stocks and flows', title: 'Stocks', question: 'What is a stock?', maxPoints: 3 });
    for (let i = 0; i <= STUDENTS; i++) {
      await h.fx.person({ id: `stu-${i}`, language: 'en' });
      await h.fx.answer({ id: String(7000 + i), student: `stu-${i}`, exercise: 'ex', answer: ANSWER, status: 'draft' });
    }
  });
  after(() => h.close());

  it(`starts and pays at most the ${FITS} calls the money fits, and the month's total never passes the budget`, async () => {
    // One check first, to learn what a call of this prompt reserves (the same for every student).
    expect((await call(h, 'POST', '/answers/7000/check', 'stu-0')).body.check.status).to.equal('checked');
    const { rows: [warm] } = await h.db.pool.query(`select amount_micros::float8 as reserved from ai_budget_ledger
      where kind = 'reserve' and check_id = $1 and entry_key not like 'reserve:embed:%'`, [(await checkOf(h, '7000')).id]);
    const reserved = warm.reserved as number;
    const { rows: [embedding] } = await h.db.pool.query(`select max(amount_micros)::float8 as reserved from ai_budget_ledger
      where kind = 'reserve' and entry_key like 'reserve:embed:%' and check_id = $1`, [(await checkOf(h, '7000')).id]);
    expect(embedding.reserved, 'the query embedding is booked with its check').to.be.greaterThan(0);
    const budget = (await spent()) + STUDENTS * embedding.reserved + FITS * reserved + Math.floor(reserved / 2);
    h.settings.limits.monthlyBudgetMicros = budget;

    let highest = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        highest = Math.max(highest, await spent());
        await sleep(5);
      }
    })();
    const start = h.model.hold('embeddings');
    const gate = h.model.hold();
    const before = h.model.requests.length;
    let answered = 0;
    const burst = Array.from({ length: STUDENTS }, (_, i) => call(h, 'POST', `/answers/${7001 + i}/check`, `stu-${i + 1}`)
      .finally(() => { answered++; }));

    await until('every query embedding to be asked for', () => start.held() === STUDENTS);
    expect(await spent(), 'fifty embeddings reserved').to.be.at.most(budget);
    start.release();
    // Every check either answered (refused) or waiting at the model: no call is settled yet.
    await until('every check to be answered or at the model', () => answered + gate.held() === STUDENTS);
    await sleep(200);
    expect(gate.held(), 'calls the model got at once').to.equal(FITS);
    expect(answered, 'the refused ones are answered at once').to.equal(STUDENTS - FITS);
    expect(h.model.requests.length - before).to.equal(FITS);
    expect(await spent(), 'reserved in flight').to.be.at.most(budget);

    gate.release();
    const responses = await Promise.all(burst);
    sampling = false;
    await sampler;

    const statuses = responses.map((r) => `${r.body.check.status}:${r.body.check.reason ?? ''}`);
    expect(statuses.filter((s) => s === 'checked:')).to.have.length(FITS);
    expect(statuses.filter((s) => s === 'waiting_mentor:BUDGET_EXHAUSTED')).to.have.length(STUDENTS - FITS);
    expect(h.model.requests.length - before, 'no call after the burst either').to.equal(FITS);

    const total = await spent();
    expect(total, 'the month\'s total').to.be.at.most(budget);
    expect(highest, 'the total at any moment of the burst').to.be.at.most(budget);
    const { rows: paid } = await h.db.pool.query(`select check_id from ai_budget_ledger where check_id is not null
      and entry_key not like '%embed:%' group by check_id having sum(amount_micros) > 0`);
    expect(paid, 'model calls paid for, the first one included').to.have.length(FITS + 1);
    const { rows: embedded } = await h.db.pool.query(`select count(distinct check_id)::int as n from ai_budget_ledger
      where entry_key like 'reserve:embed:%'`);
    expect(embedded[0].n, 'every check\'s query embedding booked').to.equal(STUDENTS + 1);
    const { rows: quota } = await h.db.pool.query(`select count(*)::int as n from ai_quota_counter where window_kind = 'day' and used > 0`);
    expect(quota[0].n, 'a refused check uses no quota').to.equal(FITS + 1);
  });
});
