import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createNocoApi, nocoRows } from '../../nocodb/client.ts';
import { provisionBase } from '../../nocodb/provision.ts';
import { adoptTypedOwners } from '../../extensions/identity/workbook-link.ts';
import { col, defineTable, schoolTables } from '../../schemas/nocodb/index.ts';
import { workbooks } from '../../schemas/nocodb/workbooks.ts';
import { testLog, useNocodb } from '../support/stack.ts';

describe('identity: a base made before issue 15 keeps its workbooks\' owners', function () {
  this.timeout(180_000);

  it('picks the student of a workbook whose owner was typed as an id, once, and leaves the typed column for staff to remove', async () => {
    const nocodb = await useNocodb();
    const api = createNocoApi(nocodb.url, nocodb.token);
    const base = 'School (typed owners test)';
    // As the base was: Workbooks with a StudentIdentity column typed by hand.
    const before = defineTable({ ...workbooks, columns: { ...workbooks.columns, StudentIdentity: col.text() }, ru: undefined });
    const old = await provisionBase({ api, log: testLog }, { baseTitle: base, tables: schoolTables.map((t) => (t.key === 'workbooks' ? before : t)) });
    const oldRows = nocoRows(api, old.ids);
    const ann = randomUUID();
    const [person] = await oldRows.insert('people', [{ Name: 'Анна', IdentityId: ann }]);
    const [typed] = await oldRows.insert('workbooks', [{ Title: 'Тетрадь Анны', StudentIdentity: ann }]);
    const [stranger] = await oldRows.insert('workbooks', [{ Title: 'Чья-то тетрадь', StudentIdentity: randomUUID() }]);

    const now = await provisionBase({ api, log: testLog }, { baseTitle: base, tables: schoolTables });
    expect(now.report.unknownColumns, 'reported, not dropped').to.include('workbooks.StudentIdentity (SingleLineText)');
    const rows = nocoRows(api, now.ids);
    expect(await adoptTypedOwners({ nocodb: rows, log: testLog })).to.equal(1);
    expect((await rows.get('workbooks', typed!.Id)).people_id, 'Anna is picked as its student').to.equal(person!.Id);
    expect((await rows.get('workbooks', stranger!.Id)).people_id ?? null, 'nobody has that id: nothing picked').to.equal(null);
    expect(await adoptTypedOwners({ nocodb: rows, log: testLog }), 'a second start has nothing to do').to.equal(0);
  });

  it('does nothing on a base that never had the typed column', async () => {
    const nocodb = await useNocodb();
    const api = createNocoApi(nocodb.url, nocodb.token);
    const { ids } = await provisionBase({ api, log: testLog }, { baseTitle: 'School (no typed owners)', tables: schoolTables });
    expect(await adoptTypedOwners({ nocodb: nocoRows(api, ids), log: testLog })).to.equal(0);
  });
});
