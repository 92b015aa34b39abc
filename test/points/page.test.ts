import { existsSync } from 'node:fs';
import { expect } from 'chai';
import puppeteer, { type Browser } from 'puppeteer-core';
import { collected, discoursePost, pointsHarness, text, type PointsHarness } from './harness.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, '\'').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const words = (html: string) => decode(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
/** The statement's lines as a reader sees them: [booked (local, machine-readable), what for, points, balance]. */
const linesOf = (page: string) => [...page.matchAll(/<tr data-line="\d+">([\s\S]*?)<\/tr>/g)].map((row) => {
  const cells = [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]!);
  return [/datetime="([^"]+)"/.exec(cells[0]!)?.[1], words(cells[1]!), words(cells[2]!), words(cells[3]!)];
});
const rowOf = (page: string, row: 'opening' | 'closing') => words(new RegExp(`<tr data-row="${row}">([\\s\\S]*?)</tr>`).exec(page)?.[1] ?? '');
const balanceOf = (page: string) => words(/<p id="balance"[^>]*>([\s\S]*?)<\/p>/.exec(page)?.[1] ?? '');
const linkTo = (page: string, label: string) => decode(new RegExp(`<a href="([^"]+)"[^>]*>${label}</a>`).exec(page)?.[1] ?? '');

