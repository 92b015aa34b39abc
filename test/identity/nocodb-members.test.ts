/**
 * NocoDB is for staff: a member of the School base who is not staff or admin in Kratos is
 * set to no-access by the reconciliation, on the real NocoDB with the Ory stand-in.
 */
import { expect } from 'chai';
import { identityHarness, type IdentityHarness } from './harness.ts';

describe('identity: only staff are members of the School base in NocoDB (issue 12)', function () {
  this.timeout(120_000);
  let h: IdentityHarness;
  before(async () => { h = await identityHarness('nocodb_members'); });
  after(async () => h?.close());

  it('sets a mentor or student added to the base to no-access, keeps staff and the owner, and logs it', async () => {
    const staff = await h.signUp('Stella');
    const mentor = await h.signUp('Mentor');
    await h.standin.ory.identities.setRoles(staff.id, ['staff']);
    const outsider = `nobody-${Date.now()}@school.test`;
    for (const email of [staff.email, mentor.email, outsider]) {
      await h.api.auth.baseUserAdd(h.ids.baseId, { email, roles: 'editor' });
    }
    const roleOf = async (email: string) => ((await h.api.auth.baseUserList(h.ids.baseId)).users?.list ?? [])
      .find((u) => u.email === email)?.roles;
    expect(await roleOf(mentor.email), 'an editor before').to.equal('editor');

    const report = await h.identity.reconcile({ dryRun: false });
    expect(report.nocodbMembers?.removed).to.have.members([mentor.email, outsider]);
    expect(report.nocodbMembers?.kept).to.include(staff.email);
    expect(await roleOf(mentor.email)).to.equal('no-access');
    expect(await roleOf(outsider), 'a NocoDB user with no Kratos account').to.equal('no-access');
    expect(await roleOf(staff.email)).to.equal('editor');
    const again = await h.identity.reconcile({ dryRun: true });
    expect(again.nocodbMembers, 'a dry run touches nobody').to.equal(undefined);
  });
});
