import { expect } from 'chai';
import { createNocoApi, nocoRows, type NocoRows } from '../../nocodb/client.ts';
import { provisionBase } from '../../nocodb/provision.ts';
import { answerRow } from '../../schemas/events/ai-check.ts';
import { guides, guideSections, guideVersions } from '../../schemas/nocodb/meta-model.ts';
import { answers, exercises, workbooks } from '../../schemas/nocodb/workbooks.ts';
import { createNocodbAnswerStore } from '../../extensions/ai-check/nocodb-store.ts';
import type { AnswerStore } from '../../extensions/ai-check/answer-store.ts';
import { testLog, useNocodb } from '../support/stack.ts';

describe('ai-check: the NocoDB answer store, on a real NocoDB', function () {
  this.timeout(180_000);
  let store: AnswerStore;
  let rows: NocoRows;
  let ids: { answer: number; exercise: number; workbook: number };

  let api: ReturnType<typeof createNocoApi>;
  let t: Map<string, string>;

  before(async () => {
    const nocodb = await useNocodb();
    api = createNocoApi(nocodb.url, nocodb.token);
    const provisioned = await provisionBase({ api, log: testLog }, {
      baseTitle: 'School (ai-check store test)', tables: [guides, guideVersions, guideSections, exercises, workbooks, answers],
    });
    rows = nocoRows(api, provisioned.ids);
    t = provisioned.ids.tables;
    const [guide] = await rows.insert('guides', [{ Title: 'Системное мышление', Slug: 'systems-ru', Language: 'ru' }]);
    const [section] = await rows.insert('guide_sections', [{ Title: 'Границы системы', Anchor: 'granitsy' }]);
    const [exercise] = await rows.insert('exercises', [{ Title: 'Граница', Question: 'Как провести границу?', ReferenceAnswer: 'По функции.', MaxPoints: 5 }]);
    const [answer] = await rows.insert('answers', [{ Answer: 'По функции, а не по корпусу.', StudentIdentity: 'stu-1', Status: 'submitted' }]);
    await rows.link('guides', 'Exercises', guide!.Id, [exercise!.Id]);
    await rows.link('guide_sections', 'Exercises', section!.Id, [exercise!.Id]);
    await rows.link('exercises', 'Answers', exercise!.Id, [answer!.Id]);
    const [workbook] = await rows.insert('workbooks', [{ Title: 'Тетрадь' }]);
    await rows.link('workbooks', 'Answers', workbook!.Id, [answer!.Id]);
    ids = { answer: answer!.Id, exercise: exercise!.Id, workbook: workbook!.Id };
    store = createNocodbAnswerStore({
      baseUrl: nocodb.url, token: nocodb.token,
      tables: { answers: t.get('answers')!, exercises: t.get('exercises')!, guides: t.get('guides')! }, names: provisioned.ids.names,
    });
  });

  it('reads an answer and its exercise, with the workbook, the guide\'s slug and title and the section through their links', async () => {
    expect(await store.getAnswer(String(ids.answer))).to.deep.equal({
      id: String(ids.answer), studentId: 'stu-1', exerciseId: String(ids.exercise), text: 'По функции, а не по корпусу.', status: 'submitted',
      workbookId: String(ids.workbook),
    });
    expect(await store.getExercise(String(ids.exercise))).to.deep.equal({
      id: String(ids.exercise), guideSlug: 'systems-ru', guideTitle: 'Системное мышление', section: 'Границы системы', title: 'Граница',
      question: 'Как провести границу?', referenceAnswer: 'По функции.', maxScore: 5,
    });
    expect(await store.getAnswer('999999')).to.equal(null);
  });

  it('writes the verdict back with PATCH, twice without harm, as columns staff read: feedback text, outcome, score, when; and the mentor\'s with who', async () => {
    const verdict = { verdict: 'accepted' as const, score: 4.5, maxScore: 5, feedback: 'Верно.', by: 'ai' as const };
    const checkedAt = new Date('2026-12-01T10:00:00Z');
    await store.updateAnswer(String(ids.answer), { status: 'checked', aiVerdict: verdict, aiCheckedAt: checkedAt });
    await store.updateAnswer(String(ids.answer), { status: 'checked', aiVerdict: verdict, aiCheckedAt: checkedAt });
    const row = await rows.get('answers', ids.answer);
    expect(row).to.include({ Status: 'checked', AIScore: 4.5, AIVerdict: 'Верно.', AIOutcome: 'accepted', MentorVerdict: null });
    expect(Date.parse(String(row.AICheckedAt))).to.equal(checkedAt.getTime());
    const raw = await api.dbDataTableRow.read(t.get('answers')!, String(ids.answer) as never) as Record<string, unknown>;
    expect(raw, 'in the grid: Russian titles and labels, no JSON').to.include({ 'Отзыв ИИ': 'Верно.', 'Итог ИИ': 'зачтено', 'Статус': 'проверен' });

    const mentor = { verdict: 'needs_work' as const, score: 2, maxScore: 5, feedback: 'Приведите пример.', by: 'mentor' as const };
    const at = new Date('2026-12-01T12:30:00Z');
    await store.updateAnswer(String(ids.answer), { status: 'returned', aiVerdict: verdict, aiCheckedAt: checkedAt, mentorVerdict: mentor, reviewer: { name: 'Мария Наставник', at } });
    const reviewed = await rows.get('answers', ids.answer);
    expect(reviewed).to.include({ Status: 'returned', MentorVerdict: 'Приведите пример.', MentorScore: 2, MentorName: 'Мария Наставник' });
    expect(Date.parse(String(reviewed.MentorReviewedAt))).to.equal(at.getTime());
  });

  it('parses a raw NocoDB answers row (StudentIdentity, the Exercises link) as the event payload', async () => {
    const raw = await rows.get('answers', ids.answer);
    const parsed = answerRow.parse(raw);
    expect(parsed).to.include({ Id: String(ids.answer), Student: 'stu-1', Exercise: String(ids.exercise), Status: 'returned' });
  });
});
