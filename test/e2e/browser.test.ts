/**
 * The school's day in a real browser (Debian's chromium through puppeteer-core): a student
 * signs in through Kratos' browser flow and the account page, opens her workbook, writes
 * and submits an answer and sees that it waits for her mentor; another student is refused
 * her workbook; a visitor is sent to sign in. Screenshots go to docs/screenshots/.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { waitFor } from '../support/platform.ts';
import { startSchool, type School } from '../support/school.ts';
import { repoRoot } from '../ory/spec-dir.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const SHOTS = path.join(repoRoot, 'docs/screenshots');

describe('the school\'s day in a browser', function () {
  this.timeout(300_000);
  let school: School;
  let browser: Browser;
  let ann: Awaited<ReturnType<School['register']>>;
  let bob: Awaited<ReturnType<School['register']>>;
  let workbook: number;

  before(async function () {
    if (!CHROMIUM) this.skip();
    school = await startSchool('browser');
    ann = await school.register('Anna');
    bob = await school.register('Boris');
    const [guide] = await school.rows.insert('guides', [{ Title: 'Системное мышление', Slug: 'systems-thinking' }]);
    const [exercise] = await school.rows.insert('exercises', [{ Title: 'Граница системы', Question: 'Где проходит граница системы часов?', Position: 1, MaxPoints: 10 }]);
    await school.rows.link('guides', 'Exercises', guide!.Id, [exercise!.Id]);
    workbook = (await school.rows.insert('workbooks', [{ Title: 'Анна: системное мышление', StudentIdentity: ann.id, Status: 'active' }]))[0]!.Id;
    await school.rows.link('guides', 'Workbooks', guide!.Id, [workbook]);
    await waitFor('Anna owns her workbook in Keto', () => school.standin.ory.keto.check({ namespace: 'Workbook', object: `workbook-${workbook}`, relation: 'edit', subject: ann.id }), 30_000);
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    await mkdir(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await school?.close();
  });

  /** Signs in as a person does: the workbook's link, the sign-in link, the form. */
  async function signIn(page: Page, who: { email: string; password: string }, target: string, shot?: string): Promise<void> {
    await page.goto(target);
    await page.click('a[href*="/self-service/login/browser"]');
    await page.waitForSelector('input[name="identifier"]');
    if (shot) await page.screenshot({ path: path.join(SHOTS, shot), fullPage: true });
    await page.type('input[name="identifier"]', who.email);
    await page.type('input[name="password"]', who.password);
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  }

  it('a visitor is sent to sign in; the student signs in, writes and submits, and sees it wait for her mentor', async () => {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setExtraHTTPHeaders({ 'accept-language': 'ru-RU,ru;q=0.9' });
    await page.setViewport({ width: 390, height: 844, isMobile: true });
    const target = `${school.platform.url}/workbooks/${workbook}`;
    const first = await page.goto(target);
    expect(first!.status(), 'a visitor').to.equal(401);
    expect(await page.content()).to.include('Войдите в свою учётную запись школы');

    await signIn(page, ann, target, 'sign-in.png');
    expect(page.url(), 'back on the workbook after signing in').to.equal(target);
    expect(await page.$eval('h1', (h) => h.textContent)).to.equal('Анна: системное мышление');
    expect(await page.content()).to.include('Где проходит граница системы часов?');

    await page.type('textarea', 'Граница проходит по функции: часы показывают время людям, а не только механизму.');
    await Promise.all([page.waitForNavigation(), page.click('button[value="submit"]')]);
    expect(await page.content()).to.include('Ответ отправлен на проверку.');
    await waitFor('the answer to wait for the mentor', async () => {
      await page.reload();
      return (await page.$eval('[data-status]', (s) => s.getAttribute('data-status'))) === 'waiting_mentor';
    }, 40_000);
    expect(await page.$eval('[data-status]', (s) => s.textContent)).to.equal('ждёт наставника');
    expect(await page.$('textarea'), 'a submitted answer is not editable').to.equal(null);
    await page.screenshot({ path: path.join(SHOTS, 'student-workbook.png'), fullPage: true });
    await context.close();
  });

  it('another signed-in student gets 403 on her workbook page and API', async () => {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setExtraHTTPHeaders({ 'accept-language': 'ru-RU,ru;q=0.9' });
    const target = `${school.platform.url}/workbooks/${workbook}`;
    await page.goto(`${school.platform.url}/auth/login`);
    await page.waitForSelector('input[name="identifier"]');
    await page.type('input[name="identifier"]', bob.email);
    await page.type('input[name="password"]', bob.password);
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    const res = await page.goto(target);
    expect(res!.status()).to.equal(403);
    const html = await page.content();
    expect(html).to.include('Это не ваша тетрадь').and.to.not.include('по функции');
    const api = await page.goto(`${school.platform.url}/api/workbooks/${workbook}`);
    expect(api!.status()).to.equal(403);
    await context.close();
  });
});
