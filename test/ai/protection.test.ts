import { expect } from 'chai';
import { budgetMonth } from '../../extensions/ai-check/budget.ts';
import { reasonText } from '../../extensions/ai-check/messages.ts';
import { call, PRICING, startHarness, type Harness, type HarnessOptions } from './support/harness.ts';
import { answerRow, checkOf, drainUntil, outboxOf } from './support/flow.ts';

const GOOD_EN = 'A stock is an accumulation you can count at a moment in time; it changes only through flows that fill or drain it.';

async function setup(opts: HarnessOptions): Promise<Harness> {
  const h = await startHarness(opts);
  await h.fx.person({ id: 'stu', name: 'Sam', language: 'en', telegram: '5001' });
  await h.fx.person({ id: 'stu-ru', name: 'Олег', language: 'ru', telegram: '5002' });
  await h.fx.person({ id: 'stu-wb', name: 'Wes', language: 'en' });
  await h.fx.person({ id: 'staff-1', name: 'Staff', language: 'en', telegram: '9001' });
  await h.fx.mentor('reviewers', 'staff-1');
  await h.fx.exercise({ id: 'ex', guide: 'modeling-en', section: 'Stocks and flows', title: 'Stocks', question: 'What is a stock?', maxPoints: 3 });
  return h;
}

let answers = 0;
async function check(h: Harness, text: string, student = 'stu') {
  const id = String(1000 + ++answers);
  await h.fx.answer({ id, student, exercise: 'ex', answer: text, status: 'draft' });
  const response = await call(h, 'POST', `/answers/${id}/check`, student);
  return { id, ...response };
}

