import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { createNocoApi, type NocoApi } from '../../nocodb/client.ts';
import { provisionBase } from '../../nocodb/provision.ts';
import { attachServiceTables, SERVICE_SOURCE_ALIAS } from '../../nocodb/service-source.ts';
import { acceptEvents } from '../../service/inbox/accept.ts';
import { grantStaffViews } from '../../service/db/staff-views.ts';
import { urlAs } from '../../service/stack/roles.ts';
import { freshDatabase, testLog, useNocodb } from '../support/stack.ts';

describe('service tables shown in NocoDB', function () {
  this.timeout(120_000);

  it('attaches the inbox and the points views as a read-only source: staff see their rows, and NocoDB refuses edits', async () => {
    const nocodb = await useNocodb();
    const api: NocoApi = createNocoApi(nocodb.url, nocodb.token);
    const db = await freshDatabase('service_source');
    await acceptEvents(db.pool, () => [], [{ source: 'discourse', deliveryId: 'shown-1', topic: 'discourse.post_created', payload: { post: { id: 1 } } }]);
    const { ids } = await provisionBase({ api, log: testLog }, { baseTitle: 'School (source test)', tables: [] });
    // NocoDB signs in as a reader that may SELECT the staff views alone (service/db/staff-views.ts).
    const reader = { name: `reader_${randomBytes(3).toString('hex')}`, password: randomBytes(12).toString('hex') };
    await db.pool.query(`create role ${reader.name} login password '${reader.password}'`);
    const granted = await grantStaffViews(db.pool, reader.name);
    const readerUrl = urlAs(db.url, new URL(db.url).pathname.slice(1), reader);

    // An older start attached every table as the superuser: the next start attaches again as the reader.
    expect(await attachServiceTables({ api, log: testLog }, { baseId: ids.baseId, databaseUrl: db.url, tables: granted })).to.equal('attached');
    await waitForTable(api, ids.baseId, 'inbox_job', 'status');
    expect(await attachServiceTables({ api, log: testLog }, { baseId: ids.baseId, databaseUrl: readerUrl, tables: granted })).to.equal('attached');
    const inbox = await waitForTable(api, ids.baseId, 'inbox_event');
    await waitForTable(api, ids.baseId, 'ai_review_queue', 'review_id');
    const source = ((await api.source.list(ids.baseId)) as { list: { id: string; alias: string | null }[] }).list.find((s) => s.alias === SERVICE_SOURCE_ALIAS)!;
    const listed = async () => ((await api.dbTable.list(ids.baseId)).list ?? []).filter((t) => t.source_id === source.id).map((t) => t.table_name as string).sort();
    // NocoDB loads an external source's tables one after another.
    for (let i = 0; i < 100 && (await listed()).length < granted.length; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await listed(), 'NocoDB shows the staff views and no plumbing (inbox_job, cursors, Keto tuples)').to.deep.equal(granted);
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

    // Invalid jobs are one grid, with the field and what is wrong with it.
    await db.pool.query(`insert into inbox_job (event_id, consumer, status, issues) select id, 'points', 'invalid', '[{"path":"post.id","message":"expected a number"}]' from inbox_event where delivery_id = 'shown-1'`);
    const invalid = await waitForTable(api, ids.baseId, 'inbox_invalid', 'issues');
    const invalidRows = await api.dbDataTableRow.list(invalid.id, { fields: 'topic,consumer,issues' } as never);
    expect(invalidRows.list).to.deep.equal([{ topic: 'discourse.post_created', consumer: 'points', issues: 'post.id: expected a number' }]);

    // The points outputs are views over the ledger: a booked line shows in them at once.
    const person = '6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
    await db.pool.query(`insert into points_person (person_id, time_zone, display_name) values ($1, 'Europe/Moscow', 'Анна')`, [person]);
    await db.pool.query(`insert into points_ledger (event_id, person_id, role, kind, day, rule_id, rule_version, points, actions, characters, seconds)
      values (1, $1, 'own', 'club_post', current_date, 1, 1, 7, 1, 420, 0), (2, $1, 'own', 'reading_heartbeat', current_date, 2, 1, 3, 1, 0, 600)`, [person]);
    const days = await waitForTable(api, ids.baseId, 'points_days', 'ambassador_points');
    const dayRows = await api.dbDataTableRow.list(days.id, { fields: 'display_name,kind,actions,characters,seconds,points', sort: 'kind' } as never);
    expect(dayRows.list).to.deep.equal([
      { display_name: 'Анна', kind: 'club_post', actions: 1, characters: 420, seconds: 0, points: 7 },
      { display_name: 'Анна', kind: 'reading_heartbeat', actions: 1, characters: 0, seconds: 600, points: 3 },
    ]);
    const totals = await waitForTable(api, ids.baseId, 'points_totals', 'last_day');
    const totalRows = await api.dbDataTableRow.list(totals.id, { fields: 'rank,display_name,points,characters,points_this_week' } as never);
    expect(totalRows.list).to.deep.equal([{ rank: 1, display_name: 'Анна', points: 10, characters: 420, points_this_week: 10 }]);
    const statement = await waitForTable(api, ids.baseId, 'points_statement', 'event_key');
    const lines = await api.dbDataTableRow.list(statement.id, { fields: 'kind,points,balance', sort: 'line_id' } as never);
    expect(lines.list).to.deep.equal([{ kind: 'club_post', points: 7, balance: 7 }, { kind: 'reading_heartbeat', points: 3, balance: 10 }]);
    await waitForTable(api, ids.baseId, 'points_streaks', 'active_days');

    const again = await attachServiceTables({ api, log: testLog }, { baseId: ids.baseId, databaseUrl: readerUrl, tables: granted });
    expect(again).to.equal('up to date');
    const sources = ((await api.source.list(ids.baseId)) as { list: { alias: string | null; is_data_readonly: boolean }[] }).list;
    expect(sources.filter((s) => s.alias === SERVICE_SOURCE_ALIAS).map((s) => s.is_data_readonly)).to.deep.equal([true]);

  });
});

async function waitForTable(api: NocoApi, baseId: string, name: string, lastColumn = 'received_at'): Promise<{ id: string }> {
  for (let i = 0; i < 100; i++) {
    // NocoDB loads an external table's columns after the table itself: wait for the last one.
    const table = ((await api.dbTable.list(baseId)).list ?? []).find((t) => t.table_name === name);
    const columns = table ? ((await api.dbTable.read(table.id as string)).columns ?? []).map((c) => c.title) : [];
    if (table && columns.includes(lastColumn)) return { id: table.id as string };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`NocoDB never showed ${name}`);
}
