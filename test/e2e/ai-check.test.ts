/**
 * AI homework checks on the wired service: the answer is typed into a NocoDB workbook row,
 * NocoDB's own webhook brings it in, a local OpenAI-compatible server grades it, and the
 * verdict lands back in the row; in a mentor-led group it waits for the mentor, who
 * approves it through the API, and the student is told on Telegram.
 */
import { expect } from 'chai';
import { createNocoApi, nocoRows, type NocoRows, type TableIds } from '../../nocodb/client.ts';
import { provisionBase } from '../../nocodb/provision.ts';
import { NOCODB_SECRET_HEADER } from '../../hooks/nocodb.ts';
import { schoolTables } from '../../schemas/nocodb/index.ts';
import { loadConfig } from '../../service/config.ts';
import { loadCapabilities } from '../../service/capabilities.ts';
import type { Capability } from '../../kernel/capability.ts';
import type { IdentityCapability } from '../../extensions/identity/index.ts';
import type { WebhookTarget } from '../../ory/standin/index.ts';
import { freshDatabase, testLog, useNocodb, useRedis } from '../support/stack.ts';
import { startTestPlatform, testSecrets, waitFor, type RunningPlatform } from '../support/platform.ts';
import { startStandin, type Harness } from '../ory/standin-harness.ts';
import { registerThroughStandin } from './register.ts';
import { startModelServer, type ModelServer } from '../ai/support/model-server.ts';
import { startTelegramServer, type TelegramServer } from '../ai/support/telegram-server.ts';
import { createGuideRepo, type GuideRepo } from '../ai/support/guides.ts';
import { startSmtpServer, type SmtpServer } from '../support/smtp-server.ts';
import { schoolNames } from '../../nocodb/names.ts';
import { ownWorkbook } from '../support/workbooks.ts';

