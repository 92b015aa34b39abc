/**
 * A self-learner sees the AI verdict without a person in between, so its feedback is checked
 * before release for handing over the exercise's reference answer or another student's
 * graded answer (both are in the prompt). Such a verdict waits for staff instead.
 */
import { expect } from 'chai';
import { call, startHarness, type Harness } from './support/harness.ts';
import { answerRow, checkOf } from './support/flow.ts';

const REFERENCE = 'Смотрим на роль системы в надсистеме: внутри оказывается каждая часть, без которой система перестала бы выполнять свою роль, даже удалённая; всё прочее считаем окружением.';
const reply = (feedback: string) => ({
  kind: 'reply' as const,
  content: JSON.stringify({ verdict: 'needs_work', score: 2, feedback, used_chunks: [], confidence: 0.95 }),
});

describe('ai-check: feedback that would hand over the reference answer', () => {
  let h: Harness;
  let n = 500;
  const check = async (student: string, answer: string, feedback: string) => {
    const id = String(++n);
    await h.fx.answer({ id, student, exercise: 'ex-ref', answer, status: 'draft' });
    h.model.script.push(reply(feedback));
    const r = await call(h, 'POST', `/answers/${id}/check`, student);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return { id, view: r.body.check };
  };
  const staffQueue = async () => (await call(h, 'GET', '/reviews?group=reviewers', 'staff-1')).body.reviews as { id: string; answerId: string; kind: string; note: string | null; aiVerdict: { feedback: string } | null }[];
  const told = (chat: string) => h.telegram.messages.filter((m) => m.chat_id === chat).map((m) => m.text);

  before(async () => {
    h = await startHarness({ label: 'ai_feedback_release' });
    await h.fx.person({ id: 'stu-solo', name: 'Соня', language: 'ru', telegram: '6001' });
    await h.fx.person({ id: 'stu-led', name: 'Лев', language: 'ru', telegram: '6002', group: 'g1' });
    await h.fx.person({ id: 'mentor-1', name: 'Мария', language: 'ru', telegram: '6801' });
    await h.fx.person({ id: 'staff-1', name: 'Staff', language: 'en', telegram: '6900' });
    await h.fx.mentor('g1', 'mentor-1');
    await h.fx.mentor('reviewers', 'staff-1');
    await h.fx.exercise({
      id: 'ex-ref', guide: 'systems-ru', section: 'Границы системы', title: 'Граница', question: 'Как провести границу системы?', maxPoints: 5,
      referenceAnswer: REFERENCE,
    });
  });
  after(() => h.close());

  it('asks the model not to quote or paraphrase the reference answer it is given', async () => {
    await check('stu-solo', 'Граница проводится по функции системы: то, что работает на функцию, внутри.', 'Хорошо, назовите функцию явно.');
    const request = h.model.requests.at(-1)!;
    expect(JSON.parse(request.messages.at(-1)!.content).exercise.reference_answer).to.equal(REFERENCE);
    expect(request.messages[0]!.content).to.include('Do not quote or paraphrase the reference answer in "feedback"');
  });

  it('releases a self-learner\'s ordinary feedback at once', async () => {
    const { id, view } = await check('stu-solo', 'Граница отделяет систему от окружения, её проводят по функции.', 'Назовите, какая часть работает на функцию, и перечитайте раздел «Границы системы».');
    expect(view).to.include({ status: 'checked' });
    expect(view.verdict).to.include({ verdict: 'needs_work', by: 'ai' });
    expect((await answerRow(h, id)).ai_verdict).to.include({ score: 2 });
    expect((await staffQueue()).map((r) => r.answerId)).to.not.include(id);
    await h.capability.drain();
    expect(told('6001').at(-1)).to.include('перечитайте раздел «Границы системы»');
  });

  it('holds feedback that contains the reference answer: the student sees it pending, staff get a review saying why, and their verdict is what the student gets', async () => {
    const sent = told('6001').length;
    const { id, view } = await check('stu-solo', 'Граница — это корпус системы, всё внутри корпуса.', `Не совсем. Правильный ответ: ${REFERENCE}`);
    expect(view).to.include({ status: 'waiting_mentor', verdict: null, reason: null });
    expect(view.message).to.equal('Ответ проверен автоматически; наставник посмотрит проверку, прежде чем вы увидите результат.');
    expect(JSON.stringify((await call(h, 'GET', `/answers/${id}/check`, 'stu-solo')).body)).to.not.include('надсистеме');
    expect(await answerRow(h, id)).to.deep.equal({ status: 'waiting_mentor', ai_verdict: null, mentor_verdict: null });
    expect((await checkOf(h, id)).final_verdict).to.equal(null);

    const review = (await staffQueue()).find((r) => r.answerId === id)!;
    expect(review).to.include({ kind: 'review', note: 'feedback_quotes_reference' });
    expect(review.aiVerdict!.feedback, 'staff see what the model wrote').to.include('надсистеме');
    await h.capability.drain();
    expect(told('6001').slice(sent).join('\n'), 'nothing of it reached the student').to.not.include('надсистеме');
    expect(told('6900').at(-1)).to.include('repeats the reference answer').and.include('the student has not seen it');

    const decided = await call(h, 'POST', `/reviews/${review.id}`, 'staff-1', { action: 'edit', verdict: 'needs_work', score: 2, feedback: 'Граница проходит не по корпусу. Перечитайте раздел о функции системы.' });
    expect(decided.status).to.equal(200);
    await h.capability.drain();
    expect((await answerRow(h, id)).mentor_verdict).to.include({ feedback: 'Граница проходит не по корпусу. Перечитайте раздел о функции системы.', by: 'mentor' });
    expect(told('6001').at(-1)).to.include('Граница проходит не по корпусу').and.not.include('надсистеме');
  });

  it('holds a cached verdict again when the same answer comes back while its feedback waits', async () => {
    const answer = 'Граница проходит по стенам здания, где стоит система.';
    const first = await check('stu-solo', answer, `Правильно так: ${REFERENCE}`);
    expect(first.view.status).to.equal('waiting_mentor');
    const calls = h.model.requests.length;
    h.model.script.length = 0;
    const id = String(++n);
    await h.fx.answer({ id, student: 'stu-solo', exercise: 'ex-ref', answer, status: 'draft' });
    const again = await call(h, 'POST', `/answers/${id}/check`, 'stu-solo');
    expect(h.model.requests.length, 'from the cache').to.equal(calls);
    expect(again.body.check).to.include({ status: 'waiting_mentor', verdict: null });
    expect((await checkOf(h, id)).cached_from).to.equal((await checkOf(h, first.id)).id);
  });

  it('holds feedback that quotes another student\'s graded answer from the prompt', async () => {
    const graded = 'Я мысленно убираю каждую часть по очереди: если без неё пропадает то, ради чего систему держат, часть лежит внутри границы.';
    await h.fx.answer({ id: '590', student: 'stu-led', exercise: 'ex-ref', answer: graded, status: 'draft' });
    h.model.script.push(reply('Хорошо.'));
    await call(h, 'POST', '/answers/590/check', 'stu-led');
    const { body } = await call(h, 'GET', '/reviews?group=g1', 'mentor-1');
    const led = body.reviews.find((r: { answerId: string }) => r.answerId === '590');
    expect((await call(h, 'POST', `/reviews/${led.id}`, 'mentor-1', { action: 'edit', verdict: 'accepted', score: 5, feedback: 'Отличный способ.' })).status).to.equal(200);

    const { id, view } = await check('stu-solo', 'Граница там, где кончаются провода.', `Попробуйте так: ${graded}`);
    const prompt = h.model.requests.at(-1)!.messages.map((m) => m.content).join('\n');
    expect(prompt, 'the graded example was in the prompt').to.include(graded);
    expect(view).to.include({ status: 'waiting_mentor', verdict: null });
    expect((await staffQueue()).find((r) => r.answerId === id)).to.include({ note: 'feedback_quotes_reference' });
  });

  it('tells a mentor-led group\'s mentor why, too', async () => {
    const { id } = await check('stu-led', 'Граница — это забор вокруг системы.', `Эталон: ${REFERENCE}`);
    const { body } = await call(h, 'GET', '/reviews?group=g1', 'mentor-1');
    expect(body.reviews.find((r: { answerId: string }) => r.answerId === id)).to.include({ kind: 'review', note: 'feedback_quotes_reference' });
    await h.capability.drain();
    expect(told('6801').find((t) => t.includes('Эталон:'))).to.include('Отзыв ИИ повторяет эталонный ответ');
  });
});