describe('points: a student\'s own page, like a bank account', () => {
  let h: PointsHarness;
  let web: Awaited<ReturnType<PointsHarness['http']>>;
  let fay: { id: string; token: string };
  let eve: { id: string; token: string };
  const open = async (path: string, opts: { token?: string; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${web.origin}${path}`, { headers: { ...(opts.token ? { 'x-session-token': opts.token } : {}), ...opts.headers }, redirect: 'manual' });
    return { status: res.status, type: res.headers.get('content-type') ?? '', page: await res.text() };
  };
  const person = async (p: Parameters<PointsHarness['signUp']>[0]) => {
    const { id, hook, token } = await h.signUp(p);
    await h.deliverHook(hook);
    return { id, token };
  };

  before(async () => {
    h = await pointsHarness('page', { sessions: true });
    await h.rule({ Id: 1, Kind: 'error_report', Points: 5, EffectiveFrom: '2025-01-01' }, 'insert');
    await h.rule({ Id: 2, Kind: 'club_post', Points: 1, PerCharacter: 0.01, EffectiveFrom: '2025-01-01' }, 'insert');
    fay = await person({ timeZone: 'Asia/Vladivostok', name: 'Fay' });
    eve = await person({ name: 'Eve', locale: 'en' });
    await h.db.pool.query(`insert into points_person_alias (source, external_id, person_id) values ('discourse_user', '9', $1)`, [fay.id]);
    // Each delivery is booked at the clock's time: 20 Feb, 2 Mar 13:00 and 3 Mar 15:00 in Vladivostok.
    h.clock.now = new Date('2025-02-20T12:00:00Z');
    await h.deliver([collected(fay.id, 'error_report', 'feb', '2025-02-20T01:00:00Z')]);
    h.clock.now = new Date('2025-03-02T03:00:00Z');
    await h.deliver([collected(fay.id, 'error_report', 'e1', '2025-03-01T23:30:00Z')]);
    h.clock.now = new Date('2025-03-03T05:00:00Z');
    await h.deliver([
      collected(fay.id, 'error_report', 'e2', '2025-03-03T01:00:00Z'),
      { topic: 'discourse.post_created', payload: discoursePost({ id: 1, userId: 9, username: 'fay', raw: text(250), createdAt: '2025-03-03T02:00:00Z' }) },
      collected(eve.id, 'error_report', 'g1', '2025-03-03T01:00:00Z'),
    ]);
    web = await h.http();
  });

  after(() => web?.close());

  it('shows the signed-in student their own balance, in Russian by default', async () => {
    const { status, type, page } = await open('/points', { token: fay.token });
    expect(status).to.equal(200);
    expect(type).to.match(/^text\/html/);
    expect(page).to.match(/^<!doctype html><html lang="ru">/);
    expect(page).to.contain('<h1>Мои баллы</h1>');
    expect(balanceOf(page)).to.equal('18 баллов');
    expect(balanceOf((await open('/points', { token: eve.token, headers: { 'accept-language': 'ru' } })).page), 'Eve sees hers, not Fay\'s').to.equal('5 points');
  });

  it('lists this month\'s lines, in the student\'s time zone, with what earned each and its rule, between opening and closing balance', async () => {
    const { page } = await open('/points', { token: fay.token });
    expect(rowOf(page, 'opening')).to.equal('Входящий остаток 5');
    expect(linesOf(page)).to.deep.equal([
      ['2025-03-02T13:00', 'Сообщение об ошибке правило 1, версия 1', '+5', '10'],
      ['2025-03-03T15:00', 'Сообщение об ошибке правило 1, версия 1', '+5', '15'],
      ['2025-03-03T15:00', 'Сообщение в клубе, 250 знаков правило 2, версия 1', '+3', '18'],
    ]);
    expect(rowOf(page, 'closing')).to.equal('Исходящий остаток 18');
    expect(page).to.contain('Asia/Vladivostok');
  });

  it('narrows the statement to the period of the form, and to the quick links\' periods', async () => {
    const day3 = (await open('/points?from=2025-03-03&to=2025-03-03', { token: fay.token })).page;
    expect(linesOf(day3).map((l) => l[3])).to.deep.equal(['15', '18']);
    expect([rowOf(day3, 'opening'), rowOf(day3, 'closing')]).to.deep.equal(['Входящий остаток 10', 'Исходящий остаток 18']);
    expect(day3, 'the form shows the period it shows').to.contain('name="from" type="date" value="2025-03-03"').and.contain('name="to" type="date" value="2025-03-03"');
    const day2 = (await open('/points?from=2025-03-02&to=2025-03-02', { token: fay.token })).page;
    expect(linesOf(day2).map((l) => l[0])).to.deep.equal(['2025-03-02T13:00']);

    const lastMonth = linkTo(day3, 'Прошлый месяц');
    expect(lastMonth).to.equal('/points?from=2025-02-01&to=2025-02-28');
    const feb = (await open(lastMonth, { token: fay.token })).page;
    expect(linesOf(feb).map((l) => [l[1], l[2]])).to.deep.equal([['Сообщение об ошибке правило 1, версия 1', '+5']]);
    expect([rowOf(feb, 'opening'), rowOf(feb, 'closing')]).to.deep.equal(['Входящий остаток 0', 'Исходящий остаток 5']);
    expect(linkTo(day3, 'Этот год')).to.equal('/points?from=2025-01-01&to=2025-03-03');
    expect(linesOf((await open(linkTo(day3, 'Этот год'), { token: fay.token })).page)).to.have.length(4);
    // An empty date field (the form sent as it was) is the default period, this month so far.
    expect(linesOf((await open('/points?from=&to=', { token: fay.token })).page)).to.have.length(3);
  });

  it('draws the year\'s calendar inline and says the streaks in words', async () => {
    const { page } = await open('/points', { token: fay.token });
    expect(page).to.contain('<svg').and.contain('data-date="2025-03-02" data-points="5"').and.contain('data-date="2025-03-03" data-points="8"');
    expect(page).to.contain('Активность в 2025 году');
    expect(words(/<p id="streaks">([\s\S]*?)<\/p>/.exec(page)![1]!)).to.equal('Текущая серия: 2 дня подряд. Самая длинная серия: 2 дня подряд.');
  });

  it('links the CSV of the period shown, and the link downloads those lines', async () => {
    const { page } = await open('/points?from=2025-03-03&to=2025-03-03', { token: fay.token });
    const href = linkTo(page, 'Скачать выписку за период \\(CSV\\)');
    expect(href).to.equal(`/api/points/people/${fay.id}/statement?format=csv&from=2025-03-03&to=2025-03-03&lang=ru`);
    const csv = await open(href, { token: fay.token });
    expect(csv.type).to.match(/^text\/csv/);
    const rows = csv.page.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(rows, 'heading, opening, two lines, closing').to.have.length(5);
    expect(rows[0]).to.match(/^Строка,Проведено/);
  });

  it('speaks English with ?lang=en, and to a person whose own locale is English whatever the browser says', async () => {
    const en = (await open('/points?lang=en', { token: fay.token })).page;
    expect(en).to.match(/<html lang="en">/);
    expect(balanceOf(en)).to.equal('18 points');
    expect(linesOf(en)[2]!.slice(1)).to.deep.equal(['Club post, 250 characters rule 2, version 1', '+3', '18']);
    expect(words(/<p id="streaks">([\s\S]*?)<\/p>/.exec(en)![1]!)).to.equal('Current streak: 2 days in a row. Longest streak: 2 days in a row.');
    expect(en, 'the form keeps the language').to.contain('<input type="hidden" name="lang" value="en"/>');
    expect(linkTo(en, 'Last month')).to.equal('/points?from=2025-02-01&to=2025-02-28&lang=en');

    const eveDefault = (await open('/points', { token: eve.token, headers: { 'accept-language': 'ru-RU,ru;q=0.9' } })).page;
    expect(eveDefault).to.match(/<html lang="en">/);
    expect(linesOf(eveDefault).map((l) => l[1])).to.deep.equal(['Error report rule 1, version 1']);
    expect((await open('/points?lang=ru', { token: eve.token })).page, '?lang= still overrides').to.match(/<html lang="ru">/);
  });

  it('asks a visitor without a session to sign in, with a page and 401', async () => {
    for (const headers of [{}, { 'x-session-token': 'not-a-session' }] as Record<string, string>[]) {
      const { status, type, page } = await open('/points', { headers });
      expect(status).to.equal(401);
      expect(type).to.match(/^text\/html/);
      expect(page).to.contain('Войдите в свою учётную запись школы, чтобы увидеть свои баллы.');
      expect(linkTo(page, 'Войти')).to.equal('/auth/login');
      expect(page).to.not.contain('data-line');
    }
    const en = await open('/points', { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    expect([en.status, linkTo(en.page, 'Sign in')]).to.deep.equal([401, '/auth/login']);
  });

  it('answers a period that is not one with a readable 400 page, never a 500', async () => {
    const cases: [string, string][] = [
      ['?from=2025-03-10&to=2025-03-01', 'Период начинается позже, чем заканчивается: поменяйте даты местами.'],
      ['?from=2025-02-30', 'Дата периода указана неверно'],
      ['?to=yesterday', 'Дата периода указана неверно'],
      ['?from=2025-03-01&from=2025-03-02', 'Дата периода указана неверно'],
      ['?from=2023-01-01&to=2025-03-01', 'Период слишком длинный: выберите не больше 400 дней.'],
    ];
    for (const [query, message] of cases) {
      const { status, type, page } = await open(`/points${query}`, { token: fay.token });
      expect(status, query).to.equal(400);
      expect(type, query).to.match(/^text\/html/);
      expect(words(/<p role="alert">([\s\S]*?)<\/p>/.exec(page)?.[1] ?? ''), query).to.contain(message);
      expect(linkTo(page, 'Вернуться к моим баллам'), query).to.equal('/points');
    }
    const en = await open('/points?from=2025-03-10&to=2025-03-01&lang=en', { token: fay.token });
    expect([en.status, linkTo(en.page, 'Back to my points')]).to.deep.equal([400, '/points?lang=en']);
    expect(en.page).to.contain('The period starts after it ends');
  });

  describe('in a browser on a phone', function () {
    let browser: Browser;
    before(async function () {
      if (!CHROMIUM) this.skip();
      browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    });
    after(async () => browser?.close());

    it('fits the phone\'s width, labels every field, and filters the period with the plain form (the page has no script)', async () => {
      const tab = await (await browser.createBrowserContext()).newPage();
      await tab.setExtraHTTPHeaders({ 'x-session-token': fay.token, 'accept-language': 'ru-RU,ru;q=0.9' });
      await tab.setViewport({ width: 360, height: 740, isMobile: true });
      await tab.goto(`${web.origin}/points`);
      expect(await tab.$$('script')).to.have.length(0);
      const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, 'the page does not scroll sideways (the calendar scrolls in its own box)').to.be.at.most(0);
      const statement = await tab.$eval('#statement', (t) => ({ table: t.getBoundingClientRect().width, box: t.parentElement!.clientWidth }));
      expect(statement.table, 'the statement fits the phone without scrolling sideways').to.be.at.most(statement.box);
      const unlabelled = await tab.$$eval('input:not([type=hidden]), select, textarea', (fields) => fields.filter((f) => !(f as HTMLInputElement).labels?.length).map((f) => f.outerHTML));
      expect(unlabelled).to.deep.equal([]);
      expect(await tab.$$eval('th[scope=col]', (ths) => ths.map((t) => t.textContent))).to.deep.equal(['Дата', 'За что', 'Баллы', 'Остаток']);

      await tab.$eval('#from', (i) => { (i as HTMLInputElement).value = '2025-03-03'; });
      await tab.$eval('#to', (i) => { (i as HTMLInputElement).value = '2025-03-03'; });
      await Promise.all([tab.waitForNavigation(), tab.click('form button[type=submit]')]);
      expect(new URL(tab.url()).search).to.equal('?from=2025-03-03&to=2025-03-03');
      expect(await tab.$$eval('tr[data-line] td:last-child', (tds) => tds.map((t) => t.textContent))).to.deep.equal(['15', '18']);
    });
  });
});
