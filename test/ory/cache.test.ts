/**
 * The short memory of Ory's answers (ory/cache.ts) against the stand-in: a session and a
 * permission are asked once within the TTL; our own tuple writes and a sign-out take effect
 * at once; a change made elsewhere shows when the TTL ends; no session is never kept.
 */
import { expect } from 'chai';
import { cachedOry } from '../../ory/cache.ts';
import type { Ory } from '../../ory/client.ts';
import { registerThroughStandin } from '../e2e/register.ts';
import { startStandin, type Harness } from './standin-harness.ts';

describe('ory: the short memory of sessions and permissions', () => {
  let standin: Harness;
  let clock = 0;
  let calls: { whoami: number; check: number };
  let ory: Ory;
  before(async () => {
    standin = await startStandin();
  });
  after(() => standin.close());
  beforeEach(() => {
    clock = 1_000_000;
    calls = { whoami: 0, check: 0 };
    const counted: Ory = {
      ...standin.ory,
      whoami: (c) => { calls.whoami++; return standin.ory.whoami(c); },
      keto: { ...standin.ory.keto, check: (q) => { calls.check++; return standin.ory.keto.check(q); } },
    };
    ory = cachedOry(counted, { sessionTtlMs: 5000, checkTtlMs: 5000, now: () => clock });
  });

  it('asks Kratos once for a session within the TTL, and again after it', async () => {
    const ann = await registerThroughStandin(standin.url, 'Ann');
    for (let i = 0; i < 3; i++) expect((await ory.whoami({ token: ann.token }))!.identity!.id).to.equal(ann.id);
    expect(calls.whoami).to.equal(1);
    clock += 5001;
    await ory.whoami({ token: ann.token });
    expect(calls.whoami).to.equal(2);
  });

  it('never keeps "no session": a visitor who signs in is known at once', async () => {
    expect(await ory.whoami({ token: 'ory_st_not-a-session' })).to.equal(null);
    expect(await ory.whoami({ token: 'ory_st_not-a-session' })).to.equal(null);
    expect(calls.whoami).to.equal(2);
  });

  it('forgets every permission when this process writes or deletes a tuple, so a grant and a revocation take effect at once', async () => {
    const tuple = { namespace: 'Role', object: 'staff', relation: 'members', subject_id: 'cache-test-person' };
    const query = { namespace: 'Role', object: 'staff', relation: 'members', subject: 'cache-test-person' };
    expect(await ory.keto.check(query)).to.equal(false);
    expect(await ory.keto.check(query)).to.equal(false);
    expect(calls.check).to.equal(1);
    await ory.keto.write([tuple]);
    expect(await ory.keto.check(query), 'granted by us: at once').to.equal(true);
    await ory.keto.delete([tuple]);
    expect(await ory.keto.check(query), 'revoked by us: at once').to.equal(false);
  });

  it('shows a change made elsewhere (Ory\'s console, another service) when the TTL ends', async () => {
    const tuple = { namespace: 'Role', object: 'admin', relation: 'members', subject_id: 'cache-test-other' };
    const query = { namespace: 'Role', object: 'admin', relation: 'members', subject: 'cache-test-other' };
    expect(await ory.keto.check(query)).to.equal(false);
    await standin.ory.keto.write([tuple]);
    expect(await ory.keto.check(query), 'within the TTL').to.equal(false);
    clock += 5001;
    expect(await ory.keto.check(query)).to.equal(true);
    await standin.ory.keto.delete([tuple]);
  });

  it('forgets a session when its sign-out link is asked for', async () => {
    const bob = await registerThroughStandin(standin.url, 'Bob');
    const cookie = `ory_kratos_session=${bob.token}`;
    await ory.whoami({ cookie });
    await ory.selfService.logoutUrl(cookie);
    await ory.whoami({ cookie });
    expect(calls.whoami).to.equal(2);
  });
});
