/**
 * Reconciliation of NocoDB with Keto, and the CSV import of existing students, on the real
 * NocoDB, PostgreSQL and the Ory stand-in.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { reconcile, type ImportReport } from '../../extensions/identity/index.ts';
import type { RelationTuple } from '../../ory/client.ts';
import { registerThroughStandin } from '../e2e/register.ts';
import { verifyAddress } from '../support/verify-address.ts';
import { dayFromToday, identityHarness, type IdentityHarness } from './harness.ts';
import { ownWorkbook } from '../support/workbooks.ts';

const member = (group: number, subject: string): RelationTuple => ({ namespace: 'Group', object: `group-${group}`, relation: 'members', subject_id: subject });

describe('identity: reconciliation and import', function () {
  this.timeout(300_000);
  let h: IdentityHarness;
  before(async () => {
    h = await identityHarness('reconcile');
  });
  after(async () => h?.close());
  afterEach(() => {
    expect(h.standin.contractFailures, h.standin.contractFailures.join('\n')).to.deep.equal([]);
  });

  const insert = async (table: string, values: Record<string, unknown>) => (await h.rows.insert(table, [values]))[0]!.Id;
  const inKeto = async (t: RelationTuple) => (await h.standin.ory.keto.list({ namespace: t.namespace, object: t.object, relation: t.relation, subject_id: t.subject_id })).tuples.length > 0;

  describe('reconcile', () => {
    const [ann, bob, cid, max] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    let group: number;
    let subscription: number;

    before(async () => {
      const people = await h.rows.insert('people', [ann, bob, cid].map((id, i) => ({ Name: `Person ${i}`, IdentityId: id })));
      group = await insert('groups', { Title: 'Reconciled group' });
      await h.rows.link('groups', 'Members', group, [people[0]!.Id, people[1]!.Id]);
      const mentor = await insert('mentors', { Name: 'Max', IdentityId: max, Active: true });
      await h.rows.link('mentors', 'Groups', mentor, [group]);
      const workbook = await insert('workbooks', { Title: 'WB' });
      await ownWorkbook(h.rows, workbook, ann);
      await h.rows.link('groups', 'Workbooks', group, [workbook]);
      // Ann holds a product, as billing records it.
      subscription = await insert('products', { Title: 'БР', Kind: 'subscription' });
      await h.db.pool.query(`insert into billing_product (id, title, kind) values ($1, 'БР', 'subscription')`, [subscription]);
      await h.db.pool.query(`insert into billing_subscription (person_id, plan_id, product_id, kind, status, starts_on, ends_on, source) values ($1, 1, $2, 'free', 'active', $3, $4, 'test:reconcile')`,
        [ann, subscription, dayFromToday(-1), dayFromToday(20)]);
      await h.identity.reconcile({ dryRun: false });
      expect((await h.identity.reconcile({ dryRun: true })).missing, 'clean after the first run').to.deep.equal([]);

      // Drift: Keto lost a tuple, someone wrote a stray one on our group, a link changed without a webhook.
      await h.standin.ory.keto.delete([member(group, ann)]);
      await h.standin.ory.keto.write([{ namespace: 'Group', object: `group-${group}`, relation: 'mentors', subject_id: 'intruder' }]);
      await h.rows.link('groups', 'Members', group, [people[2]!.Id]);
      // Not ours: a group object without our prefix, and a role another tool granted.
      await h.standin.ory.keto.write([
        { namespace: 'Group', object: 'legacy', relation: 'members', subject_id: 'someone' },
        { namespace: 'Role', object: 'admin', relation: 'members', subject_id: 'bootstrap-admin' },
      ]);
    });

    it('reports drift in a dry run without touching Keto', async () => {
      const report = await h.identity.reconcile({ dryRun: true });
      expect(report.dryRun).to.equal(true);
      expect(report.repaired).to.equal(null);
      expect(report.missing).to.deep.equal([`Group:group-${group}#members@${ann}`, `Group:group-${group}#members@${cid}`].sort());
      expect(report.extra).to.deep.equal([`Group:group-${group}#mentors@intruder`]);
      expect(await inKeto(member(group, ann)), 'still missing after the dry run').to.equal(false);
      expect(await inKeto({ namespace: 'Group', object: `group-${group}`, relation: 'mentors', subject_id: 'intruder' }), 'still there after the dry run').to.equal(true);
    });

    it('repairs the drift in a real run and leaves tuples it does not own alone', async () => {
      const report = await h.identity.reconcile({ dryRun: false });
      expect(report.repaired).to.deep.equal({ written: 2, deleted: 1 });
      expect(await inKeto(member(group, ann))).to.equal(true);
      expect(await inKeto(member(group, cid))).to.equal(true);
      expect(await inKeto({ namespace: 'Group', object: `group-${group}`, relation: 'mentors', subject_id: 'intruder' })).to.equal(false);
      expect(await inKeto({ namespace: 'Group', object: 'legacy', relation: 'members', subject_id: 'someone' }), 'a group that is not a NocoDB row').to.equal(true);
      expect(await inKeto({ namespace: 'Role', object: 'admin', relation: 'members', subject_id: 'bootstrap-admin' }), 'a role granted elsewhere').to.equal(true);
      const again = await h.identity.reconcile({ dryRun: true });
      expect([again.missing, again.extra]).to.deep.equal([[], []]);
      const { rows } = await h.db.pool.query(`select count(*)::int as n from identity_keto_tuple where object = $1 and relation = 'members'`, [`group-${group}`]);
      expect(rows[0].n, 'the mirror follows').to.equal(3);
    });

    it('finds a subscription whose last day passed when nothing told identity (no pass, no change row)', async () => {
      await h.db.pool.query(`update billing_subscription set ends_on = $1 where source = 'test:reconcile'`, [dayFromToday(-1)]);
      const report = await reconcile(h.deps, { dryRun: true });
      expect(report.extra).to.include(`Subscription:product-${subscription}#holders@${ann}`);
      expect(await h.can(ann, 'holders', 'Subscription', `product-${subscription}`), 'a dry run changes nothing').to.equal(true);
    });

    it('is refused over HTTP to anyone without the operations report permission', async () => {
      const someone = await h.signUp('Nobody');
      expect((await h.call('POST', '/reconcile?dry_run=true', someone.token)).status).to.equal(403);
    });
  });

  describe('CSV import of existing students', () => {
    let group: number;
    const emails = ['import.ann@school.test', 'import.bob@school.test', 'import.cid@school.test'];
    const csv = () => [
      'email,name,telegram_username,group,locale',
      `${emails[0]},Анна Импортова,@ann_imp,Поток 1,ru`,
      `${emails[1]},"Bob, the Second",,Поток 1,en`,
      `${emails[2]},Cid,,,`,
      'import.dan@school.test,Dan,,No such group,',
      'not-an-email,Eve,,,',
    ].join('\n');

    before(async () => {
      group = await insert('groups', { Title: 'Поток 1' });
    });

    const state = async () => {
      const identities = await Promise.all(emails.map((e) => h.standin.ory.identities.findByEmail(e)));
      const ids = identities.map((i) => i!.id);
      const contacts = (await Promise.all(ids.map((id) => h.byIdentity('contacts', id)))).map((r) => r.map((c) => c.Id));
      const people = (await Promise.all(ids.map((id) => h.byIdentity('people', id)))).map((r) => r.map((p) => [p.Id, p.Roles]));
      const tuples = (await h.standin.ory.keto.list({ namespace: 'Group', object: `group-${group}` })).tuples.map((t) => JSON.stringify(t)).sort();
      const identityCount = (await h.standin.ory.identities.list({ pageSize: 500 })).identities.length;
      return { ids, contacts, people, tuples, identityCount };
    };

    it('creates identities, contacts, people, memberships and tuples, reporting progress and the lines it could not take', async () => {
      const progress: string[] = [];
      const report: ImportReport = await h.identity.importStudents(csv(), { onProgress: (done, total) => progress.push(`${done}/${total}`) });
      expect(progress).to.deep.equal(['1/5', '2/5', '3/5', '4/5', '5/5']);
      expect(report).to.deep.include({ total: 5, done: 5, identities: { created: 3, existing: 0 }, contacts: { created: 3, updated: 0 }, people: { created: 3, updated: 0 }, memberships: { added: 2 } });
      expect(report.failed.map((f) => [f.line, f.email])).to.deep.equal([[5, 'import.dan@school.test'], [6, 'not-an-email']]);
      expect(report.failed[0]!.problem.en).to.equal('no group "No such group" in NocoDB');

      const s = await state();
      expect(s.contacts.map((c) => c.length), 'one contact each').to.deep.equal([1, 1, 1]);
      expect(s.people.map((p) => p.map(([, roles]) => roles)), 'one student row each').to.deep.equal([['student'], ['student'], ['student']]);
      expect(await h.can(s.ids[0]!, 'view', 'Group', `group-${group}`)).to.equal(true);
      expect(await h.can(s.ids[1]!, 'view', 'Group', `group-${group}`)).to.equal(true);
      expect(await h.can(s.ids[2]!, 'view', 'Group', `group-${group}`), 'no group on the line').to.equal(false);
      const ann = await h.standin.ory.identities.findByEmail(emails[0]!);
      expect(ann!.traits).to.deep.include({ name: { first: 'Анна', last: 'Импортова' }, telegram: { username: 'ann_imp' }, locale: 'ru' });
    });

    it('changes nothing when run again', async () => {
      await new Promise((r) => setTimeout(r, 1500)); // webhooks of the first run's rows settle
      const before = await state();
      const report = await h.identity.importStudents(csv());
      expect(report).to.deep.include({
        identities: { created: 0, existing: 3 }, contacts: { created: 0, updated: 0 }, people: { created: 0, updated: 0 },
        memberships: { added: 0 }, tuples: { written: 0, deleted: 0 },
      });
      expect(report.failed).to.have.length(2);
      expect(report.waiting).to.deep.equal([]);
      expect(await state()).to.deep.equal(before);
    });

    it('gives nothing to an identity whose owner has not verified the address: the line waits, staff see it, and the group follows the verification', async () => {
      const second = await insert('groups', { Title: 'Поток 2' });
      // Someone registered Fay's address before the school imported her, and never confirmed it.
      const email = `import.fay.${randomUUID().slice(0, 6)}@school.test`;
      const first = await registerThroughStandin(h.standin.url, 'Fay', { email });
      await h.personOf(first.id);
      const line = `email,name,group\n${email},Фая Импортова,Поток 2`;
      const report = await h.identity.importStudents(line);
      expect(report).to.deep.include({ identities: { created: 0, existing: 1 }, memberships: { added: 0 }, failed: [] });
      expect(report.waiting.map((w) => [w.line, w.email])).to.deep.equal([[2, email]]);
      expect(report.waiting[0]!.problem.en).to.match(/has not verified it yet/);
      expect(await h.can(first.id, 'view', 'Group', `group-${second}`), 'no group for an unverified address').to.equal(false);
      const waiting = async () => (await h.db.pool.query(`select kind, value, waiting_for from identity_pending_links where identity_id = $1`, [first.id])).rows;
      expect(await waiting()).to.deep.equal([{ kind: 'group_from_import', value: `${email} → Поток 2`, waiting_for: 'email_verification' }]);

      expect((await h.identity.reconcile({ dryRun: false })).pendingImports, 'still unverified').to.deep.equal({ granted: 0, waiting: 1 });
      expect(await h.can(first.id, 'view', 'Group', `group-${second}`)).to.equal(false);

      // Whoever reads Fay's mail confirms the address: that is the student the school's list names.
      await verifyAddress(h.standin.url, email);
      expect((await h.identity.reconcile({ dryRun: false })).pendingImports).to.deep.equal({ granted: 1, waiting: 0 });
      expect(await h.can(first.id, 'view', 'Group', `group-${second}`)).to.equal(true);
      expect(await waiting()).to.deep.equal([]);
      const again = await h.identity.importStudents(line);
      expect(again).to.deep.include({ memberships: { added: 0 }, waiting: [], failed: [] });
    });
  });
});
