/**
 * The pure rules of the identity capability: which tuples NocoDB's state justifies, how a
 * difference is computed, what traits put into the CRM, how a CSV is read.
 */
import { expect } from 'chai';
import { changedFields, crmFields, forInsert, traitsOfImport } from '../../extensions/identity/crm-fields.ts';
import { parseCsv } from '../../extensions/identity/csv.ts';
import { allTuples, grants, groupTuples, roleTuples, subscriptionTuples, workbookTuples } from '../../extensions/identity/desired.ts';
import { diffTuples, fromSubjectKey, isOwnedObject, showTuple, subjectKey, tupleKey } from '../../extensions/identity/objects.ts';
import { objectSlice, sliceKey, uniqueSlices } from '../../extensions/identity/slices.ts';
import { importLine } from '../../schemas/events/identity.ts';

const shown = (ts: Parameters<typeof showTuple>[0][]) => ts.map(showTuple).sort();

describe('identity rules: tuples from NocoDB state', () => {
  it('makes members, active mentors only, and staff managers of a group', () => {
    const tuples = groupTuples({
      id: 7, members: ['ann', 'bob', 'ann'],
      mentors: [{ identity: 'max', active: true }, { identity: 'old', active: false }, { identity: null, active: true }],
    });
    expect(shown(tuples)).to.deep.equal([
      'Group:group-7#managers@Role:admin#members',
      'Group:group-7#managers@Role:staff#members',
      'Group:group-7#members@ann',
      'Group:group-7#members@bob',
      'Group:group-7#mentors@max',
    ]);
  });

  it('makes the owner, the parent group and staff viewers of a workbook', () => {
    expect(shown(workbookTuples({ id: 3, owner: 'ann', groupId: 7 }))).to.deep.equal([
      'Workbook:workbook-3#owners@ann',
      'Workbook:workbook-3#parents@Group:group-7',
      'Workbook:workbook-3#viewers@Role:admin#members',
      'Workbook:workbook-3#viewers@Role:staff#members',
    ]);
    expect(shown(workbookTuples({ id: 4, owner: null, groupId: null }))).to.have.length(2);
  });

  it('lets the holders of a product, as billing has them today, read the guides it opens', () => {
    const tuples = shown(subscriptionTuples({ id: 1, holders: ['ann', 'bob', 'ann'], guides: ['systems-101'] }));
    expect(tuples).to.have.members([
      'Subscription:product-1#holders@ann', 'Subscription:product-1#holders@bob',
      'Guide:systems-101#readers@Subscription:product-1#holders',
    ]).and.have.length(3);
    expect(shown(subscriptionTuples({ id: 2, holders: [], guides: [] })), 'nobody holds it, it opens nothing').to.deep.equal([]);
  });

  it('grants only the roles that are Role objects of the permission model', () => {
    expect(shown(roleTuples('ann', ['student', 'staff', 'mentor', 'admin']))).to.deep.equal(['Role:admin#members@ann', 'Role:staff#members@ann']);
  });

  it('derives the whole school at once, merging the roles of people rows that share an identity', () => {
    const tuples = allTuples({
      groups: [{ id: 1, members: ['ann'], mentors: [] }],
      workbooks: [{ id: 2, owner: 'ann', groupId: 1 }],
      subscriptions: [{ id: 3, holders: [], guides: ['systems-101'] }],
      people: [{ identity: 'max', roles: ['staff'] }, { identity: 'max', roles: ['admin'] }],
    }, '2026-02-01');
    expect(shown(tuples)).to.include.members(['Group:group-1#members@ann', 'Workbook:workbook-2#owners@ann', 'Role:staff#members@max', 'Role:admin#members@max']);
    expect(shown(tuples).filter((t) => t.startsWith('Subscription')), 'nobody holds product 3 today').to.deep.equal([]);
  });

  it('lets staff and admins into the CRM and operations reports, and staff into the reviewers\' queue the AI check uses', () => {
    expect(shown(grants())).to.include.members(['Contact:crm#editors@Role:staff#members', 'Report:operations#viewers@Role:staff#members', 'Group:reviewers#mentors@Role:staff#members']);
    expect(shown(grants('second-look')), 'AI_CHECK_REVIEW_GROUP=second-look').to.include('Group:second-look#mentors@Role:staff#members').and.not.include('Group:reviewers#mentors@Role:staff#members');
  });
});

