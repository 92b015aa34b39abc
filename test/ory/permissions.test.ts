/**
 * The school's permission model (ory/keto/namespaces.keto.ts), exercised through
 * ory/client.ts against the stand-in, which evaluates that same file.
 */
import { expect } from 'chai';
import type { RelationTuple } from '../../ory/client.ts';
import { startStandin, type Harness } from './standin-harness.ts';

const user = (namespace: string, object: string, relation: string, subject_id: string): RelationTuple => ({ namespace, object, relation, subject_id });
const set = (namespace: string, object: string, relation: string, ns: string, obj: string, rel: string): RelationTuple => ({
  namespace,
  object,
  relation,
  subject_set: { namespace: ns, object: obj, relation: rel },
});

describe('permission model (namespaces.keto.ts)', () => {
  let h: Harness;
  const can = (subject: string, relation: string, namespace: string, object: string) => h.ory.keto.check({ namespace, object, relation, subject });

  before(async () => {
    h = await startStandin();
    await h.ory.keto.write([
      // cohorts X and Y, with their students, mentors and managers
      user('Group', 'X', 'members', 'student-a'),
      user('Group', 'X', 'members', 'student-b'),
      user('Group', 'X', 'mentors', 'mentor-x'),
      user('Group', 'Y', 'members', 'student-c'),
      user('Group', 'Y', 'mentors', 'mentor-y'),
      set('Group', 'X', 'managers', 'Role', 'staff', 'members'),
      // workbooks
      user('Workbook', 'wb-a', 'owners', 'student-a'),
      set('Workbook', 'wb-a', 'parents', 'Group', 'X', ''),
      user('Workbook', 'wb-b', 'owners', 'student-b'),
      set('Workbook', 'wb-b', 'parents', 'Group', 'X', ''),
      user('Workbook', 'wb-c', 'owners', 'student-c'),
      set('Workbook', 'wb-c', 'parents', 'Group', 'Y', ''),
      // roles
      user('Role', 'staff', 'members', 'staff-1'),
      user('Role', 'admin', 'members', 'admin-1'),
      // CRM
      set('Contact', 'crm', 'editors', 'Role', 'staff', 'members'),
      set('Contact', 'crm', 'editors', 'Role', 'admin', 'members'),
      // a guide read through a subscription
      user('Subscription', 'pro', 'holders', 'student-a'),
      user('Guide', 'systems-101', 'authors', 'author-1'),
      set('Guide', 'systems-101', 'readers', 'Subscription', 'pro', 'holders'),
    ]);
  });
  after(() => h.close());
  afterEach(() => {
    expect(h.contractFailures, h.contractFailures.join('\n')).to.deep.equal([]);
  });

  describe('workbooks', () => {
    it('lets a student view and edit their own workbook', async () => {
      expect(await can('student-a', 'view', 'Workbook', 'wb-a')).to.equal(true);
      expect(await can('student-a', 'edit', 'Workbook', 'wb-a')).to.equal(true);
    });

    it("does not let student A view student B's workbook, even in the same cohort", async () => {
      expect(await can('student-a', 'view', 'Workbook', 'wb-b')).to.equal(false);
      expect(await can('student-a', 'comment', 'Workbook', 'wb-b')).to.equal(false);
    });

    it('lets the mentor of cohort X review a workbook of a member of X, but not one of cohort Y', async () => {
      expect(await can('mentor-x', 'review', 'Workbook', 'wb-b')).to.equal(true);
      expect(await can('mentor-x', 'view', 'Workbook', 'wb-b')).to.equal(true);
      expect(await can('mentor-x', 'comment', 'Workbook', 'wb-b')).to.equal(true);
      expect(await can('mentor-x', 'edit', 'Workbook', 'wb-b')).to.equal(false);
      expect(await can('mentor-x', 'review', 'Workbook', 'wb-c')).to.equal(false);
      expect(await can('mentor-x', 'view', 'Workbook', 'wb-c')).to.equal(false);
    });

    it('takes review away from a mentor removed from the cohort', async () => {
      await h.ory.keto.write([user('Group', 'X', 'mentors', 'mentor-leaving')]);
      expect(await can('mentor-leaving', 'review', 'Workbook', 'wb-a')).to.equal(true);
      await h.ory.keto.delete([user('Group', 'X', 'mentors', 'mentor-leaving')]);
      expect(await can('mentor-leaving', 'review', 'Workbook', 'wb-a')).to.equal(false);
      expect(await can('mentor-leaving', 'view', 'Workbook', 'wb-a')).to.equal(false);
    });

    it('lets staff view workbooks of a cohort they manage', async () => {
      expect(await can('staff-1', 'view', 'Workbook', 'wb-a')).to.equal(true);
      expect(await can('staff-1', 'edit', 'Workbook', 'wb-a')).to.equal(false);
    });
  });

  describe('guides and subscriptions', () => {
    it('lets a subscriber read a guide, and no longer once the Subscription tuple is deleted', async () => {
      expect(await can('student-a', 'read', 'Guide', 'systems-101')).to.equal(true);
      await h.ory.keto.delete([user('Subscription', 'pro', 'holders', 'student-a')]);
      expect(await can('student-a', 'read', 'Guide', 'systems-101')).to.equal(false);
    });

    it('lets the author read and edit, and nobody else edit', async () => {
      expect(await can('author-1', 'read', 'Guide', 'systems-101')).to.equal(true);
      expect(await can('author-1', 'edit', 'Guide', 'systems-101')).to.equal(true);
      expect(await can('student-c', 'edit', 'Guide', 'systems-101')).to.equal(false);
    });
  });

  describe('CRM', () => {
    it('lets staff and admins view and edit a Contact', async () => {
      expect(await can('staff-1', 'view', 'Contact', 'crm')).to.equal(true);
      expect(await can('admin-1', 'edit', 'Contact', 'crm')).to.equal(true);
    });

    it('does not let a student view a Contact', async () => {
      expect(await can('student-a', 'view', 'Contact', 'crm')).to.equal(false);
    });
  });
});
