/**
 * Self-learners get the AI verdict at once; staff look again at a share of them and at every
 * verdict the model was not sure of, in the staff reviewers' queue, and a correction there
 * reaches the student.
 */
import { expect } from 'chai';
import { sampled } from '../../extensions/ai-check/check-answer.ts';
import { call, startHarness, type Harness } from './support/harness.ts';
import { answerRow, checkOf, deliverAnswerEvent } from './support/flow.ts';

const ANSWER = 'Граница системы проводится по функции: внутри то, что работает на функцию системы, снаружи её окружение.';
const reply = (confidence: number) => ({
  kind: 'reply' as const,
  content: JSON.stringify({ verdict: 'accepted', score: 4, feedback: 'Хорошо, ответ опирается на руководство.', used_chunks: [], confidence }),
});

describe('ai-check: a second look at self-learners\' verdicts', () => {
  let h: Harness;
  let n = 300;
  const submit = async (confidence: number) => {
    const id = String(++n);
    // A new text each time: the same answer again would come from the cache.
    const answer = `${ANSWER} (${id})`;
    await h.fx.answer({ id, student: 'stu-solo', exercise: 'ex-bound', answer, workbook: '77' });
    h.model.script.push(reply(confidence));
    await deliverAnswerEvent(h, { Id: Number(id), Student: 'stu-solo', Exercise: 'ex-bound', Answer: answer, Status: 'submitted' });
    await h.capability.drain();
    return id;
  };
  const staffQueue = async () => (await call(h, 'GET', '/reviews?group=reviewers', 'staff-1')).body.reviews as { id: string; answerId: string; kind: string; note: string | null }[];
  const told = (chat: string) => h.telegram.messages.filter((m) => m.chat_id === chat).map((m) => m.text);

  before(async () => {
    h = await startHarness({ label: 'ai_audit' });
    await h.fx.person({ id: 'stu-solo', name: 'Соня', language: 'ru', telegram: '3001' });
    await h.fx.person({ id: 'staff-1', name: 'Staff', language: 'en', telegram: '3900' });
    await h.fx.mentor('reviewers', 'staff-1');
    await h.fx.exercise({ id: 'ex-bound', guide: 'systems-ru', guideTitle: 'Введение в системное мышление', title: 'Граница', question: 'Как провести границу системы?', maxPoints: 5 });
  });
  after(() => h.close());

  it('releases a confident verdict at once and puts nothing in the staff queue when none is sampled', async () => {
    const id = await submit(0.95);
    expect(await checkOf(h, id)).to.include({ status: 'checked' });
    expect((await answerRow(h, id)).status).to.equal('checked');
    expect(told('3001').at(-1)).to.include('Ответ принят: 4 из 5');
    expect((await staffQueue()).map((r) => r.answerId)).to.not.include(id);
  });

  it('releases an unsure verdict too, and puts it in the staff queue, saying why; a staff correction reaches the student', async () => {
    const id = await submit(0.3);
    expect(await checkOf(h, id), 'released').to.include({ status: 'checked' });
    expect(told('3001').at(-1)).to.include('Ответ принят: 4 из 5');
    const review = (await staffQueue()).find((r) => r.answerId === id)!;
    expect(review).to.include({ kind: 'audit', note: 'low_confidence' });
    const notice = told('3900').at(-1)!;
    expect(notice).to.include('Соня answered "Граница" (guide "Введение в системное мышление")').and.include('the model was not sure of its verdict')
      .and.include(`https://school.test/reviews#review-${review.id}`);

    const corrected = await call(h, 'POST', `/reviews/${review.id}`, 'staff-1', { action: 'edit', verdict: 'needs_work', score: 2, feedback: 'Назовите функцию системы явно.' });
    expect(corrected.status).to.equal(200);
    await h.capability.drain();
    expect((await answerRow(h, id)).mentor_verdict).to.include({ verdict: 'needs_work', score: 2, by: 'mentor' });
    expect(told('3001').at(-1)).to.include('Ответ нужно доработать: 2 из 5 (наставник)')
      .and.include('https://school.test/workbooks/77#exercise-');
    expect((await staffQueue()).map((r) => r.answerId)).to.not.include(id);
  });

  it('puts the configured share of confident verdicts in the staff queue as sampled', async () => {
    h.settings.audit.share = 1;
    try {
      const id = await submit(0.95);
      expect(await checkOf(h, id)).to.include({ status: 'checked' });
      expect((await staffQueue()).find((r) => r.answerId === id)).to.include({ kind: 'audit', note: 'sampled' });
      expect(told('3900').at(-1)).to.include('picked for a sample check');
    } finally {
      h.settings.audit.share = 0;
    }
  });

  it('checks another student\'s copy of an answer afresh (no verdict handed over from the cache) and shows it to staff as a possible copy', async () => {
    await h.fx.person({ id: 'stu-copy', name: 'Костя', language: 'ru', telegram: '3002' });
    const original = `${ANSWER} (оригинал)`;
    await h.fx.answer({ id: '401', student: 'stu-solo', exercise: 'ex-bound', answer: original });
    h.model.script.push(reply(0.95));
    await deliverAnswerEvent(h, { Id: 401, Student: 'stu-solo', Exercise: 'ex-bound', Answer: original, Status: 'submitted' });
    await h.capability.drain();
    const calls = h.model.requests.length;
    await h.fx.answer({ id: '402', student: 'stu-copy', exercise: 'ex-bound', answer: original });
    h.model.script.push(reply(0.95));
    await deliverAnswerEvent(h, { Id: 402, Student: 'stu-copy', Exercise: 'ex-bound', Answer: original, Status: 'submitted' });
    await h.capability.drain();
    expect(h.model.requests.length, 'checked afresh, not from the first student\'s verdict').to.equal(calls + 1);
    expect(await checkOf(h, '402')).to.include({ status: 'checked', cached_from: null });
    expect((await staffQueue()).find((r) => r.answerId === '402')).to.include({ kind: 'audit', note: 'possible_copy' });
    expect(told('3900').at(-1)).to.include('A possible copy');
    expect((await staffQueue()).map((r) => r.answerId), 'the original is no copy').to.not.include('401');
  });

  it('samples about the share asked for, the same way for the same check', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => String(i + 1));
    const share = ids.filter((id) => sampled(id, 0.1)).length / ids.length;
    expect(share).to.be.within(0.09, 0.11);
    expect(ids.slice(0, 500).map((id) => sampled(id, 0.1))).to.deep.equal(ids.slice(0, 500).map((id) => sampled(id, 0.1)));
    expect(sampled('1', 0)).to.equal(false);
    expect(sampled('1', 1)).to.equal(true);
  });
});
