/**
 * Workbook access for students: a password-protected NocoDB shared view of the Answers of
 * one workbook, provisioned by the identity capability when NocoDB reports the workbook.
 * Checked on NocoDB's own meta and public APIs.
 */
import { expect } from 'chai';
import { nocoSharedViews, type NocoSharedViews } from '../../nocodb/shared-views.ts';
import { waitFor } from '../support/platform.ts';
import { useNocodb } from '../support/stack.ts';
import { identityHarness, type IdentityHarness, type Person } from './harness.ts';

describe('identity: students read their workbook through a shared NocoDB view', function () {
  this.timeout(300_000);
  let h: IdentityHarness;
  let views: NocoSharedViews;
  let nocodbUrl: string;
  let ann: Person;
  let bob: Person;
  const row: Record<string, number> = {};

  const insert = async (table: string, values: Record<string, unknown>) => (await h.rows.insert(table, [values]))[0]!.Id;
  const stored = (workbook: number) => h.db.pool.query('select * from identity_private.workbook_share where workbook_id = $1', [workbook]).then((r) => r.rows[0]);
  const publicRows = async (uuid: string, password?: string, where?: string) => {
    const res = await fetch(`${nocodbUrl}/api/v2/public/shared-view/${uuid}/rows${where ? `?where=${encodeURIComponent(where)}` : ''}`, {
      headers: password ? { 'xc-password': password } : {},
    });
    const body = await res.json() as { list?: { Id: number }[] };
    return { status: res.status, ids: (body.list ?? []).map((r) => r.Id).sort((a, b) => a - b), body };
  };

  before(async () => {
    h = await identityHarness('shares');
    nocodbUrl = (await useNocodb()).url;
    views = nocoSharedViews(h.api, h.ids, nocodbUrl);
    ann = await h.signUp('Ann');
    bob = await h.signUp('Bob');
    row.wbAnn = await insert('workbooks', { Title: 'Ann: guide 1', StudentIdentity: ann.id, Status: 'active' });
    row.wbBob = await insert('workbooks', { Title: 'Bob: guide 1', StudentIdentity: bob.id, Status: 'active' });
    const answers = await h.rows.insert('answers', [
      { Answer: 'Ann 1', StudentIdentity: ann.id, Status: 'checked', MentorVerdict: 'Good' },
      { Answer: 'Ann 2', StudentIdentity: ann.id, Status: 'submitted' },
      { Answer: 'Bob 1', StudentIdentity: bob.id, Status: 'submitted' },
    ]);
    answers.forEach((a, i) => { row[['ann1', 'ann2', 'bob1'][i]!] = a.Id; });
    await h.rows.link('workbooks', 'Answers', row.wbAnn, [row.ann1!, row.ann2!]);
    await h.rows.link('workbooks', 'Answers', row.wbBob, [row.bob1!]);
  });
  after(async () => h?.close());

  it('provisions a password-protected share with CSV download off, scoped to the workbook, when the workbook is created', async () => {
    const share = await waitFor('the share of Ann\'s workbook', () => stored(row.wbAnn!), 30_000);
    const info = await views.inspect('answers', `workbook-${row.wbAnn}`);
    expect(info, 'the view exists').to.not.equal(null);
    expect(info!.uuid).to.equal(share.share_uuid);
    expect(info!.allowCsvDownload, 'CSV download').to.equal(false);
    expect(info!.hasPassword, 'password').to.equal(true);
    expect(info!.filters).to.deep.equal([{ column: 'workbooks_id', op: 'eq', value: String(row.wbAnn) }]);
    expect(info!.hiddenColumns).to.include.members(['StudentIdentity', 'Workbooks']);
    expect(share.url).to.equal(`${nocodbUrl}/dashboard/#/nc/view/${share.share_uuid}`);
    const workbook = await waitFor('ShareUrl written back', async () => {
      const w = await h.rows.get('workbooks', row.wbAnn!);
      return w.ShareUrl === share.url && w;
    }, 20_000);
    expect(workbook.ShareUrl).to.equal(share.url);
  });

  it('shows only the answers of that workbook, and only with the password; no CSV export', async () => {
    await h.waitForPermission('Ann owns her workbook', ann.id, 'edit', 'Workbook', `workbook-${row.wbAnn}`, true);
    const given = await h.call('GET', `/workbooks/${row.wbAnn}/share`, ann.token);
    expect(given.status).to.equal(200);
    const uuid = (given.body.url as string).split('/').pop()!;
    expect((await publicRows(uuid)).status, 'without the password').to.equal(403);
    expect((await publicRows(uuid, 'wrong-password')).status, 'with a wrong password').to.equal(403);
    const rows = await publicRows(uuid, given.body.password);
    expect(rows.status).to.equal(200);
    expect(rows.ids, 'Ann\'s answers only').to.deep.equal([row.ann1, row.ann2]);
    expect(JSON.stringify(rows.body), 'the hidden identity column').to.not.include(ann.id);
    expect((await publicRows(uuid, given.body.password, `(Id,eq,${row.bob1})`)).ids, 'a query cannot widen the filter').to.deep.equal([]);
    const csv = await fetch(`${nocodbUrl}/api/v2/public/export/${uuid}/csv`, { method: 'POST', headers: { 'xc-password': given.body.password } });
    expect(csv.status, 'CSV export').to.equal(403);
  });

  it('gives the link and the password to the owner only', async () => {
    await h.waitForPermission('Bob owns his workbook', bob.id, 'edit', 'Workbook', `workbook-${row.wbBob}`, true);
    expect((await h.call('GET', `/workbooks/${row.wbAnn}/share`, bob.token)).status).to.equal(403);
    expect((await h.call('GET', `/workbooks/${row.wbAnn}/share`)).status).to.equal(401);
  });

  it('hands a workbook that changes owner a new password', async () => {
    const before = await stored(row.wbAnn!);
    await h.rows.update('workbooks', [{ Id: row.wbAnn!, StudentIdentity: bob.id }]);
    const after = await waitFor('a new password', async () => {
      const s = await stored(row.wbAnn!);
      return s.owner === bob.id && s;
    }, 20_000);
    expect(after.share_uuid, 'same view').to.equal(before.share_uuid);
    expect((await publicRows(after.share_uuid, before.password)).status, 'the old password').to.equal(403);
    expect((await publicRows(after.share_uuid, after.password)).status, 'the new password').to.equal(200);
  });

  it('removes the share when the workbook is deleted', async () => {
    const share = await waitFor('the share of Bob\'s workbook', () => stored(row.wbBob!), 30_000);
    await h.api.dbDataTableRow.delete(h.ids.tables.get('workbooks')!, { Id: row.wbBob } as never);
    await waitFor('the share to be forgotten', async () => !(await stored(row.wbBob!)), 20_000);
    expect(await views.inspect('answers', `workbook-${row.wbBob}`)).to.equal(null);
    expect((await publicRows(share.share_uuid, share.password)).status).to.be.oneOf([403, 404]);
  });
});