describe('ai-check: protection and resilience', () => {
  describe('with the AI provider configured', () => {
    let h: Harness;
    before(async () => {
      h = await setup({ label: 'ai_protect', limits: { perHour: 3, maxAnswerChars: 400 }, providerOverrides: { timeoutMs: 600, maxRetries: 2 } });
    });
    after(() => h.close());

    it('serves the same answer to the same exercise from the cache, at no cost and no quota', async () => {
      const first = await check(h, GOOD_EN);
      const requests = h.model.requests.length;
      const second = await check(h, `  ${GOOD_EN.replaceAll(' ', '  ')} `);
      expect(h.model.requests.length).to.equal(requests, 'no model call');
      const cached = await checkOf(h, second.id);
      expect(cached).to.include({ status: 'checked', model_calls: 0, cost_micros: 0, prompt_tokens: 0, cached_from: (await checkOf(h, first.id)).id });
      expect(second.body.check.verdict).to.include({ verdict: 'accepted', by: 'cache' });
      const { rows } = await h.db.pool.query(`select used from ai_quota_counter where identity_id = 'stu' and window_kind = 'hour'`);
      expect(rows[0].used).to.equal(1);
    });

    it('retries once when the model\'s output is not valid, then accepts a valid one', async () => {
      h.model.script.push({ kind: 'invalid-json' });
      const r = await check(h, 'Stocks are accumulations changed by flows of water in a bathtub over time.');
      expect(r.body.check.status).to.equal('checked');
      expect((await checkOf(h, r.id)).model_calls).to.equal(2);
    });

    it('sends an answer to a mentor when the output is invalid twice, with tokens and cost still counted', async () => {
      h.model.script.push({ kind: 'invalid-json' }, { kind: 'reply', content: '{"verdict":"accepted","score":99,"feedback":"x","used_chunks":[],"confidence":0.9}' });
      const r = await check(h, 'A stock can be counted at a moment in time, like money in an account.');
      expect(r.status).to.equal(200);
      expect(r.body.check).to.include({ status: 'waiting_mentor', reason: 'MODEL_OUTPUT_INVALID', verdict: null });
      const stored = await checkOf(h, r.id);
      expect(stored.model_calls).to.equal(2);
      expect(stored.cost_micros).to.be.greaterThan(0);
      expect(stored.ai_verdict).to.equal(null);
      const { rows } = await h.db.pool.query(`select group_id, r.status from ai_review r join ai_check c on c.id = r.check_id where c.answer_id = $1`, [r.id]);
      expect(rows).to.deep.equal([{ group_id: 'reviewers', status: 'pending' }]);
      expect(h.telegram.messages.some((m) => m.chat_id === '9001' && m.text.includes('No AI verdict'))).to.equal(false, 'not drained yet');
      await h.capability.drain();
      expect(h.telegram.messages.some((m) => m.chat_id === '9001' && m.text.includes('No AI verdict'))).to.equal(true);
    });

    it('refuses a fourth check in the hour with a clear message, and the answer waits for a mentor', async () => {
      const r = await check(h, 'Flows fill and drain a stock, so it changes slowly and gives the system memory.');
      expect(r.body.check).to.include({ status: 'waiting_mentor', reason: 'QUOTA_EXCEEDED' });
      expect(r.body.check.message).to.match(/^You have used all automatic checks \(3 per hour\)/);
      expect(await answerRow(h, r.id)).to.include({ status: 'waiting_mentor', ai_verdict: null });
      await h.capability.drain();
      const notices = await outboxOf(h, '5001');
      expect(notices.at(-1)!.body).to.include('You have used all automatic checks');
    });

    it('tells a Russian-speaking student in Russian', () => {
      expect(reasonText('QUOTA_EXCEEDED', 'ru', { limit: 3, window: 'hour', resetsAt: new Date('2025-01-01T10:00:00Z') }))
        .to.match(/^Лимит автоматических проверок исчерпан \(3 в час\)\. Ответ сохранён и ждёт наставника/);
    });

    it('does not call the model for an answer longer than the limit', async () => {
      const requests = h.model.requests.length;
      const r = await check(h, 'x'.repeat(401), 'stu-ru');
      expect(r.body.check).to.include({ status: 'waiting_mentor', reason: 'ANSWER_TOO_LONG' });
      expect(r.body.check.message).to.include('длиннее 400 символов');
      expect(h.model.requests.length).to.equal(requests);
    });

    it('waits out a 429 with Retry-After, then succeeds', async () => {
      h.model.script.push({ kind: 'rate-limit', retryAfterSeconds: 1 });
      const started = Date.now();
      const r = await check(h, 'A balancing loop pushes a system towards its goal, like a thermostat.', 'stu-ru');
      expect(Date.now() - started).to.be.at.least(1000);
      expect(r.body.check.status).to.equal('checked');
      expect((await checkOf(h, r.id)).model_calls).to.equal(1);
    });

    it('retries a call that timed out, booking the timed-out attempt at its reservation and the answered one at its usage', async () => {
      h.model.script.push({ kind: 'delay', ms: 1500 });
      const before = h.model.requests.length;
      const r = await check(h, 'Stocks give a system inertia because they change only through flows.', 'stu-ru');
      expect(r.body.check.status).to.equal('checked');
      expect(h.model.requests.length - before).to.equal(2);
      const stored = await checkOf(h, r.id);
      const { rows } = await h.db.pool.query(`select kind, amount_micros::float8 as amount from ai_budget_ledger where check_id = $1 order by id`, [stored.id]);
      expect(rows.map((x) => x.kind), 'each attempt reserved before it was sent').to.deep.equal(['reserve', 'settle', 'reserve', 'settle']);
      const [first, timedOut, second, answered] = rows.map((x) => x.amount as number);
      expect(timedOut, 'the timed-out attempt is kept at its reservation').to.equal(0);
      expect(second).to.equal(first);
      expect(second! + answered!).to.equal(Math.ceil(stored.prompt_tokens * PRICING.inputPer1M + stored.completion_tokens * PRICING.outputPer1M));
      expect(stored.cost_micros, 'the check costs both attempts').to.equal(first! + second! + answered!);
      expect(stored.model_calls).to.equal(1);
    });

    it('keeps retrying a provider that fails with 500, then sends the answer to a mentor and leaves a dead letter staff can replay', async () => {
      h.model.script.push(...Array.from({ length: 9 }, () => ({ kind: 'status' as const, status: 500 })));
      const r = await check(h, 'A flow is a rate that fills or drains a stock over time.', 'stu-ru');
      expect(r.status).to.equal(202);
      expect(r.body.check).to.include({ status: 'queued' });
      await drainUntil(h, async () => (await checkOf(h, r.id)).status !== 'queued');
      const failed = await checkOf(h, r.id);
      expect(failed).to.include({ status: 'waiting_mentor', reason: 'AI_PROVIDER_UNAVAILABLE' });
      expect(h.model.script).to.have.length(0);
      // The failed calls may be billed: each is booked at what was reserved for it, none at 0.
      const { rows: booked } = await h.db.pool.query(`select kind, amount_micros::float8 as amount from ai_budget_ledger where check_id = $1 order by id`, [failed.id]);
      const reserved = booked.filter((b) => b.kind === 'reserve');
      expect(reserved.length, 'a reservation per attempt').to.be.greaterThan(0);
      expect(booked.filter((b) => b.kind === 'release'), 'nothing handed back as if free').to.deep.equal([]);
      expect(booked.reduce((sum, b) => sum + b.amount, 0), 'the month is charged the reserved maximum').to.equal(reserved.reduce((sum, b) => sum + b.amount, 0));
      expect(failed.cost_micros).to.be.greaterThan(0);

      const letters = await call(h, 'GET', '/dead-letters', 'staff-1');
      expect(h.guardChecks.at(-1)).to.include({ relation: 'members', object: 'Role:staff' });
      const letter = letters.body.deadLetters.find((l: { kind: string; refId: string }) => l.kind === 'check' && l.refId === failed.id);
      expect(letter.error).to.match(/^AI_PROVIDER_UNAVAILABLE/);

      const replay = await call(h, 'POST', `/dead-letters/${letter.id}/replay`, 'staff-1');
      expect(replay.status).to.equal(200);
      await h.capability.drain();
      const replayed = await checkOf(h, r.id);
      expect(replayed).to.include({ status: 'checked', reason: null });
      const { rows } = await h.db.pool.query(`select r.status from ai_review r join ai_check c on c.id = r.check_id where c.answer_id = $1`, [r.id]);
      expect(rows.map((x) => x.status)).to.deep.equal(['cancelled']);
      expect((await call(h, 'POST', `/dead-letters/${letter.id}/replay`, 'staff-1')).status).to.equal(409);
    });

    it('writes back again after the answers store failed, and leaves a dead letter when it keeps failing', async () => {
      h.answers.failWrites = 1 + 1;
      const r = await check(h, 'A stock is like the money in an account, counted at one moment.', 'stu-wb');
      expect(r.body.check.status).to.equal('checked');
      await drainUntil(h, async () => (await checkOf(h, r.id)).written_back_at !== null);
      expect((await answerRow(h, r.id)).status).to.equal('checked');

      h.answers.failWrites = 100;
      const s = await check(h, 'Stocks and flows: the bathtub fills through the tap and drains through the plug.', 'stu-wb');
      await drainUntil(h, async () => (await h.db.pool.query(`select 1 from ai_dead_letter where kind = 'writeback' and ref_id = $1`, [(await checkOf(h, s.id)).id])).rowCount === 1);
      h.answers.failWrites = 0;
      const { rows } = await h.db.pool.query(`select id::text from ai_dead_letter where kind = 'writeback' and replayed_at is null`);
      await call(h, 'POST', `/dead-letters/${rows[0].id}/replay`, 'staff-1');
      await h.capability.drain();
      expect((await answerRow(h, s.id)).status).to.equal('checked');
    });
  });

  describe('when the month\'s budget is spent', () => {
    let h: Harness;
    before(async () => {
      h = await setup({ label: 'ai_budget', limits: { monthlyBudgetMicros: 50_000 } });
    });
    after(() => h.close());

    it('checks while money is left, then answers wait for a mentor, with the quota not charged', async () => {
      const first = await check(h, GOOD_EN);
      expect(first.body.check.status).to.equal('checked');
      await h.db.pool.query(`insert into ai_budget_ledger (month, entry_key, kind, amount_micros) values ($1, 'test-spend', 'settle', 49000)`, [budgetMonth(new Date())]);
      const requests = h.model.requests.length;
      const second = await check(h, 'A stock changes only through its flows.');
      expect(second.body.check).to.include({ status: 'waiting_mentor', reason: 'BUDGET_EXHAUSTED' });
      expect(second.body.check.message).to.include('budget for automatic checks is spent');
      expect(h.model.requests.length).to.equal(requests);
      const { rows } = await h.db.pool.query(`select used from ai_quota_counter where identity_id = 'stu' and window_kind = 'day'`);
      expect(rows[0].used).to.equal(1, 'the refused check did not use the quota');
      const { rows: spent } = await h.db.pool.query('select sum(amount_micros)::float8 as s from ai_budget_ledger');
      expect(spent[0].s).to.be.at.most(50_000);
    });

    it('reserves a retry before sending it, and sends none the budget cannot pay for', async () => {
      const spent = async () => Number((await h.db.pool.query('select sum(amount_micros)::float8 as s from ai_budget_ledger')).rows[0].s);
      // The first check's prompt again (another student, the same answer): the same reservation.
      const { rows: [first] } = await h.db.pool.query(`select amount_micros::float8 as amount from ai_budget_ledger
        where kind = 'reserve' and check_id is not null order by id limit 1`);
      const budget = (await spent()) + first.amount + Math.floor(first.amount / 2);
      h.settings.limits.monthlyBudgetMicros = budget;
      h.model.script.push({ kind: 'status', status: 500 });
      const requests = h.model.requests.length;
      const r = await check(h, GOOD_EN, 'stu-wb');
      expect(r.body.check).to.include({ status: 'waiting_mentor', reason: 'BUDGET_EXHAUSTED' });
      expect(h.model.requests.length - requests, 'the retry was not sent').to.equal(1);
      const { rows } = await h.db.pool.query(`select kind, amount_micros::float8 as amount from ai_budget_ledger
        where check_id = $1 order by id`, [(await checkOf(h, r.id)).id]);
      expect(rows).to.deep.equal([{ kind: 'reserve', amount: first.amount }, { kind: 'settle', amount: 0 }]);
      expect(await spent()).to.be.at.most(budget);
    });
  });

  describe('without an AI provider (the default)', () => {
    let h: Harness;
    before(async () => {
      h = await setup({ label: 'ai_noprovider', provider: false });
    });
    after(() => h.close());

    it('puts answers in the mentors\' queue with a clear reason, and nothing looks like an AI verdict', async () => {
      const r = await check(h, GOOD_EN);
      expect(r.body.check).to.include({ status: 'waiting_mentor', reason: 'AI_NOT_CONFIGURED', verdict: null });
      expect(r.body.check.message).to.equal(reasonText('AI_NOT_CONFIGURED', 'en'));
      expect(h.model.requests).to.have.length(0);
      const stored = await checkOf(h, r.id);
      expect(stored.ai_verdict).to.equal(null);
      expect(await answerRow(h, r.id)).to.deep.equal({ status: 'waiting_mentor', ai_verdict: null, mentor_verdict: null });

      const queue = await call(h, 'GET', '/reviews?group=reviewers', 'staff-1');
      const review = queue.body.reviews[0];
      expect(review).to.include({ aiVerdict: null, reason: 'AI_NOT_CONFIGURED' });
      const accept = await call(h, 'POST', `/reviews/${review.id}`, 'staff-1', { action: 'accept' });
      expect(accept.status).to.equal(409);
      expect(accept.body.error.code).to.equal('NOTHING_TO_ACCEPT');
      const tooHigh = await call(h, 'POST', `/reviews/${review.id}`, 'staff-1', { action: 'edit', verdict: 'accepted', score: 4, feedback: 'Good.' });
      expect(tooHigh.body.error.code).to.equal('SCORE_OUT_OF_RANGE');
      const edit = await call(h, 'POST', `/reviews/${review.id}`, 'staff-1', { action: 'edit', verdict: 'accepted', score: 3, feedback: 'Good.' });
      expect(edit.status).to.equal(200);
      expect(await answerRow(h, r.id)).to.deep.include({ status: 'checked', ai_verdict: null });
    });
  });
});
