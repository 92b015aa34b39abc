import net from 'node:net';
import { expect } from 'chai';
import { createNocoApi, nocoRows, type NocoApi, type NocoRows } from '../../nocodb/client.ts';
import { provisionBase } from '../../nocodb/provision.ts';
import { startSweeper, sweepDeletions, sweepTable } from '../../hooks/nocodb-sweep.ts';
import { NOCODB_SECRET_HEADER } from '../../hooks/nocodb.ts';
import { schoolTables, type DefinedTable } from '../../schemas/nocodb/index.ts';
import type { TableIds } from '../../nocodb/client.ts';
import { freshDatabase, testLog, useNocodb, useRedis, type TestDatabase } from '../support/stack.ts';
import { startTestPlatform, testSecrets, waitFor, type RunningPlatform } from '../support/platform.ts';
import { postDiscourse } from '../support/discourse.ts';

describe('NocoDB changes reach the inbox', function () {
  this.timeout(180_000);
  let api: NocoApi;
  let db: TestDatabase;
  let platform: RunningPlatform;
  let ids: TableIds;
  let rows: NocoRows;
  const answers = schoolTables.find((t) => t.key === 'answers') as DefinedTable;

  before(async () => {
    const nocodb = await useNocodb();
    api = createNocoApi(nocodb.url, nocodb.token);
    db = await freshDatabase('nocodb_hooks');
    const redis = await useRedis();
    let tableIds = new Map<string, string>();
    platform = await startTestPlatform({
      db: db.pool, redisUrl: redis.url,
      tableById: (id) => schoolTables.find((t) => tableIds.get(t.key) === id),
    });
    ({ ids } = await provisionBase({ api, log: testLog }, {
      baseTitle: 'School (webhook test)', tables: schoolTables,
      hookTarget: { url: `${platform.url}/hooks/nocodb`, secretHeader: NOCODB_SECRET_HEADER, secret: testSecrets.nocodb },
    }));
    tableIds = ids.tables;
    rows = nocoRows(api, ids);
  });
  after(async () => platform?.close());

  const inboxFor = async (rowId: number) => (await db.pool.query<{ topic: string; payload: { row: Record<string, unknown>; previous?: Record<string, unknown>; via: string } }>(
    `select topic, payload from inbox_event where source = 'nocodb' and payload->>'table' = 'answers' and payload->'row'->>'Id' = $1 order by id`, [String(rowId)])).rows;

  it('delivers a row inserted and then updated in NocoDB to the inbox within two seconds each, through NocoDB\'s own webhook', async () => {
    const started = Date.now();
    const [row] = await rows.insert('answers', [{ Answer: 'Система — это...', Status: 'draft', StudentIdentity: 'student-1' }]);
    await waitFor('the insert event', async () => (await inboxFor(row!.Id)).length === 1, 2_000);
    const insertedAfter = Date.now() - started;

    await new Promise((r) => setTimeout(r, 1100)); // NocoDB's UpdatedAt has one-second resolution
    const updateStarted = Date.now();
    await rows.update('answers', [{ Id: row!.Id, Status: 'submitted' }]);
    const events = await waitFor('the update event', async () => {
      const e = await inboxFor(row!.Id);
      return e.length === 2 && e;
    }, 2_000);
    testLog.info({ insertedAfter, updatedAfter: Date.now() - updateStarted }, 'webhook latency');
    expect(events.map((e) => e.topic)).to.deep.equal(['nocodb.answers.insert', 'nocodb.answers.update']);
    expect(events[1]!.payload.row).to.include({ Status: 'submitted', Answer: 'Система — это...' });
    expect(events[1]!.payload.previous).to.include({ Status: 'draft' });
    expect(events[1]!.payload.via).to.equal('webhook');
  });

  it('refuses a NocoDB delivery without the shared secret', async () => {
    const res = await fetch(`${platform.url}/hooks/nocodb`, {
      method: 'POST', headers: { 'content-type': 'application/json', [NOCODB_SECRET_HEADER]: 'wrong' }, body: '{}',
    });
    expect(res.status).to.equal(401);
  });

  it('sweeps a change whose webhook never came, and a change already delivered is not taken twice', async () => {
    await sweepTable({ api, ids, db: db.pool, inbox: platform.inbox, log: testLog }, answers);
    const hooks = (await api.dbTableWebhook.list(ids.tables.get('answers')!)).list ?? [];
    for (const h of hooks) await api.dbTableWebhook.update(h.id as string, { ...h, active: false } as never);
    try {
      const [row] = await rows.insert('answers', [{ Answer: 'missed by the webhook', Status: 'submitted', StudentIdentity: 'student-2' }]);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await inboxFor(row!.Id), 'no webhook while hooks are off').to.have.length(0);
      const accepted = await sweepTable({ api, ids, db: db.pool, inbox: platform.inbox, log: testLog }, answers);
      expect(accepted).to.equal(1);
      const events = await inboxFor(row!.Id);
      expect(events.map((e) => [e.topic, e.payload.via])).to.deep.equal([['nocodb.answers.insert', 'sweep']]);
      expect(await sweepTable({ api, ids, db: db.pool, inbox: platform.inbox, log: testLog }, answers), 'a second sweep takes nothing').to.equal(0);
    } finally {
      for (const h of hooks) await api.dbTableWebhook.update(h.id as string, { ...h, active: true } as never);
    }
  });

  it('brings a deletion whose webhook was lost to the inbox through the deletion sweep, with the row as last seen, once', async () => {
    const [row] = await rows.insert('answers', [{ Answer: 'Удалю потом', Status: 'submitted', StudentIdentity: 'student-9' }]);
    const [kept] = await rows.insert('answers', [{ Answer: 'Останется', Status: 'draft', StudentIdentity: 'student-9' }]);
    await waitFor('the insert events', async () => (await inboxFor(row!.Id)).length === 1 && (await inboxFor(kept!.Id)).length === 1, 5_000);
    await api.dbDataTableRow.delete(ids.tables.get('answers')!, [{ Id: row!.Id }] as never);
    await waitFor('the delete webhook', async () => (await inboxFor(row!.Id)).some((e) => e.topic === 'nocodb.answers.delete'), 5_000);
    // Lose it, as NocoDB's at-most-once webhooks may.
    await db.pool.query(`delete from inbox_job where event_id in (select id from inbox_event where topic = 'nocodb.answers.delete' and payload->'row'->>'Id' = $1)`, [String(row!.Id)]);
    await db.pool.query(`delete from inbox_event where topic = 'nocodb.answers.delete' and payload->'row'->>'Id' = $1`, [String(row!.Id)]);

    const deps = { api, ids, db: db.pool, inbox: platform.inbox, log: testLog };
    expect(await sweepDeletions(deps, answers)).to.equal(1);
    const events = await inboxFor(row!.Id);
    const swept = events.find((e) => e.topic === 'nocodb.answers.delete')!;
    expect(swept.payload.via).to.equal('sweep');
    expect(swept.payload.row, 'the row as last seen: whose answer it was').to.include({ StudentIdentity: 'student-9', Answer: 'Удалю потом' });
    expect(await sweepDeletions(deps, answers), 'once').to.equal(0);
    expect((await inboxFor(kept!.Id)).map((e) => e.topic), 'a row still there is left alone').to.deep.equal(['nocodb.answers.insert']);
  });

  it('NocoDB down: other senders\' webhooks are still accepted, the service stays up, and the sweep catches up when NocoDB returns', async () => {
    // NocoDB as the service reaches it, through a gate the test can close (its process and
    // data stay, as with a NocoDB restart or a network cut).
    const nocodb = await useNocodb();
    const target = new URL(nocodb.url);
    const open = new Set<net.Socket>();
    const gate = () => net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) { open.add(s); s.on('close', () => open.delete(s)); s.on('error', () => {}); }
      client.pipe(upstream).pipe(client);
    });
    let server = gate();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const throughGate = createNocoApi(`http://127.0.0.1:${port}`, nocodb.token);
    const sweeper = await startSweeper({ api: throughGate, ids, db: db.pool, inbox: platform.inbox, log: testLog, tables: [answers], intervalSeconds: 0.3 });
    const hooks = (await api.dbTableWebhook.list(ids.tables.get('answers')!)).list ?? [];
    try {
      await new Promise<void>((r) => server.close(() => r()));
      for (const s of open) s.destroy();
      expect((await throughGate.dbTable.list(ids.baseId).catch((e: Error) => e)) instanceof Error, 'NocoDB is unreachable').to.equal(true);
      // Webhooks are lost meanwhile too: only the sweep can bring what changes now.
      for (const h of hooks) await api.dbTableWebhook.update(h.id as string, { ...h, active: false } as never);
      const [row] = await rows.insert('answers', [{ Answer: 'written while the service could not reach NocoDB', Status: 'submitted', StudentIdentity: 'student-7' }]);
      const club = await postDiscourse(platform.url, testSecrets.discourse, 'while-nocodb-down', 'post_created', { post: { id: 71, topic_id: 7, user_id: 3, username: 'ann', raw: 'Hello club' } });
      expect(club.status, 'the club\'s webhook is accepted').to.equal(202);
      await new Promise((r) => setTimeout(r, 1500)); // several sweep rounds fail
      expect(await inboxFor(row!.Id)).to.have.length(0);
      expect((await fetch(`${platform.url}/health`)).status, 'the service answers').to.be.below(600);

      server = gate();
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
      const events = await waitFor('the sweep to catch up', async () => { const e = await inboxFor(row!.Id); return e.length > 0 && e; }, 20_000);
      expect(events.map((e) => [e.topic, e.payload.via])).to.deep.equal([['nocodb.answers.insert', 'sweep']]);
    } finally {
      await sweeper.stop();
      for (const h of hooks) await api.dbTableWebhook.update(h.id as string, { ...h, active: true } as never);
      server.close();
      for (const s of open) s.destroy();
    }
  });
});
