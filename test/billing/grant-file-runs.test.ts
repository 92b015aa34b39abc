/**
 * A grant file's run in chunks on the real PostgreSQL: progress after each chunk, a crash in
 * the middle resumed from the first line without an outcome, nothing granted twice. The
 * people import and NocoDB's row are local stand-ins here (the real ones run in
 * grant-files.test.ts); what is under test is the cursor.
 */
import { expect } from 'chai';
import { inTransaction } from '../../kernel/db.ts';
import { parseCsv } from '../../extensions/identity/index.ts';
import { grantFilesRound, takeGrantFile, type PeopleImport } from '../../extensions/billing/grant-files.ts';
import { grantFileRow } from '../../schemas/nocodb/billing-grant-files.ts';
import { localDay } from '../../extensions/billing/days.ts';
import { freshDatabase, testLog, type TestDatabase } from '../support/stack.ts';
import type { NocoRows } from '../../nocodb/client.ts';

const today = localDay(new Date(), 'UTC');
const idOf = (email: string) => `9f11e000-0000-4000-8000-${Buffer.from(email).toString('hex').slice(0, 12).padEnd(12, '0')}`;

describe('billing: a grant file runs in chunks and resumes after a crash', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  const written: Record<string, unknown>[] = [];
  const nocodb = { update: async (_t: string, rows: Record<string, unknown>[]) => { written.push(...rows); } } as unknown as NocoRows;
  let crashOnCall = 2;
  let calls = 0;
  const imports: string[][] = [];
  // identity's import as far as the run sees it: each valid e-mail imported, the others failed.
  const people: PeopleImport = {
    parseCsv,
    async importCsv(csv) {
      calls += 1;
      if (calls === crashOnCall) throw new Error('the process died here');
      const { records } = parseCsv(csv);
      imports.push(records.map((r) => r.values.email!));
      return {
        imported: records.filter((r) => r.values.email!.includes('@')).map((r) => ({ line: r.line, email: r.values.email!, identityId: idOf(r.values.email!) })),
        failed: records.filter((r) => !r.values.email!.includes('@')).map((r) => ({ line: r.line, email: r.values.email, problem: { ru: 'неверный адрес', en: 'bad address' } })),
        waiting: [],
      };
    },
  };
  const csv = 'email,name\na1@x.test,A1\na2@x.test,A2\nbad,B\na3@x.test,A3\na4@x.test,A4\n';
  const files = { download: async () => ({ bytes: Buffer.from(csv) }) };
  const row = grantFileRow.parse({ Id: 7, File: [{ id: 'f1', title: 'class.csv', mimetype: 'text/csv', size: csv.length, path: 'download/x/class.csv' }], Reason: 'Класс 7', Days: 14, 'Edited by': { email: 'teacher.staff@school.test' } });
  const round = () => grantFilesRound({ db: db.pool, nocodb, people, log: testLog, clock: () => new Date(), today: () => today, chunk: 2 });
  const subscriptions = async () => Number((await db.pool.query(`select count(*) from billing_subscription where source like 'grant-file:7:%'`)).rows[0].count);

  before(async () => {
    db = await freshDatabase('billing_grant_runs');
    await db.pool.query(`insert into billing_product (id, title, kind) values (1, 'БР', 'subscription')`);
    await db.pool.query(`insert into billing_plan (id, product_id, title, duration, jurisdiction, currency) values (10, 1, 'БР, месяц', 'month', 'ru', 'RUB')`);
  });

  it('writes progress per chunk, resumes where it stopped, and a repeat of the row starts nothing', async () => {
    expect(await inTransaction(db.pool, (tx) => takeGrantFile(tx, { files, people, today }, row, [10]))).to.equal('queued');
    await round();
    expect(written.at(-1)).to.deep.include({ Id: 7, Status: 'выполняется', Progress: '2/5' });
    expect(await subscriptions()).to.equal(2);
    // The next chunk dies before it commits: nothing of it is written, the cursor stays.
    let died = '';
    await round().catch((e: Error) => { died = e.message; });
    expect(died).to.equal('the process died here');
    expect((await db.pool.query('select done, status from billing_grant_file where row_id = 7')).rows[0]).to.deep.equal({ done: 2, status: 'running' });
    while (await round());
    await round(); // the last write-back
    expect(imports, 'each line imported once after the crash, from where it stopped').to.deep.equal([['a1@x.test', 'a2@x.test'], ['bad', 'a3@x.test'], ['a4@x.test']]);
    expect(written.at(-1)).to.deep.include({ Status: 'готово: выдано 4, уже было 0, не выдано 1', Progress: '5/5', Report: 'Строка 4 (bad): неверный адрес' });
    expect(await subscriptions()).to.equal(4);

    // The webhook again, the sweep, the service's own write-back of Status: the same run key.
    expect(await inTransaction(db.pool, (tx) => takeGrantFile(tx, { files, people, today }, { ...row, UpdatedAt: '2030-01-01 00:00:00+00:00' }, [10]))).to.equal('repeat');
    expect((await db.pool.query(`select status from billing_grant_file where row_id = 7`)).rows[0].status).to.equal('done');
    const events = (await db.pool.query(`select actor from billing_subscription_event e join billing_subscription s on s.id = e.subscription_id where s.source like 'grant-file:7:%'`)).rows;
    expect(events).to.have.length(4);
    expect(events[0].actor).to.equal('staff:nocodb:grant_files:7:teacher.staff@school.test');
  });
});
