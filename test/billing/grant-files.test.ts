/**
 * A teacher's file of students granted a plan through NocoDB's grid (Grant files), on the
 * real NocoDB, PostgreSQL and Redis with the Ory stand-in: an XLSX made by a real writer
 * (exceljs) uploaded as NocoDB's UI does, its people imported by identity's student import,
 * each granted as a staff grant is, Status, Progress and Report written back to the row; the
 * same file again grants nothing twice; bad files are refused whole, saying why.
 */
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import { sweepTable } from '../../hooks/nocodb-sweep.ts';
import { createNocoApi } from '../../nocodb/client.ts';
import { schoolTables } from '../../schemas/nocodb/index.ts';
import { addDays, localDay } from '../../extensions/billing/days.ts';
import { startSchool, type School } from '../support/school.ts';
import { waitFor } from '../support/platform.ts';
import { testLog } from '../support/stack.ts';

describe('billing: a teacher\'s file of students granted a plan in NocoDB', function () {
  this.timeout(240_000);
  let school: School;
  before(async () => { school = await startSchool('billing_grant_files'); });
  after(async () => school?.close());

  const sweep = async (...keys: string[]) => {
    const api = createNocoApi(school.nocodb.url, school.nocodb.token);
    for (const key of keys) await sweepTable({ api, ids: school.ids, db: school.db, inbox: school.platform.inbox, log: testLog }, schoolTables.find((t) => t.key === key)!, 5);
  };
  // As NocoDB's grid uploads a file into an Attachment cell: POST /api/v2/storage/upload, then the row keeps what it answered.
  const upload = async (name: string, type: string, bytes: Buffer | string) => {
    const form = new FormData();
    form.append('file', new Blob([typeof bytes === 'string' ? bytes : new Uint8Array(bytes)], { type }), name);
    const res = await fetch(`${school.nocodb.url}/api/v2/storage/upload?path=noco/school/grant_files/File`, { method: 'POST', headers: { 'xc-token': school.nocodb.token }, body: form });
    expect(res.status, 'NocoDB took the file').to.equal(200);
    return res.json();
  };
  const row = (id: number) => school.rows.get('grant_files', id);
  const finished = (id: number, what: string) => waitFor(what, async () => {
    const r = await row(id);
    return typeof r.Status === 'string' && /^(готово|отклонено)/.test(r.Status) && r;
  }, 40_000);
  const canRead = (id: string) => school.standin.ory.keto.check({ namespace: 'Guide', object: 'systems-101', relation: 'read', subject: id });
  const granted = async (rowId: number) => (await school.db.query(
    `select person_id, kind, status, to_char(starts_on, 'YYYY-MM-DD') as s, to_char(ends_on, 'YYYY-MM-DD') as e from billing_subscription where source like $1 order by id`,
    [`grant-file:${rowId}:%`])).rows;

  it('grants each student of an XLSX the plan once, with progress and a report of the lines it could not', async () => {
    const today = localDay(new Date(), 'Europe/Moscow');
    const early = await school.register('Early'); // registered, address not verified: the import lets the line wait
    await sweep('products', 'plans', 'grant_files'); // the sweeper's first round: from now on
    const [guide] = await school.rows.insert('guides', [{ Title: 'Системное мышление', Slug: 'systems-101' }]);
    const [product] = await school.rows.insert('products', [{ Title: 'БР', Code: 'br', Kind: 'subscription' }]);
    await school.rows.link('products', 'Guides', product!.Id, [guide!.Id]);
    const [plan] = await school.rows.insert('plans', [{ Title: 'БР, месяц', Duration: 'month', Jurisdiction: 'ru', Currency: 'RUB' }]);
    await school.rows.link('products', 'Plans', product!.Id, [plan!.Id]);
    await sweep('products', 'plans');
    await school.capabilities.billing.resyncCatalogNow();

    // The teacher's sheet, as Excel saves it.
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Ученики');
    sheet.addRow(['Email', 'Name', 'Telegram_username']);
    sheet.addRow(['anna.file@school.test', 'Анна Петрова', '@anna_petrova']);
    sheet.addRow(['boris.file@school.test', 'Борис Иванов', '']);
    sheet.addRow(['не почта', 'Кто-то', '']);
    sheet.addRow([early.email, 'Ранний', '']);
    sheet.addRow(['vera.file@school.test', 'Вера', '']);
    const xlsx = Buffer.from(await book.xlsx.writeBuffer());
    const file = await upload('ученики 5А.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', xlsx);

    // Staff add the row, then link the plan (a link fires no webhook: the row's next edit brings it).
    const [gf] = await school.rows.insert('grant_files', [{ File: file, Reason: 'Класс 5А, договор со школой №7' }]);
    const first = await finished(gf!.Id, 'the row without a plan refused');
    expect(first.Status).to.equal('отклонено: свяжите строку с тарифом (Plan)');
    await school.rows.link('grant_files', 'Plan', gf!.Id, [plan!.Id]);
    await school.rows.update('grant_files', [{ Id: gf!.Id, Days: 30 }]);
    const done = await waitFor('the run done', async () => {
      const r = await row(gf!.Id);
      return typeof r.Status === 'string' && r.Status.startsWith('готово') && r;
    }, 60_000);
    expect(done.Status).to.equal('готово: выдано 3, уже было 0, не выдано 2');
    expect(done.Progress).to.equal('5/5');
    const report = String(done.Report).split('\n');
    expect(report).to.have.length(2);
    expect(report[0]).to.match(/^Строка 4 \(не почта\): /);
    expect(report[1]).to.match(new RegExp(`^Строка 5 \\(${early.email.replace(/\./g, '\\.')}\\): `));

    // Each imported student holds the plan for 30 days, granted as staff grant, in the name of who edited the row.
    const subs = await granted(gf!.Id);
    expect(subs.map((s) => [s.kind, s.status, s.s, s.e])).to.deep.equal(Array(3).fill(['free', 'active', today, addDays(today, 29)]));
    const anna = (await school.standin.ory.identities.findByEmail('anna.file@school.test'))!;
    expect(subs.map((s) => s.person_id)).to.include(anna.id);
    await waitFor('Anna may read the guide', () => canRead(anna.id), 20_000);
    expect(await canRead(early.id), 'the unverified address waits').to.equal(false);
    const events = (await school.db.query(`select e.cause, e.actor from billing_subscription_event e join billing_subscription s on s.id = e.subscription_id
      where s.person_id = $1 and s.source like 'grant-file:%'`, [anna.id])).rows;
    expect(events).to.deep.equal([{ cause: 'granted by staff (admin@school.test): Класс 5А, договор со школой №7', actor: `staff:nocodb:grant_files:${gf!.Id}:admin@school.test` }]);
    const staffView = (await school.db.query('select status, granted, problems, editor from billing_grant_files where grant_file_row = $1', [gf!.Id])).rows[0];
    expect(staffView).to.deep.equal({ status: 'done', granted: 3, problems: 2, editor: 'admin@school.test' });

    // The same file again: the sweep (a duplicate of what the webhooks brought), then an edit of the row (a new run): nobody twice.
    await sweep('grant_files');
    await school.rows.update('grant_files', [{ Id: gf!.Id, Reason: 'Класс 5А, договор со школой №7 (продлён)' }]);
    const again = await waitFor('the second run done', async () => {
      const r = await row(gf!.Id);
      return typeof r.Status === 'string' && r.Status.startsWith('готово: выдано 0') && r;
    }, 60_000);
    expect(again.Status).to.equal('готово: выдано 0, уже было 3, не выдано 2');
    expect(await granted(gf!.Id), 'still three subscriptions').to.have.length(3);
    expect((await school.db.query(`select count(*)::int as n from billing_transfer where id like 'grant-file:%'`)).rows[0].n, 'no grant booked twice').to.be.at.most(3);
  });

  it('refuses a file it cannot read whole, saying why, and grants nothing of it', async () => {
    const [plan] = await school.rows.list('plans', { limit: 1 });
    const noEmail = await upload('список.csv', 'text/csv', 'Имя;Телеграм\nАнна;anna_p\n');
    const notSheet = await upload('список.pdf', 'application/pdf', '%PDF-1.4');
    const [a, b, c] = await school.rows.insert('grant_files', [
      { File: noEmail, Reason: 'Класс 6Б' }, { File: notSheet, Reason: 'Класс 6В' }, { File: noEmail, Days: 10 },
    ]);
    for (const r of [a!, b!, c!]) await school.rows.link('grant_files', 'Plan', r.Id, [plan!.Id]);
    await school.rows.update('grant_files', [{ Id: a!.Id, Days: 10 }, { Id: b!.Id, Days: 10 }, { Id: c!.Id, EndsOn: '2999-01-01' }]);
    const refusedA = await waitFor('6Б refused', async () => String((await row(a!.Id)).Status ?? '').includes('email') && row(a!.Id), 40_000);
    expect(refusedA.Status).to.equal('отклонено: в первой строке нет столбца email (есть: имя, телеграм)');
    expect(refusedA.Progress ?? null).to.equal(null);
    await waitFor('6В refused', async () => (await row(b!.Id)).Status === 'отклонено: файл «список.pdf» не CSV и не XLSX', 40_000);
    await waitFor('no reason refused', async () => (await row(c!.Id)).Status === 'отклонено: укажите причину (Reason)', 40_000);
    await school.rows.update('grant_files', [{ Id: c!.Id, Reason: 'Класс 6Г' }]);
    await waitFor('Days and EndsOn both refused', async () => (await row(c!.Id)).Status === 'отклонено: укажите либо Days, либо EndsOn, но не оба', 40_000);
    for (const r of [a!, b!, c!]) expect(await granted(r.Id)).to.deep.equal([]);
  });
});
