/**
 * Staff read the school in NocoDB's own UI, in a real browser (Debian's chromium through
 * puppeteer-core): the admin signs in on NocoDB's sign-in page, opens the School base in the
 * sidebar and its grids as a member of staff would. NocoDB paints its grids on a canvas: what
 * they show is read from the text painted there. Screenshots: docs/screenshots/nocodb-*.png
 * (STAFF_GRIDS_DEBUG=1 also leaves each step's page in /tmp/staff-grids).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { createNocoApi } from '../../nocodb/client.ts';
import { attachServiceTables } from '../../nocodb/service-source.ts';
import { grantStaffViews } from '../../service/db/staff-views.ts';
import { urlAs } from '../../service/stack/roles.ts';
import { seedDemo } from '../../service/demo.ts';
import { STAFF_TEXTS } from '../../schemas/service/staff-texts.ts';
import { groups as groupsTable } from '../../schemas/nocodb/meta-model.ts';
import { startSchool, type School, passwordSession } from '../support/school.ts';
import { testLog, useNocodb } from '../support/stack.ts';
import { waitFor } from '../support/platform.ts';
import { repoRoot } from '../ory/spec-dir.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const SHOTS = path.join(repoRoot, 'docs/screenshots');
const DEBUG = process.env.STAFF_GRIDS_DEBUG;
const MEMBERS = groupsTable.ru!.links!.Members![0];
const TOTALS = STAFF_TEXTS.find((t) => t.view === 'points_totals')!;

describe('staff read the school\'s grids in NocoDB\'s UI', function () {
  this.timeout(300_000);
  let school: School;
  let browser: Browser;

  before(async function () {
    if (!CHROMIUM) this.skip();
    school = await startSchool('staff_grids', {}, { sweep: true });
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    await mkdir(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await school?.close();
  });

  const logIn = (email: string, password: string) => passwordSession(school.standin.url, email, password);
  const api = async (p: string, token: string, init: RequestInit = {}) => {
    const res = await fetch(`${school.platform.url}${p}`, { ...init, headers: { 'x-session-token': token, 'content-type': 'application/json', ...init.headers } });
    return { status: res.status, body: await res.json() as any };
  };

  /** What the page shows: its DOM text and the text NocoDB's grid paints on its canvas. */
  const shown = async (page: Page): Promise<string> => page.evaluate(() =>
    `${document.body.innerText}\n${((window as unknown as { __painted?: Set<string> }).__painted ? [...(window as unknown as { __painted: Set<string> }).__painted] : []).join('\n')}`);
  const dump = async (page: Page, name: string) => {
    if (!DEBUG) return;
    await mkdir('/tmp/staff-grids', { recursive: true });
    await page.screenshot({ path: `/tmp/staff-grids/${name}.png` });
    const testids = await page.evaluate(() => [...document.querySelectorAll('[data-testid]')].map((e) => `${e.getAttribute('data-testid')} | ${(e as HTMLElement).innerText?.slice(0, 60).replace(/\n/g, ' / ')}`).join('\n'));
    await writeFile(`/tmp/staff-grids/${name}.txt`, `${page.url()}\n---\n${await shown(page)}\n---\n${testids}\n---\n${await page.content()}`);
  };

  const painted = (page: Page) => page.evaluate(() => [...(window as unknown as { __painted: Set<string> }).__painted]);
  /** Which of `texts` the page shows (its DOM or its grid's canvas), waiting up to 30 s for all of them. */
  const seen = async (page: Page, texts: string[]): Promise<string[]> => {
    const found = async () => {
      const all = `${await page.evaluate(() => document.body.innerText)}\n${(await painted(page)).join('\n')}`;
      return texts.filter((t) => all.includes(t));
    };
    for (let i = 0; i < 60 && (await found()).length < texts.length; i++) await new Promise((r) => setTimeout(r, 500));
    return found();
  };
  /** Opens a table from the sidebar; resolves once its grid has painted `rows` (cells of its rows). */
  const openGrid = async (page: Page, table: string, rows: string[]): Promise<string> => {
    await page.evaluate(() => (window as unknown as { __painted: Set<string> }).__painted.clear());
    const item = await page.waitForSelector(`[data-testid="nc-tbl-title-${table}"]`, { visible: true });
    await item!.scrollIntoView();
    await new Promise((r) => setTimeout(r, 500));
    await item!.click();
    expect(await seen(page, rows), `the ${table} grid shows its rows`).to.include.members(rows);
    await dump(page, `3-${table}`);
    return table;
  };
  /** Scrolls the grid sideways as a mouse wheel does, then lets it paint again. */
  const scrollGrid = async (page: Page, dx: number) => {
    await page.evaluate(() => (window as unknown as { __painted: Set<string> }).__painted.clear());
    await page.mouse.move(900, 400);
    await page.mouse.wheel({ deltaX: dx });
    await new Promise((r) => setTimeout(r, 1000));
    await dump(page, `scrolled-${dx}`);
  };
  const shot = async (page: Page, file: string, table: string) => {
    await new Promise((r) => setTimeout(r, 500));
    await page.screenshot({ path: path.join(SHOTS, file) });
    await dump(page, `5-${table}`);
  };

  /** Clicks the first of the elements `selector` matches that is on screen. */
  const clickVisible = async (page: Page, selector: string) => {
    for (const el of await page.$$(selector)) {
      if (await el.isVisible()) return el.click();
    }
    throw new Error(`nothing visible matches ${selector}`);
  };

  it('signs in to NocoDB and opens the groups, answers, points rules and points totals grids in Russian', async () => {
    // The staff views, attached as NocoDB does at a service start: a reader that may SELECT them alone.
    const reader = { name: `reader_${randomBytes(3).toString('hex')}`, password: randomBytes(12).toString('hex') };
    await school.db.query(`create role ${reader.name} login password '${reader.password}'`);
    const granted = await grantStaffViews(school.db, reader.name);
    const readerUrl = urlAs(school.dbUrl, new URL(school.dbUrl).pathname.slice(1), reader);
    const noco = createNocoApi(school.nocodb.url, school.nocodb.token);
    await attachServiceTables({ api: noco, log: testLog }, { baseId: school.ids.baseId, databaseUrl: readerUrl, tables: granted });

    // The demo school, Anna's first answer submitted and counted, then checked by the AI and her mentor.
    const accounts = await seedDemo({ rows: school.rows, ory: school.standin.ory, identity: school.capabilities.identity, log: testLog });
    const anna = accounts[1]!;
    const annaToken = await logIn(anna.email, anna.password);
    const { body: { workbook } } = await api(`/api/workbooks/${anna.workbookId}`, annaToken);
    const answerId = workbook.answers[0].id as number;
    const submitted = await api(`/api/workbooks/${anna.workbookId}/answers/${answerId}/submit`, annaToken, {
      method: 'POST', body: JSON.stringify({ text: 'Граница проходит по функции: всё, что вместе показывает время, внутри системы.' }),
    });
    expect(submitted.status).to.equal(200);
    const annaId = (await school.standin.ory.identities.findByEmail(anna.email))!.id;
    // Counted in the ledger (the balance API answers from a minute's memory): the totals view has her row.
    await waitFor('Anna\'s answer counted', async () => (await school.db.query('select count(*)::int as n from points_ledger where person_id = $1', [annaId])).rows[0].n > 0, 90_000);
    // The check waits for her mentor, who decides in the grid; the service closes the review and
    // writes back who decided and when (and the checker's verdict it holds, here none), so the
    // verdicts staff are to read are written once it is done.
    const answerRow = async () => (await school.rows.list('answers', { where: `(Id,eq,${answerId})`, limit: 1 }))[0];
    await waitFor('the answer waiting for its mentor', async () => (await answerRow())?.Status === 'waiting_mentor', 60_000);
    await school.rows.update('answers', [{ Id: answerId, Status: 'checked', MentorVerdict: 'Хорошо. Приведите ещё пример надсистемы.', MentorScore: 9 }]);
    const decided = await waitFor('the decision written back', async () => { const row = await answerRow(); return row?.MentorReviewedAt ? row : undefined; }, 60_000);
    expect(decided.Status, 'the decision stands').to.equal('checked');
    await school.rows.update('answers', [{
      Id: answerId, AIVerdict: 'Граница проведена по функции, верно. Добавьте, кто сверяет время.', AIOutcome: 'accepted', AIScore: 8,
      AICheckedAt: new Date(Date.now() - 3_600_000).toISOString(), MentorVerdict: 'Хорошо. Приведите ещё пример надсистемы.',
      MentorScore: 9, MentorName: accounts[0]!.name,
    }]);

    const { admin } = await useNocodb();
    const page = await (await browser.createBrowserContext()).newPage();
    await page.setViewport({ width: 1440, height: 900 });
    await page.setExtraHTTPHeaders({ 'accept-language': 'ru-RU,ru;q=0.9' });
    // NocoDB draws its grid on a canvas: what it paints there is collected as the grid's text.
    await page.evaluateOnNewDocument(() => {
      const painted = new Set<string>();
      (window as unknown as { __painted: Set<string> }).__painted = painted;
      const fillText = CanvasRenderingContext2D.prototype.fillText;
      CanvasRenderingContext2D.prototype.fillText = function (text: string, ...rest: [number, number, number?]) {
        painted.add(String(text));
        return fillText.call(this, text, ...rest);
      };
    });
    await page.goto(`${school.nocodb.url}/dashboard/#/signin`);
    await page.waitForSelector('[data-testid="nc-form-signin__email"]', { timeout: 60_000 });
    await dump(page, '0-signin');
    await page.type('[data-testid="nc-form-signin__email"]', admin.email);
    await page.type('[data-testid="nc-form-signin__password"]', admin.password);
    await page.click('[data-testid="nc-form-signin__submit"]');
    await waitFor('signed in', async () => !page.url().includes('signin'), 30_000);
    // A first sign-in asks what NocoDB is for: staff skip it.
    await page.waitForSelector('[data-testid="nc-onboarding-flow-skip-button"]', { timeout: 10_000 }).then((b) => b?.click()).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 3000));
    // NocoDB opens the base it opened last, which in a full test run is another test's: staff open theirs.
    await page.goto(`${school.nocodb.url}/dashboard/#/nc/${school.ids.baseId}`);
    await new Promise((r) => setTimeout(r, 2000));
    await dump(page, '1-signed-in');

    // The groups: who is in each, as a link count in the members column (scrolled into sight).
    const groups = await openGrid(page, 'Группы', ['Демо: самостоятельные']);
    await scrollGrid(page, 400);
    expect(await seen(page, [MEMBERS, '2 Люди']), 'the groups grid: its members column with their count').to.include.members([MEMBERS, '2 Люди']);
    await shot(page, 'nocodb-groups.png', groups);

    // The points rules: a row per kind, by its Russian label, and rates with three decimals.
    const rules = await openGrid(page, 'Правила баллов', ['сообщение в клубе']);
    expect(await seen(page, ['0.005', '0.010', 'ответ на упражнение']), 'the points rules grid').to.include.members(['0.005', '0.010', 'ответ на упражнение']);
    await shot(page, 'nocodb-points-rules.png', rules);

    // The points totals, a staff view in the service's read-only source.
    await page.click('.nc-sidebar-source-node .ant-collapse-header');
    await dump(page, '4-source');
    const totals = await openGrid(page, 'points_totals', [TOTALS.columns.points!]);
    const totalsTexts = [TOTALS.columns.rank!, TOTALS.columns.points!, TOTALS.columns.points_this_week!];
    expect(await seen(page, totalsTexts), 'the points totals grid').to.include.members(totalsTexts);
    expect(await page.evaluate(() => document.body.innerText), 'its grid by its Russian title').to.include(TOTALS.title);
    await shot(page, 'nocodb-points-totals.png', totals);

    // The answers: the verdicts at a glance, with the sidebar folded away and the columns she
    // does not need now hidden in the Fields menu.
    const answers = await openGrid(page, 'Ответы', ['зачтено']);
    await page.click('.nc-fields-menu-btn');
    for (const field of ['ID студента', 'Баллы ИИ', 'Проверено ИИ', 'Баллы наставника']) {
      await page.waitForSelector(`[data-testid="nc-fields-menu-${field}"]`);
      await page.click(`[data-testid="nc-fields-menu-${field}"]`);
    }
    await page.keyboard.press('Escape');
    await clickVisible(page, '.nc-sidebar-left-toggle-icon');
    await scrollGrid(page, 0);
    const verdictTexts = ['Отзыв ИИ', 'Итог ИИ', 'Проверил', 'зачтено', accounts[0]!.name];
    expect(await seen(page, verdictTexts), 'the answers grid').to.include.members(verdictTexts);
    expect((await painted(page)).filter((t) => t.trimStart().startsWith('{"verdict"')), 'no verdict as raw JSON').to.deep.equal([]);
    expect(await page.evaluate(() => document.body.innerText)).not.to.include('{"verdict"');
    await shot(page, 'nocodb-answers.png', answers);
  });
});
