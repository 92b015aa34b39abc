import { expect } from 'chai';
import { createNocoApi, type NocoApi } from '../../nocodb/client.ts';
import { provisionBase } from '../../nocodb/provision.ts';
import { attachServiceTables, SERVICE_SOURCE_ALIAS } from '../../nocodb/service-source.ts';
import { acceptEvents } from '../../service/inbox/accept.ts';
import { freshDatabase, testLog, useNocodb } from '../support/stack.ts';

describe('service tables shown in NocoDB', function () {
  this.timeout(120_000);

  it('attaches the inbox as a read-only source: staff see its rows, and NocoDB refuses edits', async () => {
    const nocodb = await useNocodb();
    const api: NocoApi = createNocoApi(nocodb.url, nocodb.token);
    const db = await freshDatabase('service_source');
    await acceptEvents(db.pool, () => [], [{ source: 'discourse', deliveryId: 'shown-1', topic: 'discourse.post_created', payload: { post: { id: 1 } } }]);
    const { ids } = await provisionBase({ api, log: testLog }, { baseTitle: 'School (source test)', tables: [] });

    expect(await attachServiceTables({ api, log: testLog }, { baseId: ids.baseId, databaseUrl: db.url, tables: ['inbox_event'] })).to.equal('attached');
    const inbox = await waitForTable(api, ids.baseId, 'inbox_event');
    const rows = await api.dbDataTableRow.list(inbox.id, { fields: 'delivery_id,topic' } as never);
    expect(rows.list).to.deep.equal([{ delivery_id: 'shown-1', topic: 'discourse.post_created' }]);

    let refused: number | undefined;
    try {
      await api.dbDataTableRow.create(inbox.id, { source: 'staff', delivery_id: 'typed-in', topic: 'x', payload: {} });
    } catch (e) {
      refused = (e as { response?: { status?: number } }).response?.status;
    }
    expect(refused, 'NocoDB refuses to write into a read-only source').to.be.within(400, 499);
    expect((await db.pool.query(`select count(*)::int as n from inbox_event where delivery_id = 'typed-in'`)).rows[0].n).to.equal(0);

    const again = await attachServiceTables({ api, log: testLog }, { baseId: ids.baseId, databaseUrl: db.url, tables: ['inbox_event'] });
    expect(again).to.equal('up to date');
    const sources = ((await api.source.list(ids.baseId)) as { list: { alias: string | null; is_data_readonly: boolean }[] }).list;
    expect(sources.filter((s) => s.alias === SERVICE_SOURCE_ALIAS).map((s) => s.is_data_readonly)).to.deep.equal([true]);
  });
});

async function waitForTable(api: NocoApi, baseId: string, name: string): Promise<{ id: string }> {
  for (let i = 0; i < 100; i++) {
    // NocoDB loads an external table's columns after the table itself: wait for the last one.
    const table = ((await api.dbTable.list(baseId)).list ?? []).find((t) => t.table_name === name);
    const columns = table ? ((await api.dbTable.read(table.id as string)).columns ?? []).map((c) => c.title) : [];
    if (table && columns.includes('received_at')) return { id: table.id as string };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`NocoDB never showed ${name}`);
}
