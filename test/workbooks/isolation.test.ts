/**
 * Students read only their own answers. The workbook is the service's page, guarded by the
 * person's session and Keto; the per-workbook NocoDB shared views an earlier version handed
 * out are deleted at start, because NocoDB's public relation routes ignore a view's filter:
 * holding one student's link and password read another student's answers (shown here first).
 */
import { expect } from 'chai';
import { createNocoApi } from '../../nocodb/client.ts';
import { nocoSharedViews } from '../../nocodb/shared-views.ts';
import { waitFor } from '../support/platform.ts';
import { startSchool, type School } from '../support/school.ts';
import { ownWorkbook } from '../support/workbooks.ts';

describe('workbooks: nobody reads another student\'s answers', function () {
  this.timeout(300_000);
  let school: School;
  let ann: { id: string; token: string };
  let bob: { id: string; token: string };
  const row: Record<string, number> = {};

  before(async () => {
    // The sweep runs as in the service: a student picked in a workbook's Студент column (a link) fires no webhook.
    school = await startSchool('isolation', {}, { sweep: true });
    ann = await school.register('Ann');
    bob = await school.register('Bob');
    const [exercise] = await school.rows.insert('exercises', [{ Title: 'Граница системы', Question: 'Где проходит граница системы?', ReferenceAnswer: 'ЭТАЛОН-НЕ-ДЛЯ-СТУДЕНТОВ', MaxPoints: 10 }]);
    row.exercise = exercise!.Id;
    row.wbAnn = (await school.rows.insert('workbooks', [{ Title: 'Ann: guide 1', Status: 'active' }]))[0]!.Id;
    row.wbBob = (await school.rows.insert('workbooks', [{ Title: 'Bob: guide 1', Status: 'active' }]))[0]!.Id;
    await ownWorkbook(school.rows, row.wbAnn, ann.id, 'Ann');
    await ownWorkbook(school.rows, row.wbBob, bob.id, 'Bob');
    const answers = await school.rows.insert('answers', [
      { Answer: 'ANN-ANSWER по функции', StudentIdentity: ann.id, Status: 'checked', MentorVerdict: 'Хорошо', MentorScore: 8 },
      { Answer: 'BOB-SECRET-ANSWER по материалу', StudentIdentity: bob.id, Status: 'submitted' },
    ]);
    row.ann1 = answers[0]!.Id;
    row.bob1 = answers[1]!.Id;
    await school.rows.link('workbooks', 'Answers', row.wbAnn, [row.ann1]);
    await school.rows.link('workbooks', 'Answers', row.wbBob, [row.bob1]);
    await school.rows.link('exercises', 'Answers', row.exercise, [row.ann1, row.bob1]);
  });
  after(async () => school?.close());

  const may = (who: string, workbook: number) => school.standin.ory.keto.check({ namespace: 'Workbook', object: `workbook-${workbook}`, relation: 'view', subject: who });
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${school.platform.url}${path}`, { headers, redirect: 'manual' });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };

  it('deletes the NocoDB shared view an earlier version gave a workbook, whose relation routes leaked other students\' answers', async () => {
    const views = nocoSharedViews(createNocoApi(school.nocodb.url, school.nocodb.token), school.ids, school.nocodb.url);
    // What the earlier version made for Ann: Answers filtered to her workbook, with a password.
    const password = 'legacy-password-123';
    const share = await views.ensureGridShare({ tableKey: 'answers', title: `workbook-${row.wbAnn}`, filter: { column: 'workbooks_id', value: String(row.wbAnn) }, hidden: ['StudentIdentity', 'Workbooks'], password });
    const pub = (path: string) => fetch(`${school.nocodb.url}/api/v2/public/shared-view/${share.uuid}${path}`, { headers: { 'xc-password': password } });
    const meta = await (await pub('/meta')).json() as { model?: { columns?: { id: string; title: string }[] } };
    const exercisesLink = meta.model?.columns?.find((c) => c.title === school.ids.names.title('answers', 'Exercises'));
    expect(exercisesLink, 'the view\'s own meta names the Exercises link column').to.not.equal(undefined);
    // The route of the FIELD-NOTES: an exercise's answers through the view's link column, unfiltered.
    const leakRoutes = [`/rows/${row.exercise}/hm/${exercisesLink!.id}`];
    const before = await Promise.all(leakRoutes.map(async (r) => ({ r, body: await (await pub(r)).text() })));
    expect(before.some((b) => b.body.includes('BOB-SECRET')), 'the legacy link and password read Bob\'s answer through a relation route').to.equal(true);

    await school.capabilities.identity.start!(); // what every start of the service does
    expect(await views.inspect('answers', `workbook-${row.wbAnn}`), 'the view is gone').to.equal(null);
    for (const r of ['/rows', '/meta', ...leakRoutes]) {
      const res = await pub(r);
      expect(res.status, `${r} after the revocation`).to.be.oneOf([403, 404]);
      expect(await res.text()).to.not.include('BOB-SECRET');
    }
  });

  it('points the workbook\'s link at the service\'s own page', async () => {
    const workbook = await waitFor('ShareUrl', async () => {
      const w = await school.rows.get('workbooks', row.wbAnn!);
      return typeof w.ShareUrl === 'string' && w.ShareUrl.endsWith(`/workbooks/${row.wbAnn}`) && w;
    }, 30_000);
    expect(workbook.ShareUrl).to.match(/^https?:\/\/[^/]+\/workbooks\/\d+$/);
  });

  it('shows a student their own workbook: questions, their answers and the verdict in words, and nothing of anyone else', async () => {
    await waitFor('Ann owns her workbook in Keto', () => may(ann.id, row.wbAnn!), 30_000);
    const page = await get(`/workbooks/${row.wbAnn}`, { 'x-session-token': ann.token });
    expect(page.status).to.equal(200);
    expect(page.type).to.include('text/html');
    expect(page.text).to.include('Где проходит граница системы?').and.to.include('ANN-ANSWER по функции').and.to.include('проверен').and.to.include('Хорошо');
    expect(page.text, 'the reference answer').to.not.include('ЭТАЛОН');
    expect(page.text, 'another student\'s answer').to.not.include('BOB-SECRET');
    expect(page.text, 'identities').to.not.include(ann.id);
    const english = await get(`/workbooks/${row.wbAnn}?lang=en`, { 'x-session-token': ann.token });
    expect(english.text).to.include('checked').and.to.include('Your answer');
    const annAsEnglishReader = (await school.standin.ory.identities.get(ann.id))!;
    await school.standin.raw('PUT', `/admin/identities/${ann.id}`, { body: { schema_id: annAsEnglishReader.schema_id, state: 'active', traits: { ...annAsEnglishReader.traits as object, locale: 'en' } } });
    // Changed in Kratos, not by us: the service knows it once its memory of her session ends (ORY_CACHE_SECONDS).
    await waitFor('her own locale to win over the browser\'s language', async () =>
      (await get(`/workbooks/${row.wbAnn}`, { 'x-session-token': ann.token, 'accept-language': 'ru' })).text.includes('Your answer'), 15_000);
    const json = await get(`/api/workbooks/${row.wbAnn}`, { 'x-session-token': ann.token });
    expect(json.status).to.equal(200);
    const body = JSON.parse(json.text);
    expect(body.workbook.answers.map((a: { id: number }) => a.id)).to.deep.equal([row.ann1]);
    expect(json.text).to.not.include('ЭТАЛОН').and.to.not.include('BOB-SECRET');
  });

  it('refuses another student (403) and sends a visitor to sign in (401), on the page and in the API', async () => {
    await waitFor('Bob owns his workbook in Keto', () => may(bob.id, row.wbBob!), 30_000);
    const page = await get(`/workbooks/${row.wbAnn}`, { 'x-session-token': bob.token });
    expect(page.status).to.equal(403);
    expect(page.text).to.include('Это не ваша тетрадь').and.to.not.include('ANN-ANSWER');
    expect((await get(`/api/workbooks/${row.wbAnn}`, { 'x-session-token': bob.token })).status).to.equal(403);
    const visitor = await get(`/workbooks/${row.wbAnn}`);
    expect(visitor.status).to.equal(401);
    expect(visitor.text).to.include('/self-service/login/browser?return_to=').and.to.not.include('ANN-ANSWER');
    expect((await get(`/api/workbooks/${row.wbAnn}`)).status).to.equal(401);
    expect((await get('/workbooks/999999', { 'x-session-token': ann.token })).status, 'a workbook that does not exist').to.be.oneOf([403, 404]);
  });
});