describe('identity rules: tuple sets', () => {
  it('writes what is missing and deletes what is no longer justified, once each', () => {
    const [a, b, c] = groupTuples({ id: 1, members: ['a', 'b', 'c'], mentors: [] });
    const diff = diffTuples([a!, b!, b!], [b!, c!, c!]);
    expect(shown(diff.add)).to.deep.equal([showTuple(a!)]);
    expect(shown(diff.remove)).to.deep.equal([showTuple(c!)]);
  });

  it('keeps a subject set with an empty relation apart from an identity', () => {
    const [, parent] = workbookTuples({ id: 3, owner: 'ann', groupId: 7 });
    expect(subjectKey(parent!)).to.equal('Group:group-7#');
    expect(tupleKey(fromSubjectKey('Workbook', 'workbook-3', 'parents', 'Group:group-7#'))).to.equal(tupleKey(parent!));
    expect(fromSubjectKey('Group', 'group-1', 'members', 'f1d5a8a6-0000-4000-8000-000000000001').subject_id).to.equal('f1d5a8a6-0000-4000-8000-000000000001');
  });

  it('owns only its prefixed row objects', () => {
    expect(isOwnedObject({ namespace: 'Group', object: 'group-12' })).to.equal(true);
    expect(isOwnedObject({ namespace: 'Group', object: 'X' })).to.equal(false);
    expect(isOwnedObject({ namespace: 'Role', object: 'staff' })).to.equal(false);
    expect(isOwnedObject({ namespace: 'Workbook', object: 'group-12' })).to.equal(false);
  });

  it('recomputes a slice named twice once', () => {
    expect(uniqueSlices([objectSlice('Group', 1), objectSlice('Group', 1), objectSlice('Workbook', 1)]).map(sliceKey))
      .to.deep.equal(['Group:group-1', 'Workbook:workbook-1']);
  });
});

describe('identity rules: CRM fields from Kratos traits', () => {
  const traits = { email: 'ann@school.test', name: { first: 'Анна', last: 'Иванова' }, telegram: { id: 42, username: 'ann_s' }, locale: 'ru' as const };

  it('fills the contact and the person from the traits', () => {
    const f = crmFields('id-1', traits);
    expect(f.contact).to.include({ IdentityId: 'id-1', Name: 'Анна Иванова', Email: 'ann@school.test', TelegramUsername: 'ann_s' });
    expect(f.person).to.include({ TelegramId: '42', Locale: 'ru' });
  });

  it('never blanks what staff typed when the traits lack a field, and names a nameless person by e-mail', () => {
    const f = crmFields('id-1', { email: 'bob@school.test' });
    expect(changedFields({ Name: 'Bob (typed by staff)', Email: 'bob@school.test', IdentityId: 'id-1' }, f.person)).to.deep.equal({});
    expect(forInsert(f.person)).to.include({ Name: 'bob@school.test', Email: 'bob@school.test' });
    expect(changedFields({ Name: 'Old', Email: 'ann@school.test', IdentityId: 'id-1' }, crmFields('id-1', traits).contact)).to.deep.equal({ Name: 'Анна Иванова', TelegramUsername: 'ann_s' });
  });

  it('turns an import line into traits', () => {
    expect(traitsOfImport({ email: 'c@x.test', name: 'Иван Петрович Сидоров', telegram_username: 'ivan_s' }))
      .to.deep.equal({ email: 'c@x.test', name: { first: 'Иван', last: 'Петрович Сидоров' }, telegram: { username: 'ivan_s' } });
  });
});

describe('identity rules: CSV of an import', () => {
  it('reads quoted fields, doubled quotes, CRLF, a BOM and blank lines', () => {
    const { header, records } = parseCsv('\uFEFFEmail,Name,telegram_username,group\r\na@x.test,"Петров, Иван","",G1\r\n\r\nb@x.test,"Say ""hi""\nthere",@bob_b,G2\n');
    expect(header).to.deep.equal(['email', 'name', 'telegram_username', 'group']);
    expect(records.map((r) => r.line)).to.deep.equal([2, 4]);
    expect(records[0]!.values).to.deep.equal({ email: 'a@x.test', name: 'Петров, Иван', telegram_username: '', group: 'G1' });
    expect(records[1]!.values.name).to.equal('Say "hi"\nthere');
  });

  it('reads a semicolon-separated file as spreadsheets in a Russian locale save it', () => {
    expect(parseCsv('email;name\na@x.test;Анна').records[0]!.values).to.deep.equal({ email: 'a@x.test', name: 'Анна' });
  });

  it('validates a line: lower-cases the e-mail, drops the @ of a Telegram name, refuses a bad one', () => {
    expect(importLine.parse({ email: ' Ann@X.test ', telegram_username: '@ann_s', group: '' })).to.deep.include({ email: 'ann@x.test', telegram_username: 'ann_s', group: undefined });
    expect(importLine.safeParse({ email: 'not-an-email' }).success).to.equal(false);
    expect(importLine.safeParse({ email: 'a@x.test', telegram_username: 'a b' }).success).to.equal(false);
  });
});
