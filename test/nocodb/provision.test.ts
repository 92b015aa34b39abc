import { expect } from 'chai';
import { createNocoApi, nocoRows, type NocoApi } from '../../nocodb/client.ts';
import { provisionBase } from '../../nocodb/provision.ts';
import { col, defineTable, schoolTables } from '../../schemas/nocodb/index.ts';
import { testLog, useNocodb } from '../support/stack.ts';

describe('NocoDB provisioning from schemas/', function () {
  this.timeout(180_000);
  let api: NocoApi;

  before(async () => {
    const nocodb = await useNocodb();
    api = createNocoApi(nocodb.url, nocodb.token);
  });

  it('creates the School base with every table and real links, and a second run changes nothing', async () => {
    const first = await provisionBase({ api, log: testLog }, { baseTitle: 'School (provision test)', tables: schoolTables });
    expect(first.report.createdTables).to.have.members(schoolTables.map((t) => t.key));
    const listed = (await api.dbTable.list(first.ids.baseId)).list ?? [];
    expect(listed.map((t) => t.title)).to.include.members(['Guides', 'Workbooks', 'Answers', 'Contacts', 'Products', 'Plans', 'Prices', 'Price schedules', 'Grants', 'Groups', 'Mentors']);

    const groups = await api.dbTable.read(first.ids.tables.get('groups')!);
    const members = (groups.columns ?? []).find((c) => c.title === 'Members');
    expect(members?.uidt, 'groups.Members is a NocoDB link').to.equal('Links');

    const second = await provisionBase({ api, log: testLog }, { baseTitle: 'School (provision test)', tables: schoolTables });
    expect(second.report).to.deep.include({ createdTables: [], addedColumns: [], createdLinks: [], unknownColumns: [], typeMismatches: [], shownAs: [] });
    expect(second.ids.baseId).to.equal(first.ids.baseId);
  });

  it('shows a rule\'s per-character rate with its three decimals and titles its rows by kind, also in a base made before (issue 15)', async () => {
    const base = 'School (shown as test)';
    const { ids } = await provisionBase({ api, log: testLog }, { baseTitle: base, tables: schoolTables });
    const rules = ids.tables.get('points_rules')!;
    const columns = async () => (await api.dbTable.read(rules)).columns ?? [];
    const meta = (c: { meta?: unknown }) => (typeof c.meta === 'string' ? JSON.parse(c.meta) : c.meta ?? {}) as { precision?: number };
    const shown = async () => {
      const cols = await columns();
      return { perCharacter: meta(cols.find((c) => c.title === 'PerCharacter')!).precision, title: cols.find((c) => c.pv)?.title };
    };
    expect(await shown()).to.deep.equal({ perCharacter: 3, title: 'Kind' });
    const [row] = await nocoRows(api, ids).insert('points_rules', [{ Kind: 'exercise_answer', Points: 2, PerCharacter: 0.005, EffectiveFrom: '2025-01-01' }]);
    expect((await nocoRows(api, ids).get('points_rules', row!.Id)).PerCharacter, 'the value itself is kept whole').to.equal(0.005);

    // As an earlier provisioning left it: one decimal, rows titled by their points.
    const cols = await columns();
    const per = cols.find((c) => c.title === 'PerCharacter')!;
    await api.dbTableColumn.update(per.id!, { title: 'PerCharacter', column_name: 'PerCharacter', uidt: 'Decimal', meta: { precision: 1 } } as never);
    await api.dbTableColumn.primaryColumnSet(cols.find((c) => c.title === 'Points')!.id!);
    expect(await shown()).to.deep.equal({ perCharacter: 1, title: 'Points' });
    const again = await provisionBase({ api, log: testLog }, { baseTitle: base, tables: schoolTables });
    expect(again.report.shownAs).to.have.members(['points_rules.PerCharacter: 3 decimals', 'points_rules: rows titled by Kind']);
    expect(await shown()).to.deep.equal({ perCharacter: 3, title: 'Kind' });
    expect((await nocoRows(api, ids).get('points_rules', row!.Id)).PerCharacter).to.equal(0.005);
    expect((await provisionBase({ api, log: testLog }, { baseTitle: base, tables: schoolTables })).report.shownAs, 'a third run changes nothing').to.deep.equal([]);
  });

  it('adds a new column without touching the data, and reports a removed one without dropping it', async () => {
    const v1 = defineTable({ key: 'notes', title: 'Notes', description: 'test', columns: { Title: col.text(), Body: col.longText() } });
    const { ids } = await provisionBase({ api, log: testLog }, { baseTitle: 'School (evolution test)', tables: [v1] });
    const rows = nocoRows(api, ids);
    const [row] = await rows.insert('notes', [{ Title: 'kept', Body: 'text that must survive' }]);

    const v2 = defineTable({ key: 'notes', title: 'Notes', description: 'test', columns: { Title: col.text(), Mood: col.select(['calm', 'busy'] as const) } });
    const { report } = await provisionBase({ api, log: testLog }, { baseTitle: 'School (evolution test)', tables: [v2] });
    expect(report.addedColumns).to.deep.equal(['notes.Mood']);
    expect(report.unknownColumns).to.deep.equal(['notes.Body (LongText)']);

    const after = await rows.get('notes', row!.Id);
    expect(after).to.include({ Title: 'kept', Body: 'text that must survive' });
    expect(after).to.have.property('Mood');
  });
});
