import { expect } from 'chai';
import { startStandin, type Harness } from './standin-harness.ts';

const member = (object: string, subject: string) => ({ namespace: 'Group', object, relation: 'members', subject_id: subject });
const qs = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe('Ory stand-in: Keto', () => {
  let h: Harness;
  before(async () => {
    h = await startStandin();
  });
  after(() => h.close());
  afterEach(() => {
    expect(h.contractFailures, `responses received by ory/client.ts that break Ory's OpenAPI spec:\n${h.contractFailures.join('\n')}`).to.deep.equal([]);
  });

  describe('write and read relation tuples', () => {
    it('creates a tuple with PUT (201, the relationship) and lists it', async () => {
      const res = await h.raw('PUT', '/admin/relation-tuples', { body: member('put-group', 'u1') });
      expect(res.status).to.equal(201);
      expect(res.body).to.deep.equal(member('put-group', 'u1'));
      const listed = await h.raw('GET', `/relation-tuples?${qs({ namespace: 'Group', object: 'put-group' })}`);
      expect(listed.body.relation_tuples).to.deep.equal([member('put-group', 'u1')]);
      expect(listed.body.next_page_token).to.equal('');
    });

    it('writes, lists and deletes through ory/client.ts (PATCH insert/delete)', async () => {
      await h.ory.keto.write([member('g-client', 'u1'), member('g-client', 'u2'), { namespace: 'Guide', object: 'intro', relation: 'readers', subject_set: { namespace: 'Group', object: 'g-client', relation: 'members' } }]);
      const listed = await h.ory.keto.list({ namespace: 'Group', object: 'g-client' });
      expect(listed.tuples).to.have.deep.members([member('g-client', 'u1'), member('g-client', 'u2')]);
      const bySet = await h.ory.keto.list({ namespace: 'Guide', subject_set: { namespace: 'Group', object: 'g-client', relation: 'members' } });
      expect(bySet.tuples).to.have.length(1);
      await h.ory.keto.delete([member('g-client', 'u1')]);
      expect((await h.ory.keto.list({ namespace: 'Group', object: 'g-client' })).tuples).to.deep.equal([member('g-client', 'u2')]);
    });

    it('applies a PATCH with insert and delete actions atomically, refusing it whole on a bad action', async () => {
      const ok = await h.raw('PATCH', '/admin/relation-tuples', {
        body: [
          { action: 'insert', relation_tuple: member('g-patch', 'a') },
          { action: 'insert', relation_tuple: member('g-patch', 'b') },
          { action: 'delete', relation_tuple: member('g-patch', 'a') },
        ],
      });
      expect(ok.status).to.equal(204);
      const bad = await h.raw('PATCH', '/admin/relation-tuples', {
        body: [
          { action: 'insert', relation_tuple: member('g-patch', 'c') },
          { action: 'upsert', relation_tuple: member('g-patch', 'd') },
        ],
      });
      expect(bad.status).to.equal(400);
      const listed = await h.ory.keto.list({ namespace: 'Group', object: 'g-patch' });
      expect(listed.tuples.map((t) => t.subject_id)).to.deep.equal(['b']);
    });

    it('deletes by query with DELETE (204)', async () => {
      await h.ory.keto.write([member('g-del', 'a'), member('g-del', 'b'), member('g-keep', 'a')]);
      const res = await h.raw('DELETE', `/admin/relation-tuples?${qs({ namespace: 'Group', object: 'g-del' })}`);
      expect(res.status).to.equal(204);
      expect((await h.ory.keto.list({ namespace: 'Group', object: 'g-del' })).tuples).to.deep.equal([]);
      expect((await h.ory.keto.list({ namespace: 'Group', object: 'g-keep' })).tuples).to.have.length(1);
    });

    it('pages the list with page_size and next_page_token', async () => {
      await h.ory.keto.write(['a', 'b', 'c', 'd', 'e'].map((s) => member('g-pages', s)));
      const seen: string[] = [];
      let pageToken: string | undefined;
      do {
        const page = await h.ory.keto.list({ namespace: 'Group', object: 'g-pages', pageSize: 2, pageToken });
        seen.push(...page.tuples.map((t) => t.subject_id!));
        pageToken = page.nextPageToken;
      } while (pageToken);
      expect(seen).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
    });

    it('answers 400 for a tuple without a subject and 404 for an unknown namespace', async () => {
      const noSubject = await h.raw('PUT', '/admin/relation-tuples', { body: { namespace: 'Group', object: 'g', relation: 'members' } });
      expect(noSubject.status).to.equal(400);
      const unknown = await h.raw('GET', `/relation-tuples?${qs({ namespace: 'Nope' })}`);
      expect(unknown.status).to.equal(404);
    });

    it('lists the namespaces of the OPL file', async () => {
      const res = await h.raw('GET', '/namespaces');
      expect(res.body.namespaces.map((n: { name: string }) => n.name)).to.include.members(['User', 'Role', 'Group', 'Workbook', 'Contact']);
    });
  });

  describe('checks', () => {
    before(async () => {
      await h.ory.keto.write([member('g-check', 'alice')]);
    });

    it('answers 200 {allowed:true} when allowed (GET and POST /relation-tuples/check)', async () => {
      const get = await h.raw('GET', `/relation-tuples/check?${qs({ namespace: 'Group', object: 'g-check', relation: 'view', subject_id: 'alice' })}`);
      expect([get.status, get.body]).to.deep.equal([200, { allowed: true }]);
      const post = await h.raw('POST', '/relation-tuples/check', { body: { namespace: 'Group', object: 'g-check', relation: 'members', subject_id: 'alice' } });
      expect([post.status, post.body]).to.deep.equal([200, { allowed: true }]);
    });

    it('answers 403 {allowed:false} when denied on /relation-tuples/check', async () => {
      const get = await h.raw('GET', `/relation-tuples/check?${qs({ namespace: 'Group', object: 'g-check', relation: 'view', subject_id: 'mallory' })}`);
      expect([get.status, get.body]).to.deep.equal([403, { allowed: false }]);
      const post = await h.raw('POST', '/relation-tuples/check', { body: { namespace: 'Group', object: 'g-check', relation: 'view', subject_id: 'mallory' } });
      expect([post.status, post.body]).to.deep.equal([403, { allowed: false }]);
    });

    it('answers 200 {allowed:false} when denied on /relation-tuples/check/openapi', async () => {
      const get = await h.raw('GET', `/relation-tuples/check/openapi?${qs({ namespace: 'Group', object: 'g-check', relation: 'view', subject_id: 'mallory' })}`);
      expect([get.status, get.body]).to.deep.equal([200, { allowed: false }]);
      const post = await h.raw('POST', '/relation-tuples/check/openapi', { body: { namespace: 'Group', object: 'g-check', relation: 'view', subject_id: 'mallory' } });
      expect([post.status, post.body]).to.deep.equal([200, { allowed: false }]);
    });

    it('checks a subject set as the subject', async () => {
      await h.ory.keto.write([{ namespace: 'Guide', object: 'g-set', relation: 'readers', subject_set: { namespace: 'Group', object: 'g-check', relation: 'members' } }]);
      expect(await h.ory.keto.check({ namespace: 'Guide', object: 'g-set', relation: 'readers', subject: { namespace: 'Group', object: 'g-check', relation: 'members' } })).to.equal(true);
      expect(await h.ory.keto.check({ namespace: 'Guide', object: 'g-set', relation: 'read', subject: 'alice' })).to.equal(true);
    });

    it('honours max-depth', async () => {
      const params = { namespace: 'Guide', object: 'g-set', relation: 'read', subject_id: 'alice' };
      expect((await h.raw('GET', `/relation-tuples/check/openapi?${qs({ ...params, 'max-depth': '1' })}`)).body.allowed).to.equal(false);
      expect((await h.raw('GET', `/relation-tuples/check/openapi?${qs({ ...params, 'max-depth': '3' })}`)).body.allowed).to.equal(true);
    });

    it('answers 400 for a check without a subject or with an undeclared relation', async () => {
      const noSubject = await h.raw('GET', `/relation-tuples/check?${qs({ namespace: 'Group', object: 'g', relation: 'view' })}`);
      expect(noSubject.status).to.equal(400);
      const undeclared = await h.raw('GET', `/relation-tuples/check?${qs({ namespace: 'Group', object: 'g', relation: 'owners', subject_id: 'x' })}`);
      expect(undeclared.status).to.equal(400);
      expect(undeclared.body.error.reason).to.match(/owners/);
    });
  });
});
