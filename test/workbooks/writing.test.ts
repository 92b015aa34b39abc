/**
 * A student writes in their workbook: the workbook gets one answer per exercise of its
 * guide, drafts are saved, a submission locks the answer until its verdict and is kept in
 * the history, a resubmission is allowed where the exercise allows it. Through the JSON API
 * and through the page's plain forms, as the owner; nobody else may write.
 */
import { expect } from 'chai';
import { waitFor } from '../support/platform.ts';
import { startSchool, type School } from '../support/school.ts';
import { ownWorkbook } from '../support/workbooks.ts';

describe('workbooks: a student writes and submits answers', function () {
  this.timeout(300_000);
  let school: School;
  let ann: { id: string; token: string };
  let bob: { id: string; token: string };
  const row: Record<string, number> = {};

  const call = async (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${school.platform.url}${path}`, {
      method, redirect: 'manual',
      headers: { ...(token ? { 'x-session-token': token } : {}), ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, text, json, location: res.headers.get('location') };
  };
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

  before(async () => {
    // The sweep runs as in the service: a student picked in a workbook's Студент column (a link) fires no webhook.
    school = await startSchool('writing', {}, { sweep: true });
    ann = await school.register('Ann');
    bob = await school.register('Bob');
    row.guide = (await school.rows.insert('guides', [{ Title: 'Системное мышление', Slug: 'systems-thinking' }]))[0]!.Id;
    const exercises = await school.rows.insert('exercises', [
      { Title: 'Граница системы', Question: 'Где проходит граница системы?', Position: 2, MaxPoints: 10, Resubmit: true },
      { Title: 'Функция', Question: 'Какова функция часов?', Position: 1, MaxPoints: 5 },
    ]);
    row.boundary = exercises[0]!.Id;
    row.purpose = exercises[1]!.Id;
    await school.rows.link('guides', 'Exercises', row.guide, [row.boundary, row.purpose]);
    row.wbAnn = (await school.rows.insert('workbooks', [{ Title: 'Ann: systems thinking', Status: 'active' }]))[0]!.Id;
    row.wbBob = (await school.rows.insert('workbooks', [{ Title: 'Bob: systems thinking', Status: 'active' }]))[0]!.Id;
    await ownWorkbook(school.rows, row.wbAnn, ann.id, 'Ann');
    await ownWorkbook(school.rows, row.wbBob, bob.id, 'Bob');
    await school.rows.link('guides', 'Workbooks', row.guide, [row.wbAnn, row.wbBob]);
    const may = (who: string, wb: number) => school.standin.ory.keto.check({ namespace: 'Workbook', object: `workbook-${wb}`, relation: 'edit', subject: who });
    await waitFor('Ann and Bob own their workbooks in Keto', async () => (await may(ann.id, row.wbAnn!)) && may(bob.id, row.wbBob!), 30_000);
  });
  after(async () => school?.close());

  it('gives the workbook one answer per exercise of its guide, in the guide\'s order, each a draft', async () => {
    const r = await call('GET', `/api/workbooks/${row.wbAnn}`, ann.token);
    expect(r.status).to.equal(200);
    const answers = r.json.workbook.answers as { id: number; exercise: { id: number; title: string }; status: string; editable: boolean }[];
    expect(answers.map((a) => a.exercise.title)).to.deep.equal(['Функция', 'Граница системы']);
    expect(answers.every((a) => a.editable && a.status === 'draft')).to.equal(true);
    row.annPurpose = answers[0]!.id;
    row.annBoundary = answers[1]!.id;
    const again = await call('GET', `/api/workbooks/${row.wbAnn}`, ann.token);
    expect(again.json.workbook.answers.map((a: { id: number }) => a.id), 'opening it again makes no new rows').to.deep.equal([row.annPurpose, row.annBoundary]);
    const mine = await call('GET', '/api/workbooks', ann.token);
    expect(mine.json.workbooks.map((w: { id: number }) => w.id)).to.deep.equal([row.wbAnn]);
  });

  it('saves a draft and submits it; the submitted answer waits unchanged, and its version is kept', async () => {
    const draft = await call('PUT', `/api/workbooks/${row.wbAnn}/answers/${row.annPurpose}`, ann.token, { text: 'Показывать время' });
    expect(draft.status).to.equal(200);
    expect(draft.json.status).to.equal('draft');
    expect((await school.rows.get('answers', row.annPurpose!)).Answer).to.equal('Показывать время');

    const empty = await call('POST', `/api/workbooks/${row.wbAnn}/answers/${row.annPurpose}/submit`, ann.token, { text: '   ' });
    expect(empty.status).to.equal(400);
    expect(empty.json.error.code).to.equal('ANSWER_EMPTY');

    const sent = await call('POST', `/workbooks/${row.wbAnn}/answers/${row.annPurpose}`, ann.token, form({ text: 'Часы служат тому, чтобы люди согласовывали действия во времени.', action: 'submit' }), formHeaders);
    expect(sent.status, 'the form answers with a redirect back to the page').to.equal(303);
    expect(sent.location).to.match(new RegExp(`^/workbooks/${row.wbAnn}\\?.*notice=submitted`));
    const stored = await school.rows.get('answers', row.annPurpose!);
    expect(stored.Status === 'submitted' || stored.Status === 'checking' || stored.Status === 'waiting_mentor', `status ${stored.Status}`).to.equal(true);
    expect(stored.SubmittedAt).to.be.a('string');

    const page = await call('GET', sent.location!, ann.token);
    expect(page.text).to.include('Ответ отправлен на проверку.').and.to.include('Часы служат тому');
    const again = await call('PUT', `/api/workbooks/${row.wbAnn}/answers/${row.annPurpose}`, ann.token, { text: 'Другое' });
    expect(again.status).to.equal(409);
    expect(again.json.error.code).to.equal('ANSWER_LOCKED');
    const history = (await school.db.query('select text from workbook_submission where answer_id = $1', [row.annPurpose])).rows;
    expect(history.map((h) => h.text)).to.deep.equal(['Часы служат тому, чтобы люди согласовывали действия во времени.']);
  });

  it('lets the student submit again after a verdict where the exercise allows it, keeping both versions', async () => {
    const first = await call('POST', `/api/workbooks/${row.wbAnn}/answers/${row.annBoundary}/submit`, ann.token, { text: 'По материалу.' });
    expect(first.status).to.equal(200);
    // The checker takes it first (here, without an AI provider: it waits for the mentor); then the mentor's verdict.
    await waitFor('the answer to wait for the mentor', async () => (await school.rows.get('answers', row.annBoundary!)).Status === 'waiting_mentor', 30_000);
    await school.rows.update('answers', [{ Id: row.annBoundary!, Status: 'checked', MentorVerdict: 'Подумайте о функции', MentorScore: 3 }]);
    const second = await call('POST', `/workbooks/${row.wbAnn}/answers/${row.annBoundary}`, ann.token, form({ text: 'По функции, а не по материалу.', action: 'submit' }), formHeaders);
    expect(second.status).to.equal(303);
    const { json } = await call('GET', `/api/workbooks/${row.wbAnn}`, ann.token);
    const boundary = json.workbook.answers.find((a: { id: number }) => a.id === row.annBoundary);
    expect(boundary.history.map((h: { text: string }) => h.text)).to.deep.equal(['По материалу.', 'По функции, а не по материалу.']);
  });

  it('lets nobody else write: another student, a visitor, a form from another site, an answer of another workbook', async () => {
    expect((await call('PUT', `/api/workbooks/${row.wbAnn}/answers/${row.annPurpose}`, bob.token, { text: 'x' })).status).to.equal(403);
    expect((await call('POST', `/workbooks/${row.wbAnn}/answers/${row.annPurpose}`, bob.token, form({ text: 'x', action: 'save' }), formHeaders)).status).to.equal(403);
    expect((await call('PUT', `/api/workbooks/${row.wbAnn}/answers/${row.annPurpose}`, undefined, { text: 'x' })).status).to.equal(401);
    const foreign = await call('POST', `/workbooks/${row.wbAnn}/answers/${row.annPurpose}`, ann.token, form({ text: 'x', action: 'save' }), { ...formHeaders, origin: 'https://evil.example' });
    expect(foreign.status).to.equal(403);
    const bobs = (await call('GET', `/api/workbooks/${row.wbBob}`, bob.token)).json.workbook.answers[0].id as number;
    const across = await call('PUT', `/api/workbooks/${row.wbAnn}/answers/${bobs}`, ann.token, { text: 'x' });
    expect(across.status, 'an answer of Bob\'s workbook through Ann\'s').to.equal(404);
    expect((await school.rows.get('answers', bobs)).Answer ?? '').to.equal('');
  });

  it('serves the page from its copy in PostgreSQL, and shows what staff change in NocoDB once its webhook comes', async () => {
    // The first read makes the workbook's Answers rows, whose webhooks make that copy stale; a later read leaves a fresh one.
    await waitFor('a fresh copy of Bob\'s workbook', async () => {
      expect((await call('GET', `/api/workbooks/${row.wbBob}`, bob.token)).status).to.equal(200);
      const { rows: copies } = await school.db.query('select 1 from workbook_view where workbook_id = $1 and read_at > coalesce(invalidated_at, \'-infinity\')', [row.wbBob]);
      return copies.length === 1;
    }, 20_000);
    // Staff edit the question in NocoDB's grid: the copy is stale from the webhook on.
    await school.rows.update('exercises', [{ Id: row.purpose!, Question: 'Какова функция часов для их владельца?' }]);
    await waitFor('the new question on Bob\'s page', async () => {
      const r = await call('GET', `/api/workbooks/${row.wbBob}`, bob.token);
      return r.json.workbook.answers.some((a: { exercise: { question: string } }) => a.exercise.question === 'Какова функция часов для их владельца?');
    }, 20_000);
    // A verdict typed in the Answers grid, likewise.
    const answer = (await call('GET', `/api/workbooks/${row.wbBob}`, bob.token)).json.workbook.answers[0].id as number;
    await school.rows.update('answers', [{ Id: answer, Status: 'returned', MentorVerdict: 'Опишите функцию для владельца.', MentorScore: 1 }]);
    await waitFor('the verdict on Bob\'s page', async () => {
      const r = await call('GET', `/workbooks/${row.wbBob}`, bob.token);
      return r.text.includes('Опишите функцию для владельца.');
    }, 20_000);
  });
});
