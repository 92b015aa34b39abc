import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { createNocoApi, type NocoApi } from '../../nocodb/client.ts';
import { provisionBase } from '../../nocodb/provision.ts';
import { attachServiceTables, SERVICE_SOURCE_ALIAS } from '../../nocodb/service-source.ts';
import { STAFF_TEXTS } from '../../schemas/service/staff-texts.ts';
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
    expect((await attachServiceTables({ api, log: testLog }, { baseId: ids.baseId, databaseUrl: db.url, tables: granted })).source).to.equal('attached');
    await waitForTable(api, ids.baseId, 'inbox_job', 'status');
    expect((await attachServiceTables({ api, log: testLog }, { baseId: ids.baseId, databaseUrl: readerUrl, tables: granted })).source).to.equal('attached');
    const inbox = await waitForTable(api, ids.baseId, 'inbox_event');
    await waitForTable(api, ids.baseId, 'ai_review_queue', 'review_id');
    const source = ((await api.source.list(ids.baseId)) as { list: { id: string; alias: string | null }[] }).list.find((s) => s.alias === SERVICE_SOURCE_ALIAS)!;
    const listed = async () => ((await api.dbTable.list(ids.baseId)).list ?? []).filter((t) => t.source_id === source.id).map((t) => t.table_name as string).sort();
    // NocoDB loads an external source's tables one after another.
    for (let i = 0; i < 100 && (await listed()).length < granted.length; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await listed(), 'NocoDB shows the staff views and no plumbing (inbox_job, cursors, Keto tuples)').to.deep.equal(granted);

    // Staff read the source in Russian: what they use most first, the technical tables last.
    const shown = ((await api.dbTable.list(ids.baseId)).list ?? []).filter((t) => t.source_id === source.id)
      .sort((a, b) => (a.order ?? 0) - (b.order ?? 0)) as unknown as { id: string; table_name: string; description: string | null }[];
    const intended = STAFF_TEXTS.filter((t) => granted.includes(t.view));
    expect(intended.map((t) => t.view), 'every staff view has its Russian texts').to.have.members(granted);
    expect(shown.map((t) => t.table_name), 'the order of STAFF_TEXTS').to.deep.equal(intended.map((t) => t.view));
    expect(shown.slice(0, 3).map((t) => t.table_name)).to.deep.equal(['points_totals', 'ai_review_queue', 'billing_subscriptions']);
    expect(shown.slice(-3).map((t) => t.table_name)).to.deep.equal(['inbox_event', 'inbox_invalid', 'ai_dead_letter']);
    expect(shown.map((t) => t.description), 'each table says in Russian what a row is').to.deep.equal(intended.map((t) => t.description));
    const grids = await Promise.all(shown.map(async (t) => ((await api.dbTable.read(t.id)) as unknown as { views: { title: string }[] }).views[0]!.title));
    expect(grids, 'each grid carries the Russian title').to.deep.equal(intended.map((t) => t.title));
    const totalsColumns = (await api.dbTable.read(shown[0]!.id)).columns ?? [];
    expect(totalsColumns.find((c) => c.column_name === 'points')?.title, 'a column of the points totals in Russian').to.equal('Баллы');
    expect(totalsColumns.find((c) => c.column_name === 'points_this_week')?.description).to.equal('С понедельника, по часовому поясу школы.');
    const english = await Promise.all(shown.map(async (t) => ((await api.dbTable.read(t.id)).columns ?? []).filter((c) => c.title === c.column_name).map((c) => `${t.table_name}.${c.title}`)));
    expect(english.flat(), 'no column left with its English name as title').to.deep.equal([]);
    expect(await rowsOf(api, inbox.id, 'inbox_event', ['delivery_id', 'topic'])).to.deep.equal([{ delivery_id: 'shown-1', topic: 'discourse.post_created' }]);

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
    expect(await rowsOf(api, invalid.id, 'inbox_invalid', ['topic', 'consumer', 'issues'])).to.deep.equal([{ topic: 'discourse.post_created', consumer: 'points', issues: 'post.id: expected a number' }]);

    // The points outputs are views over the ledger: a booked line shows in them at once.
    const person = '6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
    await db.pool.query(`insert into points_person (person_id, time_zone, display_name) values ($1, 'Europe/Moscow', 'Анна')`, [person]);
    await db.pool.query(`insert into points_ledger (event_id, person_id, role, kind, day, rule_id, rule_version, points, actions, characters, seconds)
      values (1, $1, 'own', 'club_post', current_date, 1, 1, 7, 1, 420, 0), (2, $1, 'own', 'reading_heartbeat', current_date, 2, 1, 3, 1, 0, 600)`, [person]);
    const days = await waitForTable(api, ids.baseId, 'points_days', 'ambassador_points');
    expect(await rowsOf(api, days.id, 'points_days', ['display_name', 'kind', 'actions', 'characters', 'seconds', 'points'], 'kind')).to.deep.equal([
      { display_name: 'Анна', kind: 'club_post', actions: 1, characters: 420, seconds: 0, points: 7 },
      { display_name: 'Анна', kind: 'reading_heartbeat', actions: 1, characters: 0, seconds: 600, points: 3 },
    ]);
    const totals = await waitForTable(api, ids.baseId, 'points_totals', 'last_day');
    expect(await rowsOf(api, totals.id, 'points_totals', ['rank', 'display_name', 'points', 'characters', 'points_this_week'])).to.deep.equal([{ rank: 1, display_name: 'Анна', points: 10, characters: 420, points_this_week: 10 }]);
    const statement = await waitForTable(api, ids.baseId, 'points_statement', 'event_key');
    expect(await rowsOf(api, statement.id, 'points_statement', ['kind', 'points', 'balance'], 'line_id')).to.deep.equal([{ kind: 'club_post', points: 7, balance: 7 }, { kind: 'reading_heartbeat', points: 3, balance: 10 }]);
    await waitForTable(api, ids.baseId, 'points_streaks', 'active_days');

    // A view that shows an identity shows the person's name and e-mail beside it.
    await db.pool.query(`insert into points_person_alias (source, external_id, person_id) values ('email', 'anna@school.test', $1)`, [person]);
    await db.pool.query(`insert into telegram_access_invite (chat_id, person_id, invite_link, name, expires_at) values (-100, $1, 'https://t.me/+x', 'for Анна', now() + interval '1 day')`, [person]);
    const invites = await waitForTable(api, ids.baseId, 'telegram_access_invites', 'person_email');
    expect(await rowsOf(api, invites.id, 'telegram_access_invites', ['person_id', 'person_name', 'person_email'])).to.deep.equal([
      { person_id: person, person_name: 'Анна', person_email: 'anna@school.test' },
    ]);

    const again = await attachServiceTables({ api, log: testLog }, { baseId: ids.baseId, databaseUrl: readerUrl, tables: granted });
    expect(again, 'a second start finds every text in place and changes nothing').to.deep.equal({ source: 'up to date', labels: { tables: 0, columns: 0, untexted: [], unshown: [] } });
    const sources = ((await api.source.list(ids.baseId)) as { list: { alias: string | null; is_data_readonly: boolean; is_schema_readonly: boolean }[] }).list;
    expect(sources.filter((s) => s.alias === SERVICE_SOURCE_ALIAS).map((s) => [s.is_data_readonly, s.is_schema_readonly]), 'read-only again after the column titles').to.deep.equal([[true, true]]);

  });
});

