import { expect } from 'chai';
import { withMentorText } from '../../extensions/ai-check/messages.ts';
import { call, PRICING, startHarness, type Harness } from './support/harness.ts';
import { answerRow, checkOf, deliverAnswerEvent, outboxOf, sleep } from './support/flow.ts';

const GOOD_RU = 'Граница системы проводится по функции, а не по физическому корпусу: часть, которая работает на функцию системы, лежит внутри границы.';
const GOOD_EN = 'A stock is an accumulation you can count at a moment in time; it changes only through flows that fill or drain it, which gives the system inertia.';

describe('ai-check: checking answers', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness({ label: 'ai_flow' });
    await h.fx.person({ id: 'stu-self', name: 'Аня', language: 'ru', telegram: '1001' });
    await h.fx.person({ id: 'stu-led', name: 'Ben', language: 'en', telegram: '1002', email: 'ben@school.test', group: 'g1' });
    await h.fx.person({ id: 'mentor-1', name: 'Мария', language: 'ru', telegram: '2001' });
    await h.fx.mentor('g1', 'mentor-1');
    await h.fx.exercise({ id: 'ex-bound', guide: 'systems-ru', section: 'Границы системы', title: 'Граница', question: 'Как провести границу системы и почему по функции?', maxPoints: 5 });
    await h.fx.exercise({ id: 'ex-stock', guide: 'modeling-en', guideTitle: 'Modeling basics', section: 'Stocks and flows', title: 'Stocks', question: 'What is a stock and how does it change?', maxPoints: 3 });
  });
  after(() => h.close());

  it('checks a self-learner\'s submitted answer at once: verdict, tokens and cost stored, written back, student told', async () => {
    await h.fx.answer({ id: '101', student: 'stu-self', exercise: 'ex-bound', answer: GOOD_RU });
    await deliverAnswerEvent(h, { Id: 101, Student: 'stu-self', Exercise: 'ex-bound', Answer: GOOD_RU, Status: 'submitted' });
    expect((await checkOf(h, '101')).status).to.equal('queued');
    await h.capability.drain();

    const check = await checkOf(h, '101');
    expect(check).to.include({ status: 'checked', model_calls: 1, currency: 'USD' });
    expect(check.ai_verdict).to.include({ verdict: 'accepted', score: 5, maxScore: 5, by: 'ai' });
    expect(check.prompt_tokens).to.be.greaterThan(0);
    expect(check.cost_micros).to.equal(Math.ceil(check.prompt_tokens * PRICING.inputPer1M + check.completion_tokens * PRICING.outputPer1M));
    expect(check.used_chunks).to.have.length(1);
    const { rows: ledger } = await h.db.pool.query('select sum(amount_micros)::float8 as spent from ai_budget_ledger');
    expect(ledger[0].spent).to.equal(check.cost_micros);

    const row = await answerRow(h, '101');
    expect(row.status).to.equal('checked');
    expect(row.ai_verdict).to.include({ verdict: 'accepted', score: 5 });
    const { rows: writes } = await h.db.pool.query(`select update->>'status' as status from test_answer_writes where answer_id = '101' order by n`);
    expect(writes.map((w) => w.status)).to.deep.equal(['checking', 'checked']);

    const request = h.model.requests.at(-1)!;
    expect(request.authorization).to.equal('Bearer test-key');
    expect(request.response_format?.type).to.equal('json_schema');
    expect(request.messages[0]!.content).not.to.include(GOOD_RU);
    const graded = JSON.parse(request.messages.at(-1)!.content);
    expect(graded.student_answer).to.equal(GOOD_RU);
    expect(graded.guide_excerpts[0].section).to.equal('Границы системы', 'the exercise\'s own section comes first');

    const [notice] = await outboxOf(h, '1001');
    expect(notice).to.include({ channel: 'telegram', status: 'sent' });
    expect(h.telegram.messages.find((m) => m.chat_id === '1001')!.text).to.include('Ответ принят: 5 из 5');
  });

  it('reacts only when an answer becomes submitted, and once per answer text', async () => {
    await h.fx.answer({ id: '102', student: 'stu-self', exercise: 'ex-bound', answer: 'черновик', status: 'draft' });
    await deliverAnswerEvent(h, { Id: 102, Student: 'stu-self', Exercise: 'ex-bound', Answer: 'черновик', Status: 'draft' });
    const none = await h.db.pool.query(`select 1 from ai_check where answer_id = '102'`);
    expect(none.rowCount).to.equal(0);
    const row = { Id: 102, Student: 'stu-self', Exercise: 'ex-bound', Answer: GOOD_RU, Status: 'submitted' };
    await deliverAnswerEvent(h, row, { ...row, Status: 'draft' });
    await deliverAnswerEvent(h, row, { ...row, Status: 'draft' });
    await deliverAnswerEvent(h, row);
    const { rows } = await h.db.pool.query(`select count(*)::int as n from ai_check where answer_id = '102'`);
    expect(rows[0].n).to.equal(1);
  });

  it('keeps a mentor-led student\'s verdict for the mentor, who accepts it; then the student sees it', async () => {
    await h.fx.answer({ id: '201', student: 'stu-led', exercise: 'ex-stock', answer: GOOD_EN, workbook: '31' });
    const row = { Id: 201, Student: 'stu-led', Exercise: 'ex-stock', Answer: GOOD_EN, Status: 'submitted' };
    await deliverAnswerEvent(h, row, { ...row, Status: 'draft' });
    await h.capability.drain();

    const waiting = await checkOf(h, '201');
    expect(waiting).to.include({ status: 'waiting_mentor', reason: null });
    expect(waiting.ai_verdict).to.include({ verdict: 'accepted', by: 'ai' });
    expect(await answerRow(h, '201')).to.deep.equal({ status: 'waiting_mentor', ai_verdict: null, mentor_verdict: null });
    const seen = await call(h, 'GET', '/answers/201/check', 'stu-led');
    expect(seen.body.check).to.include({ status: 'waiting_mentor', verdict: null, message: withMentorText('en') });
    const request = h.telegram.messages.find((m) => m.chat_id === '2001')!.text;
    expect(request, 'the mentor\'s notice names the student, exercise and guide').to.include('Ben ответил(а) на «Stocks» (руководство «Modeling basics»)');
    expect(request).to.include('Оценка ИИ: Ответ принят: 3 из 3');

    const queue = await call(h, 'GET', '/reviews?group=g1', 'mentor-1');
    expect(queue.status).to.equal(200);
    expect(queue.body.reviews).to.have.length(1);
    const review = queue.body.reviews[0];
    expect(review).to.include({ answerId: '201', exerciseTitle: 'Stocks', answerText: GOOD_EN, kind: 'review' });
    expect(request).to.include(`Проверить: https://school.test/reviews#review-${review.id}`);

    const accepted = await call(h, 'POST', `/reviews/${review.id}`, 'mentor-1', { action: 'accept' });
    expect(accepted.status).to.equal(200);
    expect(accepted.body.review).to.include({ status: 'accepted', reviewerId: 'mentor-1' });
    expect(h.guardChecks.at(-1)).to.deep.equal({ relation: 'review', object: 'Group:g1', identity: 'mentor-1' });

    const row201 = await answerRow(h, '201');
    expect(row201.status).to.equal('checked');
    expect(row201.mentor_verdict).to.include({ verdict: 'accepted', by: 'mentor' });
    await h.capability.drain();
    const studentTelegram = h.telegram.messages.filter((m) => m.chat_id === '1002');
    expect(studentTelegram).to.have.length(1);
    expect(studentTelegram[0]!.text).to.include('Answer accepted: 3 of 3 (mentor)')
      .and.include('"Stocks" (guide "Modeling basics")').and.include('Open: https://school.test/workbooks/31#exercise-201');
    const notices = await outboxOf(h, 'ben@school.test');
    expect(notices.map((n) => [n.channel, n.status])).to.deep.equal([['email', 'pending']], 'no mailer yet: e-mail waits, nothing lost');

    const again = await call(h, 'POST', `/reviews/${review.id}`, 'mentor-1', { action: 'accept' });
    expect(again.status).to.equal(200);
    const changed = await call(h, 'POST', `/reviews/${review.id}`, 'mentor-1', { action: 'edit', verdict: 'needs_work', score: 1, feedback: 'no' });
    expect(changed.status).to.equal(409);
    expect(changed.body.error.code).to.equal('REVIEW_ALREADY_DECIDED');
  });

  it('uses a mentor\'s correction on the same exercise as a graded example in later prompts', async () => {
    const text = 'Stocks are things in a warehouse.';
    await h.fx.answer({ id: '202', student: 'stu-led', exercise: 'ex-stock', answer: text });
    await deliverAnswerEvent(h, { Id: 202, Student: 'stu-led', Exercise: 'ex-stock', Answer: text, Status: 'submitted' });
    await h.capability.drain();
    const { body } = await call(h, 'GET', '/reviews?group=g1', 'mentor-1');
    const edited = await call(h, 'POST', `/reviews/${body.reviews[0].id}`, 'mentor-1',
      { action: 'edit', verdict: 'needs_work', score: 0, feedback: 'Mentor: a stock is an accumulation, not goods.' });
    expect(edited.status).to.equal(200);
    expect((await answerRow(h, '202')).status).to.equal('returned');

    const other = 'A stock is an accumulation, like water in a bathtub, changed by flows over time.';
    await h.fx.answer({ id: '203', student: 'stu-self', exercise: 'ex-stock', answer: other });
    await deliverAnswerEvent(h, { Id: 203, Student: 'stu-self', Exercise: 'ex-stock', Answer: other, Status: 'submitted' });
    await h.capability.drain();
    const messages = h.model.requests.at(-1)!.messages;
    const examples = messages.filter((m) => m.role === 'user' && m.content.includes('graded_example'));
    expect(examples.map((m) => JSON.parse(m.content).student_answer)).to.include(text);
    expect(messages.some((m) => m.role === 'assistant' && m.content.includes('Mentor: a stock is an accumulation'))).to.equal(true);
  });

  it('checks at once through POST /answers/:id/check, behind the guide\'s read permission', async () => {
    await h.fx.answer({ id: '301', student: 'stu-self', exercise: 'ex-bound', answer: `${GOOD_RU} Это проверка через API.`, status: 'draft' });
    const response = await call(h, 'POST', '/answers/301/check', 'stu-self');
    expect(response.status).to.equal(200);
    expect(response.body.check).to.include({ status: 'checked', answerId: '301' });
    expect(response.body.check.verdict).to.include({ verdict: 'accepted', by: 'ai' });
    expect(h.guardChecks.at(-1)).to.deep.equal({ relation: 'read', object: 'Guide:systems-ru', identity: 'stu-self' });
    const stranger = await call(h, 'POST', '/answers/301/check', 'stu-led');
    expect(stranger.status).to.equal(403);
    expect(stranger.body.error.code).to.equal('NOT_YOUR_ANSWER');
    const missing = await call(h, 'POST', '/answers/999/check', 'stu-self');
    expect(missing.status).to.equal(404);
  });

  it('runs in the background: a committed answer event wakes the loop, which checks it', async () => {
    await h.capability.start!();
    try {
      const text = `${GOOD_RU} Фоновая проверка.`;
      await h.fx.answer({ id: '401', student: 'stu-self', exercise: 'ex-bound', answer: text });
      await deliverAnswerEvent(h, { Id: 401, Student: 'stu-self', Exercise: 'ex-bound', Answer: text, Status: 'submitted' });
      const until = Date.now() + 5_000;
      while ((await answerRow(h, '401')).status !== 'checked' && Date.now() < until) await sleep(20);
      expect((await answerRow(h, '401')).status).to.equal('checked');
    } finally {
      await h.capability.stop!();
    }
  });
});