describe('AI homework checks, end to end on NocoDB', function () {
  this.timeout(180_000);
  let platform: RunningPlatform;
  let standin: Harness;
  let rows: NocoRows;
  let model: ModelServer;
  let telegram: TelegramServer;
  let repo: GuideRepo;
  let smtp: SmtpServer;
  let capabilities: Capability[] = [];
  let identity: IdentityCapability;
  const ids: TableIds = { baseId: '', tables: new Map(), names: schoolNames('ru') };
  let guideId: number;

  const register = async (first: string) => {
    const person = await registerThroughStandin(standin.url, first);
    const row = await waitFor(`${first}'s people row`, async () => (await rows.list('people', { where: `(IdentityId,eq,${person.id})` }))[0], 20_000);
    return { ...person, personRow: row.Id };
  };

  const answerExercise = async (student: string, text: string, workbookId?: number) => {
    const [exercise] = await rows.insert('exercises', [{ Title: 'Граница системы', Question: 'Где проходит граница системы и почему?', ReferenceAnswer: 'Граница проводится по функции системы.', MaxPoints: 10 }]);
    await rows.link('guides', 'Exercises', guideId, [exercise!.Id]);
    const [answer] = await rows.insert('answers', [{ Answer: '', StudentIdentity: student, Status: 'draft' }]);
    await rows.link('exercises', 'Answers', exercise!.Id, [answer!.Id]);
    if (workbookId) await rows.link('workbooks', 'Answers', workbookId, [answer!.Id]);
    await new Promise((r) => setTimeout(r, 1100));
    await rows.update('answers', [{ Id: answer!.Id, Answer: text, Status: 'submitted' }]);
    return answer!.Id;
  };

  before(async () => {
    const nocodb = await useNocodb();
    const noco = createNocoApi(nocodb.url, nocodb.token);
    const db = await freshDatabase('e2e_ai');
    const redis = await useRedis();
    rows = nocoRows(noco, ids);
    [model, telegram, repo, smtp] = await Promise.all([startModelServer(), startTelegramServer(), createGuideRepo(), startSmtpServer()]);
    const hook: WebhookTarget = { url: 'http://127.0.0.1:9/unset', apiKey: testSecrets.kratos };
    standin = await startStandin({ webhooks: { registration: hook } });
    const first = await provisionBase({ api: noco, log: testLog }, { baseTitle: 'School (AI end to end)', tables: schoolTables });
    ids.baseId = first.ids.baseId;
    for (const [k, v] of first.ids.tables) ids.tables.set(k, v);
    const config = loadConfig({
      DATA_DIR: `.data/test/e2e-ai-${process.pid}`, OPENROUTER_API_KEY: 'sk-test', OPENROUTER_BASE_URL: model.url, AI_CHECK_MODEL: 'school/test-grader',
      AI_CHECK_PRICE_INPUT_PER_1M: '0.15', AI_CHECK_PRICE_OUTPUT_PER_1M: '0.6',
      AI_GUIDES_REPO: repo.root, TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_URL: telegram.url, SMTP_URL: smtp.url,
    });
    const loaded = loadCapabilities({
      config, db: db.pool, log: testLog, ory: standin.ory, nocodb: rows, clock: () => new Date(),
      noco: { api: noco, ids, url: nocodb.url, token: nocodb.token, publicUrl: nocodb.url },
    });
    capabilities = loaded.all;
    identity = loaded.identity;
    platform = await startTestPlatform({
      db: db.pool, redisUrl: redis.url, capabilities,
      tableById: (id) => schoolTables.find((t) => ids.tables.get(t.key) === id),
    });
    for (const c of capabilities) await c.start?.();
    hook.url = `${platform.url}/hooks/kratos/registration`;
    await provisionBase({ api: noco, log: testLog }, {
      baseTitle: 'School (AI end to end)', tables: schoolTables,
      hookTarget: { url: `${platform.url}/hooks/nocodb`, secretHeader: NOCODB_SECRET_HEADER, secret: testSecrets.nocodb },
    });
    guideId = (await rows.insert('guides', [{ Title: 'Системное мышление', Slug: 'systems-ru', Language: 'ru' }]))[0]!.Id;
  });
  after(async () => {
    for (const c of capabilities) await c.stop?.();
    await platform?.close();
    await standin?.close();
    await Promise.all([model?.close(), telegram?.close(), repo?.remove(), smtp?.close()]);
  });

  it('a self-learner\'s answer typed into the workbook row gets the verdict back in the row within seconds', async () => {
    const dan = await register('Dan');
    const answerId = await answerExercise(dan.id, 'Граница системы проводится по её функции: что система делает для окружения, а не по материалу частей.');
    const row = await waitFor('the verdict in the NocoDB row', async () => {
      const r = await rows.get('answers', answerId);
      return (r.Status === 'checked' || r.Status === 'returned') && r;
    }, 30_000);
    expect(row.AIVerdict, 'the feedback as text, not JSON').to.be.a('string').and.not.empty.and.not.match(/^\s*\{/);
    expect(row.AIOutcome).to.be.oneOf(['accepted', 'needs_work']);
    expect(row.AICheckedAt, 'when it was checked').to.be.a('string').and.not.empty;
    expect(model.requests.length, 'the model was asked').to.be.greaterThan(0);
    const student = model.requests.at(-1)!.messages.filter((m) => m.role === 'user').pop()!.content;
    expect(JSON.parse(student).student_answer, 'the answer is passed as data').to.contain('Граница системы');
  });

  it('a student reads the guide of their own workbook and may search it; a stranger may not', async () => {
    const fay = await register('Fay');
    const gus = await register('Gus');
    const [workbook] = await rows.insert('workbooks', [{ Title: 'Fay: системное мышление', Status: 'active' }]);
    await ownWorkbook(rows, workbook!.Id, fay.id, 'Fay');
    await rows.link('guides', 'Workbooks', guideId, [workbook!.Id]);
    await waitFor('Keto to open the guide to Fay', async () => {
      await identity.reconcile({ dryRun: false });
      return standin.ory.keto.check({ namespace: 'Guide', object: 'systems-ru', relation: 'read', subject: fay.id });
    }, 20_000);
    const search = (token: string) => fetch(`${platform.url}/api/ai-check/guides/systems-ru/search?q=${encodeURIComponent('граница системы')}`, { headers: { 'x-session-token': token } });
    const found = await search(fay.token);
    expect(found.status).to.equal(200);
    expect(JSON.stringify(await found.json())).to.contain('Границы системы');
    expect((await search(gus.token)).status, 'no workbook for this guide, no reading').to.equal(403);
  });

  it('in a mentor-led group the verdict waits for the mentor, who approves it; the student is told on Telegram and by e-mail', async () => {
    const eve = await register('Eve');
    const max = await register('Max');
    await rows.update('people', [{ Id: eve.personRow, TelegramId: '777001' }]);
    const [group] = await rows.insert('groups', [{ Title: 'Поток 7', Mode: 'mentor_led' }]);
    await rows.link('groups', 'Members', group!.Id, [eve.personRow]);
    const [mentor] = await rows.insert('mentors', [{ Name: 'Max', IdentityId: max.id, Active: true }]);
    await rows.link('mentors', 'Groups', mentor!.Id, [group!.Id]);
    // Links fire no NocoDB webhook: the service's periodic reconciliation brings them to Keto.
    await waitFor('Keto to know Max mentors the group', async () => {
      await identity.reconcile({ dryRun: false });
      return standin.ory.keto.check({ namespace: 'Group', object: `group-${group!.Id}`, relation: 'review', subject: max.id });
    }, 20_000);

    const [workbook] = await rows.insert('workbooks', [{ Title: 'Тетрадь Евы', Status: 'active' }]);
    await ownWorkbook(rows, workbook!.Id, eve.id, 'Eve');
    const answerId = await answerExercise(eve.id, 'Граница системы проводится по функции системы, а не по материалу её частей.', workbook!.Id);
    await waitFor('the answer to wait for the mentor', async () => (await rows.get('answers', answerId)).Status === 'waiting_mentor', 30_000);
    expect((await rows.get('answers', answerId)).AIVerdict ?? null, 'the student does not see the AI verdict before the mentor').to.equal(null);

    const listed = await fetch(`${platform.url}/api/ai-check/reviews?group=group-${group!.Id}`, { headers: { 'x-session-token': max.token } });
    expect(listed.status).to.equal(200);
    const { reviews } = await listed.json() as { reviews: { id: string; answerId: string }[] };
    const review = reviews.find((r) => String(r.answerId) === String(answerId))!;
    expect(review, 'the review is in the mentor\'s queue').to.exist;
    const refused = await fetch(`${platform.url}/api/ai-check/reviews/${review.id}`, {
      method: 'POST', headers: { 'x-session-token': eve.token, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'accept' }),
    });
    expect(refused.status, 'a student may not approve her own verdict').to.equal(403);
    const approved = await fetch(`${platform.url}/api/ai-check/reviews/${review.id}`, {
      method: 'POST', headers: { 'x-session-token': max.token, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'accept' }),
    });
    expect(approved.status).to.equal(200);
    await waitFor('the approved verdict in the row', async () => ['checked', 'returned'].includes(String((await rows.get('answers', answerId)).Status)), 30_000);
    const told = await waitFor('the Telegram message to the student', async () => telegram.messages.find((m) => m.chat_id === '777001'), 30_000);
    expect(told.text, 'the notice names the exercise and the guide, and links to her page')
      .to.match(/«Граница системы» \(руководство «.+»\)/).and.include(`/workbooks/${workbook!.Id}#exercise-${answerId}`);
    const mail = await waitFor('the e-mail to the student', async () => smtp.messages.find((m) => m.to.includes(eve.email)), 30_000);
    expect(mail.body).to.match(/Subject: .+/);
  });
});
