import { expect } from 'chai';
import { exportReviewedAnswers } from '../../extensions/ai-check/evaluation/export-reviews.ts';
import { readGradedSet } from '../../extensions/ai-check/evaluation/graded-set.ts';
import { STAFF_FEEDBACK } from '../../extensions/ai-check/messages.ts';
import { freshDatabase, type TestDatabase } from '../support/stack.ts';
import { createTestTables, PgAnswerStore } from './support/stores.ts';

/**
 * The mentors' verdicts as a graded set, exported from a real, migrated PostgreSQL with
 * checks and reviews in the service's own tables (ai_check, ai_review, ai_guide); the
 * exercises from the answers store (NocoDB's role, here PostgreSQL tables).
 */
describe('ai-eval export of reviewed answers', () => {
  let db: TestDatabase;
  const verdict = (score: number, feedback: string, by = 'ai', maxScore = 5) => JSON.stringify({ verdict: score >= 2.5 ? 'accepted' : 'needs_work', score, maxScore, feedback, by });

  async function check(id: number, exercise: string, text: string, ai: string | null, guide = 'systems'): Promise<void> {
    await db.pool.query(`insert into ai_check (id, answer_id, student_id, exercise_id, answer_text, answer_hash, source, status, max_score, ai_verdict, guide_slug, model)
      values ($1, $2, 'student-secret-id', $3, $4, md5($4), 'event', 'reviewed', 5, $5, $6, 'openai/gpt-4o-mini')`, [id, `a${id}`, exercise, text, ai, guide]);
  }
  async function review(checkId: number, status: string, final: string | null, decidedAt: string | null, reviewer = 'mentor-1', kind = 'review'): Promise<void> {
    await db.pool.query(`insert into ai_review (check_id, group_id, status, ai_verdict, final_verdict, reviewer_id, decided_at, kind)
      values ($1, 'g1', $2, null, $3, $4, $5, $6)`, [checkId, status, final, reviewer, decidedAt, kind]);
  }

  before(async () => {
    db = await freshDatabase('ai_eval_export');
    await createTestTables(db.pool);
    await db.pool.query(`insert into ai_guide (slug, title, language) values ('systems', 'Системное мышление', 'ru')`);
    await db.pool.query(`insert into test_exercises (id, guide, title, question, max_points, reference_answer) values
      ('e1', 'systems', 'Запас', 'Что такое запас?', 5, 'Запас — то, что накоплено и что можно сосчитать в момент времени; его меняют потоки.'),
      ('e2', 'systems', 'Петля', 'Что делает балансирующая петля?', 5, null)`);
    // 1: a mentor replaced the AI's 5 by 3.5 with their own words
    await check(1, 'e1', 'Запас — это то, что накопилось.', verdict(5, 'Хорошо.'));
    await review(1, 'edited', verdict(3.5, 'Не сказано, что меняет запас.', 'mentor'), '2025-10-01T10:00:00Z');
    // 2: accepted as it was
    await check(2, 'e1', 'Запас можно сосчитать в момент времени, его меняют потоки.', verdict(5, 'Верно.'));
    await review(2, 'accepted', verdict(5, 'Верно.', 'mentor'), '2025-10-02T10:00:00Z');
    // 3: reviewed, then disputed and decided again: the latest decision counts
    await check(3, 'e1', 'Это деньги на счёте.', verdict(1, 'Перечитайте раздел.'));
    await review(3, 'edited', verdict(1, 'Пример, но не определение.', 'mentor'), '2025-10-03T10:00:00Z');
    await review(3, 'edited', verdict(2, 'Пример засчитан частично.', 'mentor'), '2025-10-05T10:00:00Z', 'mentor-2', 'dispute');
    // 4: still pending, and 5: cancelled: no mentor's verdict yet
    await check(4, 'e1', 'Не знаю.', verdict(0, 'Перечитайте.'));
    await review(4, 'pending', null, null);
    await check(5, 'e1', 'Поток.', verdict(0, 'Перечитайте.'));
    await review(5, 'cancelled', null, null);
    // 6: decided in NocoDB's grid by Status alone: the full score by default, no mentor's score
    await check(6, 'e1', 'Запас накапливается.', verdict(4, 'Почти.'));
    await review(6, 'edited', verdict(5, STAFF_FEEDBACK, 'mentor'), '2025-10-06T10:00:00Z', 'nocodb:staff@school');
    // 7: an exercise without a reference answer; 8: a guide nobody knows the language of
    await check(7, 'e2', 'Держит систему у цели.', verdict(5, 'Верно.'));
    await review(7, 'edited', verdict(4, 'Нужен пример.', 'mentor'), '2025-10-07T10:00:00Z');
    await check(8, 'e1', 'Запас — накопление.', null, 'unknown-guide');
    await review(8, 'edited', verdict(2.5, 'Кратко, но верно наполовину.', 'mentor'), '2025-10-08T10:00:00Z');
  });

  it('writes each decided check once, mentor score beside the AI\'s, in the graded-set format, naming no student', async () => {
    const result = await exportReviewedAnswers({ db: db.pool, answers: new PgAnswerStore(db.pool) });
    const set = readGradedSet(result.lines.join('\n'));
    expect(set.kind).to.equal('score');
    expect(set.items.map((i) => i.id)).to.deep.equal(['check:1', 'check:2', 'check:3']);
    const [edited, accepted, disputed] = set.items;
    expect(edited!.grades).to.deep.equal({ kind: 'score', maxScore: 5, human: 3.5, human2: null, recordedAi: 5 });
    expect(edited!.question).to.equal('Что такое запас?');
    expect(edited!.referenceAnswer).to.match(/^Запас — то, что накоплено/);
    expect(edited!.language).to.equal('ru');
    expect(edited!.humanFeedback).to.equal('Не сказано, что меняет запас.');
    // Accepted: the mentor's score is the AI's; its feedback is the AI's words, not the mentor's.
    expect(accepted!.grades).to.include({ human: 5, recordedAi: 5 });
    expect(accepted!.humanFeedback).to.equal(null);
    expect(disputed!.grades).to.include({ human: 2, recordedAi: 1 });
    expect(result.lines.join('\n')).to.not.include('student-secret-id');
    expect(JSON.parse(result.lines[1]!).meta).to.include({ check_id: '1', review: 'edited', model: 'openai/gpt-4o-mini' });
    expect(result.skipped).to.deep.equal([
      { checkId: '6', reason: 'SCORE_MAYBE_DEFAULTED' },
      { checkId: '7', reason: 'NO_REFERENCE_ANSWER' },
      { checkId: '8', reason: 'LANGUAGE_UNKNOWN' },
    ]);
  });

  it('keeps only replaced verdicts when asked, takes a declared language for guides without one, and a start date', async () => {
    const deps = { db: db.pool, answers: new PgAnswerStore(db.pool) };
    const edited = await exportReviewedAnswers(deps, { onlyEdited: true, language: 'ru' });
    expect(readGradedSet(edited.lines.join('\n')).items.map((i) => i.id)).to.deep.equal(['check:1', 'check:3', 'check:8']);
    const recent = await exportReviewedAnswers(deps, { since: new Date('2025-10-04T00:00:00Z'), language: 'ru' });
    expect(readGradedSet(recent.lines.join('\n')).items.map((i) => i.id)).to.deep.equal(['check:3', 'check:8']);
  });

  it('gives a set the evaluation reads as is, and whose recorded AI scores it can score without a call', async () => {
    const { buildReport } = await import('../../extensions/ai-check/evaluation/report.ts');
    const result = await exportReviewedAnswers({ db: db.pool, answers: new PgAnswerStore(db.pool) });
    const set = readGradedSet(result.lines.join('\n'));
    const report = buildReport(set, set.items, { spentMicros: 0, done: new Map(), results: [], cutOff: 0 }, {
      model: 'm', promptVersion: 'p', provider: {}, currency: 'USD', budgetMicros: null, gridSteps: null, passShare: 0.5, bootstrap: { resamples: 200, seed: 16 }, selection: {},
    });
    // AI 5, 5, 1 against mentors 3.5, 5, 2 (of 5): RMSE sqrt((1.5^2 + 0 + 1^2) / 3)
    expect(report.scores!.recordedAiVsHuman!.rmse.value).to.be.closeTo(Math.sqrt((2.25 + 1) / 3), 1e-12);
    expect(report.notRun).to.equal(3);
  });
});
