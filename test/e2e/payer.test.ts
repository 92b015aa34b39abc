/**
 * A payer's walk in a real browser (Debian's chromium through puppeteer-core): a visitor
 * opens the page that buys a plan and is sent to sign in and back; the button goes to the
 * local Moneta's form; Moneta's "back to the shop" lands on the order's page, which says it
 * is waiting and reloads itself; Moneta's Pay URL notification arrives; the same page, with
 * nobody touching it, then says paid and shows the next steps staff wrote in NocoDB.
 * Screenshots: docs/screenshots/order-processing.png, order-paid.png.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import puppeteer, { type Browser } from 'puppeteer-core';
import { startSchool, type School } from '../support/school.ts';
import { startMonetaServer, type MonetaServer } from '../support/moneta-server.ts';
import { repoRoot } from '../ory/spec-dir.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const SHOTS = path.join(repoRoot, 'docs/screenshots');
const ACCOUNT = '51234567';
const CODE = 'test-integrity-code';

describe('a payer in a browser: checkout, back from Moneta, processing, then paid with what next', function () {
  this.timeout(240_000);
  let school: School;
  let moneta: MonetaServer;
  let browser: Browser;

  before(async function () {
    if (!CHROMIUM) this.skip();
    moneta = await startMonetaServer({ accountId: ACCOUNT, integrityCode: CODE, payUrl: () => `${school.platform.url}/hooks/moneta` });
    school = await startSchool('payer_browser', { MONETA_ACCOUNT_ID: ACCOUNT, MONETA_INTEGRITY_CODE: CODE, MONETA_FORM_URL: moneta.formUrl, MONETA_TEST_MODE: 'true' });
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    await mkdir(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await school?.close();
    await moneta?.close();
  });

  it('walks from the sign-in to the paid order\'s next steps', async () => {
    const [product] = await school.rows.insert('products', [{
      Title: 'Семинар-практикум', Code: 'workshop', Kind: 'workshop',
      NextStepsRu: 'Встреча в четверг в 19:00 по Москве.\n\n- Зайдите в [чат практикума](https://t.me/+workshop)\n- Прочитайте **первую главу**',
    }]);
    const [plan] = await school.rows.insert('plans', [{ Title: 'Квартал', Duration: 'quarter', Jurisdiction: 'ru', Currency: 'RUB' }]);
    await school.rows.link('products', 'Plans', product!.Id, [plan!.Id]);
    const [price] = await school.rows.insert('prices', [{ AmountMinor: 600_000, ValidFrom: '2025-01-01' }]);
    await school.rows.link('plans', 'Prices', plan!.Id, [price!.Id]);
    await school.capabilities.billing.resyncCatalogNow();
    const ann = await school.register('Ann');

    const page = await (await browser.createBrowserContext()).newPage();
    await page.setExtraHTTPHeaders({ 'accept-language': 'ru-RU,ru;q=0.9' });
    await page.setViewport({ width: 390, height: 844, isMobile: true });

    // A visitor is sent to sign in, and back.
    const buy = `${school.platform.url}/billing/renew/${plan!.Id}`;
    await page.goto(buy);
    await page.waitForSelector('input[name="identifier"]');
    await page.type('input[name="identifier"]', ann.email);
    await page.type('input[name="password"]', ann.password);
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    expect(page.url(), 'back on the page she opened').to.equal(buy);
    expect(await page.content()).to.include('Семинар-практикум · Квартал');

    // To Moneta's form, then back to the shop, as Moneta sends the payer.
    await Promise.all([page.waitForNavigation(), page.click('form button[type="submit"]')]);
    expect(page.url().startsWith(moneta.formUrl), `at Moneta: ${page.url()}`).to.equal(true);
    const attemptId = moneta.opened.at(-1)!.params.MNT_TRANSACTION_ID!;
    await Promise.all([page.waitForNavigation(), page.click('#back-to-shop')]);
    expect(page.url()).to.match(new RegExp(`^${school.platform.url}/billing/orders/[0-9a-f-]{36}$`));
    const orderUrl = page.url();
    expect(await page.$eval('[data-state]', (e) => e.getAttribute('data-state'))).to.equal('processing');
    expect(await page.$eval('[role="status"]', (e) => e.textContent)).to.include('Ждём подтверждения оплаты');
    await page.screenshot({ path: path.join(SHOTS, 'order-processing.png'), fullPage: true });

    // Moneta's notification: the page, left alone, reloads itself until it knows.
    expect(await moneta.pay(attemptId, { operationId: 'browser-op-1' })).to.deep.equal({ status: 200, body: 'SUCCESS' });
    await page.waitForFunction(() => document.querySelector('[data-state]')?.getAttribute('data-state') === 'paid', { timeout: 30_000, polling: 500 });
    expect(page.url().startsWith(orderUrl), 'the same order\'s page').to.equal(true);
    expect(await page.$eval('[role="status"]', (e) => e.textContent)).to.equal('Оплата получена. Спасибо!');
    expect(await page.$eval('[data-next-steps]', (e) => (e as HTMLElement).innerText)).to.include('Встреча в четверг в 19:00 по Москве.').and.to.include('Прочитайте первую главу');
    expect(await page.$eval('[data-next-steps] a', (a) => [a.textContent, a.getAttribute('href')])).to.deep.equal(['чат практикума', 'https://t.me/+workshop']);
    expect(await page.$('meta[http-equiv="refresh"]'), 'it stops reloading once paid').to.equal(null);
    await page.screenshot({ path: path.join(SHOTS, 'order-paid.png'), fullPage: true });
    await page.browserContext().close();
  });
});
