/**
 * Who may do what, through the service's HTTP API: people registered through the Ory
 * stand-in's API flow, the school's state set up in the real NocoDB as staff would, the
 * permissions derived from it by the identity capability (webhooks and reconciliation),
 * and every guarded route called with each person's session token.
 */
import { expect } from 'chai';
import { sweepTable } from '../../hooks/nocodb-sweep.ts';
import { waitFor } from '../support/platform.ts';
import { testLog } from '../support/stack.ts';
import { dayFromToday, identityHarness, tables, type IdentityHarness, type Person } from './harness.ts';
import { ownWorkbook } from '../support/workbooks.ts';

describe('identity: permissions through the service API', function () {
  this.timeout(300_000);
  let h: IdentityHarness;
  const who: Record<string, Person> = {};
  const row: Record<string, number> = {};

  const insert = async (table: string, values: Record<string, unknown>) => (await h.rows.insert(table, [values]))[0]!.Id;

  before(async () => {
    h = await identityHarness('permissions');
    for (const name of ['studentA', 'studentB', 'studentC', 'mentorX', 'mentorY', 'mentorLeaving', 'staff', 'outsider']) {
      who[name] = await h.signUp(name);
    }
    const person: Record<string, number> = {};
    for (const [name, p] of Object.entries(who)) person[name] = (await h.personOf(p.id)).Id;
    // Staff are made by an admin in Kratos (Ory's console or admin API), never in NocoDB.
    await h.standin.ory.identities.setRoles(who.staff!.id, ['staff']);

    row.groupX = await insert('groups', { Title: 'Group X', Mode: 'mentor_led' });
    row.groupY = await insert('groups', { Title: 'Group Y', Mode: 'mentor_led' });
    await h.rows.link('groups', 'Members', row.groupX, [person.studentA!, person.studentB!]);
    await h.rows.link('groups', 'Members', row.groupY, [person.studentC!]);
    for (const [name, group] of [['mentorX', row.groupX], ['mentorY', row.groupY], ['mentorLeaving', row.groupX]] as const) {
      row[name] = await insert('mentors', { Name: name, IdentityId: who[name]!.id, Active: true });
      await h.rows.link('mentors', 'Groups', row[name]!, [group]);
    }
    for (const [name, group] of [['studentA', row.groupX], ['studentB', row.groupX], ['studentC', row.groupY]] as const) {
      row[`wb_${name}`] = await insert('workbooks', { Title: `Workbook of ${name}`, Status: 'active' });
      await ownWorkbook(h.rows, row[`wb_${name}`]!, who[name]!.id, name);
      await h.rows.link('groups', 'Workbooks', group, [row[`wb_${name}`]!]);
    }
    // Who holds a product is billing's record (test/billing covers how it gets there): A holds
    // product A until a month from now, B's subscription to product B ended yesterday.
    row.subA = await insert('products', { Title: 'БР', Kind: 'subscription' });
    row.subB = await insert('products', { Title: 'БР+', Kind: 'subscription' });
    for (const [product, person, startsOn, endsOn] of [[row.subA, who.studentA!.id, -10, 30], [row.subB, who.studentB!.id, -40, -1]] as const) {
      await h.db.pool.query(`insert into billing_product (id, title, kind) values ($1, 'product', 'subscription')`, [product]);
      await h.db.pool.query(`insert into billing_plan (id, product_id, title, duration, jurisdiction, currency) values ($1, $1, 'month', 'month', 'ru', 'RUB')`, [product]);
      await h.db.pool.query(`insert into billing_subscription (person_id, plan_id, product_id, kind, status, starts_on, ends_on, source) values ($1, $2, $2, 'free', 'active', $3, $4, $5)`,
        [person, product, dayFromToday(startsOn), dayFromToday(endsOn), `test:${product}`]);
    }
    // Links fire no webhook (nocodb#9763): the periodic reconciliation picks them up.
    const report = await h.identity.reconcile({ dryRun: false });
    expect(report.missing.length, 'the first reconciliation wrote the school\'s tuples').to.be.greaterThan(0);
  });
  after(async () => h?.close());
  afterEach(() => {
    expect(h.standin.contractFailures, h.standin.contractFailures.join('\n')).to.deep.equal([]);
  });

  const wb = (name: string) => `/workbooks/${row[`wb_${name}`]}`;
  const routes = () => ({
    'GET own workbook A': ['GET', wb('studentA')],
    'GET workbook B': ['GET', wb('studentB')],
    'GET workbook C': ['GET', wb('studentC')],
    'review workbook A': ['POST', `${wb('studentA')}/review`],
    'review workbook C': ['POST', `${wb('studentC')}/review`],
    'GET group X': ['GET', `/groups/${row.groupX}`],
    'GET group Y': ['GET', `/groups/${row.groupY}`],
    'GET subscription A (active)': ['GET', `/products/${row.subA}`],
    'GET subscription B (expired)': ['GET', `/products/${row.subB}`],
    'GET a contact': ['GET', `/contacts/1`],
    'dry-run reconcile': ['POST', '/reconcile?dry_run=true'],
  }) as Record<string, [string, string]>;

  // Expected status per route for each person; 403 is a denial by Keto.
  const matrix: Record<string, Record<string, number>> = {
    studentA: { 'GET own workbook A': 200, 'GET workbook B': 403, 'GET workbook C': 403, 'review workbook A': 403, 'review workbook C': 403, 'GET group X': 200, 'GET group Y': 403, 'GET subscription A (active)': 200, 'GET subscription B (expired)': 403, 'GET a contact': 403, 'dry-run reconcile': 403 },
    studentB: { 'GET own workbook A': 403, 'GET workbook B': 200, 'GET workbook C': 403, 'review workbook A': 403, 'review workbook C': 403, 'GET group X': 200, 'GET group Y': 403, 'GET subscription A (active)': 403, 'GET subscription B (expired)': 403, 'GET a contact': 403, 'dry-run reconcile': 403 },
    mentorX: { 'GET own workbook A': 200, 'GET workbook B': 200, 'GET workbook C': 403, 'review workbook A': 204, 'review workbook C': 403, 'GET group X': 200, 'GET group Y': 403, 'GET subscription A (active)': 403, 'GET subscription B (expired)': 403, 'GET a contact': 403, 'dry-run reconcile': 403 },
    mentorY: { 'GET own workbook A': 403, 'GET workbook B': 403, 'GET workbook C': 200, 'review workbook A': 403, 'review workbook C': 204, 'GET group X': 403, 'GET group Y': 200, 'GET subscription A (active)': 403, 'GET subscription B (expired)': 403, 'GET a contact': 403, 'dry-run reconcile': 403 },
    staff: { 'GET own workbook A': 200, 'GET workbook B': 200, 'GET workbook C': 200, 'review workbook A': 403, 'review workbook C': 403, 'GET group X': 200, 'GET group Y': 200, 'GET subscription A (active)': 403, 'GET subscription B (expired)': 403, 'GET a contact': 200, 'dry-run reconcile': 200 },
    outsider: { 'GET own workbook A': 403, 'GET workbook B': 403, 'GET workbook C': 403, 'review workbook A': 403, 'review workbook C': 403, 'GET group X': 403, 'GET group Y': 403, 'GET subscription A (active)': 403, 'GET subscription B (expired)': 403, 'GET a contact': 403, 'dry-run reconcile': 403 },
  };

  for (const [person, expected] of Object.entries(matrix)) {
    it(`answers ${person} as the permission model says, route by route`, async () => {
      const wrong: string[] = [];
      for (const [route, [method, path]] of Object.entries(routes())) {
        const res = await h.call(method, path, who[person]!.token);
        if (res.status !== expected[route]) wrong.push(`${route} (${method} ${path}): expected ${expected[route]}, got ${res.status} ${JSON.stringify(res.body?.error ?? '')}`);
        if (res.status === 403) expect(res.body.error.code).to.equal('PERMISSION_DENIED');
      }
      expect(wrong, `${person}:\n  ${wrong.join('\n  ')}`).to.deep.equal([]);
    });
  }

  it('answers anonymous requests with 401 and a malformed id with 400 before asking Keto', async () => {
    for (const [method, path] of Object.values(routes())) {
      expect((await h.call(method, path)).status, `${method} ${path}`).to.equal(401);
    }
    const bad = await h.call('GET', '/workbooks/abc', who.studentA!.token);
    expect(bad.status).to.equal(400);
    expect(bad.body.error.code).to.equal('IDENTITY_REQUEST_INVALID');
  });

  it('tells a signed-in person who they are, with their CRM rows and roles', async () => {
    const me = await h.call('GET', '/me', who.staff!.token);
    expect(me.status).to.equal(200);
    expect(me.body.identity.id).to.equal(who.staff!.id);
    expect(me.body.contactId).to.be.a('number');
    expect(me.body.personId).to.equal((await h.personOf(who.staff!.id)).Id);
    expect(me.body.roles).to.deep.equal(['staff']);
  });

  it('takes review away from a mentor the school marks inactive, through NocoDB\'s webhook', async () => {
    const leaving = who.mentorLeaving!;
    expect((await h.call('POST', `${wb('studentA')}/review`, leaving.token)).status, 'before').to.equal(204);
    await h.rows.update('mentors', [{ Id: row.mentorLeaving!, Active: false }]);
    await h.waitForPermission('the mentor tuple to go', leaving.id, 'mentors', 'Group', `group-${row.groupX}`, false);
    expect((await h.call('POST', `${wb('studentA')}/review`, leaving.token)).status, 'after').to.equal(403);
    expect((await h.call('GET', `/groups/${row.groupX}`, leaving.token)).status).to.equal(403);
    expect((await h.call('POST', `${wb('studentA')}/review`, who.mentorX!.token)).status, 'the other mentor keeps it').to.equal(204);
  });

  it('takes a product away when billing says its subscription ended', async () => {
    const ann = who.studentA!;
    await h.db.pool.query(`update billing_subscription set ends_on = $1 where source = $2`, [dayFromToday(-1), `test:${row.subA}`]);
    await h.db.pool.query(`insert into billing_entitlement_change (product_id) values ($1)`, [row.subA]);
    expect(await h.identity.syncBillingNow(), 'the product billing named').to.equal(1);
    await h.waitForPermission('the holder tuple to go', ann.id, 'holders', 'Subscription', `product-${row.subA}`, false);
    expect((await h.call('GET', `/products/${row.subA}`, ann.token)).status).to.equal(403);
  });

  it('picks up links made in NocoDB, which fire no webhook, through the sweep of changed rows', async () => {
    const late = await h.signUp('Late');
    const person = await h.personOf(late.id);
    const workbook = await insert('workbooks', { Title: 'Workbook of Late' });
    await ownWorkbook(h.rows, workbook, late.id, 'Late');
    await h.waitForPermission('the owner tuple (insert webhook)', late.id, 'edit', 'Workbook', `workbook-${workbook}`, true);
    await h.rows.link('groups', 'Members', row.groupY!, [person.Id]);
    await h.rows.link('groups', 'Workbooks', row.groupY!, [workbook]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await h.can(late.id, 'view', 'Group', `group-${row.groupY}`), 'no webhook came').to.equal(false);

    await sweepTable({ api: h.api, ids: h.ids, db: h.db.pool, inbox: h.platform.inbox, log: testLog }, tables.find((t) => t.key === 'groups')!);
    await h.waitForPermission('the member tuple', late.id, 'view', 'Group', `group-${row.groupY}`, true);
    await h.waitForPermission('the parent of the workbook', who.mentorY!.id, 'review', 'Workbook', `workbook-${workbook}`, true);
    expect((await h.call('GET', `/groups/${row.groupY}`, late.token)).status).to.equal(200);
    expect((await h.call('POST', `/workbooks/${workbook}/review`, who.mentorY!.token)).status).to.equal(204);
  });

  /** One round of what the sweeper does every NOCODB_SWEEP_SECONDS: rows changed since its cursor, by UpdatedAt. */
  const sweepRound = async () => {
    const deps = { api: h.api, ids: h.ids, db: h.db.pool, inbox: h.platform.inbox, log: testLog };
    for (const table of tables.filter((t) => t.hooks?.length)) await sweepTable(deps, table);
  };

  it('makes a mentor from NocoDB by picking the person in a Mentors row: no id pasted, in effect after the next sweep (a link fires no webhook, but moves the UpdatedAt the sweep reads)', async () => {
    const gil = await h.signUp('Gil');
    const person = await h.personOf(gil.id);
    // Staff add the row first and pick the person and the groups a while later, as in the grid.
    const mentor = await insert('mentors', { Name: 'Gil', Active: true });
    await sweepRound();
    await new Promise((r) => setTimeout(r, 2500));
    await sweepRound(); // the row is old news now: only the links' UpdatedAt can bring it back
    await h.rows.link('mentors', 'People', mentor, [person.Id]);
    await h.rows.link('mentors', 'Groups', mentor, [row.groupY!]);
    expect(await h.can(gil.id, 'mentors', 'Group', `group-${row.groupY}`), 'links fire no webhook').to.equal(false);
    const started = Date.now();
    await sweepRound();
    await h.waitForPermission('the picked mentor', gil.id, 'review', 'Workbook', `workbook-${row.wb_studentC}`, true);
    expect(Date.now() - started, 'one sweep round, then the sync').to.be.lessThan(10_000);
    expect((await h.call('POST', `${wb('studentC')}/review`, gil.token)).status).to.equal(204);
    expect((await h.call('POST', `${wb('studentA')}/review`, gil.token)).status, 'not his group').to.equal(403);

    // Un-picking the person takes it back the same way.
    const column = (await h.api.dbTable.read(h.ids.tables.get('mentors')!)).columns!.find((c) => c.title === h.ids.names.title('mentors', 'People'))!;
    await h.api.dbDataTableRow.nestedUnlink(h.ids.tables.get('mentors')!, column.id!, String(mentor) as never, [{ Id: person.Id }] as never);
    await sweepRound();
    await h.waitForPermission('the mentor gone', gil.id, 'review', 'Workbook', `workbook-${row.wb_studentC}`, false);
  });

  it('puts a student picked in a group\'s Members into the group after the next sweep: an mm link moves the UpdatedAt of its rows', async () => {
    const ida = await h.signUp('Ida');
    const person = await h.personOf(ida.id);
    const group = await insert('groups', { Title: 'Group of Ida', Mode: 'mentor_led' });
    await sweepRound();
    await new Promise((r) => setTimeout(r, 2500));
    await sweepRound(); // the group and the person are old news now
    await h.rows.link('groups', 'Members', group, [person.Id]);
    await sweepRound();
    await h.waitForPermission('Ida in her group', ida.id, 'view', 'Group', `group-${group}`, true);
  });

  it('does not make anyone staff or admin for an edit of People.Roles in NocoDB: the row is written back to what Kratos says, and Keto never follows it', async () => {
    const person = await h.personOf(who.studentA!.id);
    await h.rows.update('people', [{ Id: person.Id, Roles: 'student,admin,staff' }]);
    await waitFor('the row written back', async () => String((await h.rows.get('people', person.Id)).Roles ?? '') === 'student', 20_000);
    expect(await h.can(who.studentA!.id, 'members', 'Role', 'admin'), 'never admin').to.equal(false);
    expect(await h.can(who.studentA!.id, 'members', 'Role', 'staff'), 'never staff').to.equal(false);
    expect((await h.call('GET', `/contacts/1`, who.studentA!.token)).status, 'no CRM').to.equal(403);
    const report = await h.identity.reconcile({ dryRun: false });
    expect(report.extra, 'nothing to take back either').to.deep.equal([]);
  });

  it('lets an admin grant staff through the service, in Kratos: Keto and People.Roles follow at once; a non-admin may not', async () => {
    const admin = await h.signUp('Ada');
    await h.standin.ory.identities.setRoles(admin.id, ['admin']);
    await h.identity.reconcile({ dryRun: false });
    const grant = async (token: string, roles: string[]) => {
      const res = await fetch(`${h.platform.url}/api/identity/people/${who.outsider!.id}/roles`, {
        method: 'PUT', headers: { 'x-session-token': token, 'content-type': 'application/json' }, body: JSON.stringify({ roles }),
      });
      return res.status;
    };
    expect(await grant(who.staff!.token, ['admin']), 'staff may not make admins').to.equal(403);
    expect(await grant(admin.token, ['staff'])).to.equal(200);
    expect(await h.can(who.outsider!.id, 'members', 'Role', 'staff')).to.equal(true);
    const metadata = (await h.standin.ory.identities.get(who.outsider!.id))!.metadata_admin as { roles: string[] };
    expect(metadata.roles).to.include('staff');
    const person = await h.personOf(who.outsider!.id);
    expect(String((await h.rows.get('people', person.Id)).Roles ?? '')).to.include('staff');
    expect(await grant(admin.token, [])).to.equal(200);
    expect(await h.can(who.outsider!.id, 'members', 'Role', 'staff'), 'taken back').to.equal(false);
  });

  it('done when: a registered student put in a group with a mentor in NocoDB has the workbook reviewed by that mentor and nobody else', async () => {
    const dana = await h.signUp('Dana');
    const contact = await waitFor('Dana\'s contact in NocoDB', async () => (await h.byIdentity('contacts', dana.id))[0], 20_000);
    expect(contact.Email).to.equal(dana.email);
    const person = await h.personOf(dana.id);
    const eve = await h.signUp('Eve');

    const group = await insert('groups', { Title: 'Cohort of Dana', Mode: 'mentor_led' });
    await h.rows.link('groups', 'Members', group, [person.Id]);
    const mentor = await insert('mentors', { Name: 'Eve', IdentityId: eve.id, Active: true });
    await h.rows.link('mentors', 'Groups', mentor, [group]);
    const workbook = await insert('workbooks', { Title: 'Systems thinking 1', Status: 'active' });
    await ownWorkbook(h.rows, workbook, dana.id, 'Dana');
    await h.rows.link('groups', 'Workbooks', group, [workbook]);
    await h.identity.reconcile({ dryRun: false });

    const eveToken = await h.logIn(eve.email, eve.password);
    const review = `/workbooks/${workbook}/review`;
    expect((await h.call('POST', review, eveToken)).status, 'the group\'s mentor').to.equal(204);
    const refused = { dana, studentA: who.studentA!, mentorX: who.mentorX!, mentorY: who.mentorY!, staff: who.staff!, outsider: who.outsider! };
    for (const [name, p] of Object.entries(refused)) {
      expect((await h.call('POST', review, p.token)).status, name).to.equal(403);
    }
    expect((await h.call('POST', review)).status, 'anonymous').to.equal(401);
    const own = await h.call('GET', `/workbooks/${workbook}`, dana.token);
    expect(own.status).to.equal(200);
    expect(own.body.Title).to.equal('Systems thinking 1');
  });
});
