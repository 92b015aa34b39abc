/**
 * The school's day in a real browser (Debian's chromium through puppeteer-core), on the demo
 * school of `npm start -- --demo`: a visitor is sent to sign in; the student signs in
 * through Kratos' browser flow, writes and submits an answer and sees that it waits for her
 * mentor; another student is refused her workbook; the mentor signs in, finds the answer in
 * her queue and gives her verdict; the student reads it in words. Screenshots go to
 * docs/screenshots/.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { seedDemo, type DemoAccount } from '../../service/demo.ts';
import { waitFor } from '../support/platform.ts';
import { startSchool, type School } from '../support/school.ts';
import { testLog } from '../support/stack.ts';
import { repoRoot } from '../ory/spec-dir.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const SHOTS = path.join(repoRoot, 'docs/screenshots');
const ANSWER = 'Граница проходит по функции: часы показывают время людям, а не только механизму.';

describe('the school\'s day in a browser', function () {
  this.timeout(300_000);
  let school: School;
  let browser: Browser;
  let mentor: DemoAccount;
  let anna: DemoAccount;
  let boris: DemoAccount;

  before(async function () {
    if (!CHROMIUM) this.skip();
    school = await startSchool('browser');
    [mentor, anna, boris] = await seedDemo({ rows: school.rows, ory: school.standin.ory, identity: school.capabilities.identity, log: testLog }) as [DemoAccount, DemoAccount, DemoAccount];
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    await mkdir(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await school?.close();
  });

  const workbookUrl = () => `${school.platform.url}/workbooks/${anna.workbookId}`;
  async function person(): Promise<Page> {
    const page = await (await browser.createBrowserContext()).newPage();
    await page.setExtraHTTPHeaders({ 'accept-language': 'ru-RU,ru;q=0.9' });
    await page.setViewport({ width: 390, height: 844, isMobile: true });
    return page;
  }
  /** The sign-in form, as a person fills it. */
  async function signIn(page: Page, who: DemoAccount, shot?: string): Promise<void> {
    await page.waitForSelector('input[name="identifier"]');
    if (shot) await page.screenshot({ path: path.join(SHOTS, shot), fullPage: true });
    await page.type('input[name="identifier"]', who.email);
    await page.type('input[name="password"]', who.password);
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  }

  it('a visitor is sent to sign in; the student signs in, writes and submits, and sees it wait for her mentor', async () => {
    const page = await person();
    const visit = await page.goto(workbookUrl());
    expect(visit!.status(), 'a visitor').to.equal(401);
    expect(await page.content()).to.include('Войдите в свою учётную запись школы');
    await page.click('a[href*="/self-service/login/browser"]');
    await signIn(page, anna, 'sign-in.png');
    expect(page.url(), 'back on the workbook after signing in').to.equal(workbookUrl());
    expect(await page.$$eval('h2', (hs) => hs.map((h) => h.textContent))).to.deep.equal(['Граница системы', 'Функция и конструкция', 'Надсистема']);

    const first = `#${await page.$eval('article', (a) => a.id)}`;
    await page.type(`${first} textarea`, ANSWER);
    await Promise.all([page.waitForNavigation(), page.click(`${first} button[value="submit"]`)]);
    expect(await page.content()).to.include('Ответ отправлен на проверку.');
    await waitFor('the answer to wait for the mentor', async () => {
      await page.reload();
      return (await page.$eval(`${first} [data-status]`, (s) => s.getAttribute('data-status'))) === 'waiting_mentor';
    }, 40_000);
    expect(await page.$eval(`${first} [data-status]`, (s) => s.textContent)).to.equal('ждёт наставника');
    expect(await page.$(`${first} textarea`), 'a submitted answer is not editable').to.equal(null);
    expect(await page.$$('article textarea'), 'the other exercises are still open').to.have.length(2);
    await page.browserContext().close();
  });

  it('saves a draft as the student types, without a button: it is there after a reload', async () => {
    const page = await person();
    await page.goto(`${school.platform.url}/auth/login`);
    await signIn(page, anna);
    await page.goto(workbookUrl());
    const second = `#${await page.$$eval('article', (as) => as[1]!.id)}`;
    const draft = 'Функция — то, что система делает для надсистемы; конструкция — из чего она сделана.';
    await page.type(`${second} textarea`, draft);
    await page.waitForFunction((sel) => document.querySelector(`${sel} [data-autosave-status]`)?.textContent?.startsWith('Черновик сохранён автоматически'), { timeout: 15_000 }, second);
    await page.reload();
    expect(await page.$eval(`${second} textarea`, (t) => (t as HTMLTextAreaElement).value)).to.equal(draft);
    expect(await page.$eval(`${second} [data-status]`, (s) => s.getAttribute('data-status'))).to.equal('draft');
    await page.browserContext().close();
  });

  it('another signed-in student gets 403 on her workbook page and API', async () => {
    const page = await person();
    await page.goto(`${school.platform.url}/auth/login`);
    await signIn(page, boris);
    const res = await page.goto(workbookUrl());
    expect(res!.status()).to.equal(403);
    expect(await page.content()).to.include('Это не ваша тетрадь').and.to.not.include('по функции');
    expect((await page.goto(`${school.platform.url}/api/workbooks/${anna.workbookId}`))!.status()).to.equal(403);
    expect((await page.goto(`${school.platform.url}/reviews`))!.status(), 'a student has no review queue').to.equal(200);
    expect(await page.content()).to.include('Сейчас нечего проверять.').and.to.not.include('по функции');
    await page.browserContext().close();
  });

  it('the mentor finds the answer in her queue and gives her verdict; the student reads it in words', async () => {
    const page = await person();
    await page.goto(`${school.platform.url}/reviews`);
    await signIn(page, mentor);
    expect(page.url()).to.equal(`${school.platform.url}/reviews`);
    const card = await waitFor('the answer in the mentor\'s queue', async () => {
      await page.reload();
      return (await page.$('article')) ?? undefined;
    }, 30_000);
    const text = await card.evaluate((a) => a.textContent ?? '');
    expect(text).to.include('Анна Студентка').and.to.include('Граница системы').and.to.include(ANSWER);
    await page.select('article select[name="verdict"]', 'accepted');
    await page.type('article input[name="score"]', '8');
    await page.type('article textarea[name="feedback"]', 'Верно: граница проведена по функции. Добавьте пример надсистемы.');
    await page.screenshot({ path: path.join(SHOTS, 'mentor-reviews.png'), fullPage: true });
    await Promise.all([page.waitForNavigation(), page.click('article fieldset button[type="submit"]')]);
    expect(await page.content()).to.include('Оценка отправлена');
    await page.browserContext().close();

    const student = await person();
    await student.goto(`${school.platform.url}/`);
    await signIn(student, anna);
    expect(student.url(), '/ sends a signed-in student to her workbooks').to.equal(`${school.platform.url}/workbooks`);
    await Promise.all([student.waitForNavigation(), student.click('li a')]);
    await waitFor('the verdict on the student\'s page', async () => {
      await student.reload();
      return (await student.$eval('article [data-status]', (s) => s.getAttribute('data-status'))) === 'checked';
    }, 30_000);
    const html = await student.content();
    expect(html).to.include('проверен').and.to.include('Оценка наставника').and.to.include('Добавьте пример надсистемы');
    expect(html, 'the verdict reads as words, not JSON').to.not.match(/\{"verdict"|"score":/);
    await student.screenshot({ path: path.join(SHOTS, 'student-workbook.png'), fullPage: true });

    // Her submitted answer earned points: her own page shows them, with the line that earned them.
    await Promise.all([student.waitForNavigation(), student.click('a[href^="/points"]')]);
    await waitFor('the answer\'s points on her page', async () => {
      await student.reload();
      return (await student.content()).includes('Ответ на упражнение');
    }, 30_000);
    expect(await student.$('svg'), 'the activity calendar').to.not.equal(null);
    await student.screenshot({ path: path.join(SHOTS, 'student-points.png'), fullPage: true });
    await student.browserContext().close();
  });
});