/** Rows of a service table by the columns' PostgreSQL names (NocoDB answers by their Russian titles). */
async function rowsOf(api: NocoApi, tableId: string, view: string, columns: string[], sort?: string): Promise<Record<string, unknown>[]> {
  const titles = STAFF_TEXTS.find((t) => t.view === view)!.columns;
  const title = (c: string) => titles[c] ?? c;
  const query = { fields: columns.map(title).join(','), ...(sort ? { sort: title(sort) } : {}) };
  const { list } = await api.dbDataTableRow.list(tableId, query as never);
  return (list as Record<string, unknown>[]).map((row) => Object.fromEntries(columns.map((c) => [c, row[title(c)]])));
}

async function waitForTable(api: NocoApi, baseId: string, name: string, lastColumn = 'received_at'): Promise<{ id: string }> {
  for (let i = 0; i < 100; i++) {
    // NocoDB loads an external table's columns after the table itself: wait for the last one.
    const table = ((await api.dbTable.list(baseId)).list ?? []).find((t) => t.table_name === name);
    const columns = table ? ((await api.dbTable.read(table.id as string)).columns ?? []).map((c) => c.column_name) : [];
    if (table && columns.includes(lastColumn)) return { id: table.id as string };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`NocoDB never showed ${name}`);
}
