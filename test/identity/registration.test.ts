/**
 * Kratos -> CRM through the real path: the stand-in's API registration calls the after-
 * registration web hook on the platform, the inbox hands it to the identity capability,
 * which makes the contact and the people row in the real NocoDB.
 */
import { expect } from 'chai';
import type { Consumer } from '../../kernel/capability.ts';
import { testLog } from '../support/stack.ts';
import { waitFor } from '../support/platform.ts';
import { identityHarness, type IdentityHarness } from './harness.ts';

describe('identity: a registration becomes one CRM contact', function () {
  this.timeout(240_000);
  let h: IdentityHarness;
  let crm: Consumer;

  before(async () => {
    h = await identityHarness('crm');
    crm = h.identity.consumers!.find((c) => c.name === 'identity-crm')!;
  });
  after(async () => h?.close());
  afterEach(() => {
    expect(h.standin.contractFailures, h.standin.contractFailures.join('\n')).to.deep.equal([]);
  });

  const mapping = async (identityId: string) =>
    (await h.db.pool.query('select contact_id, person_id, source from identity_contact where identity_id = $1', [identityId])).rows;

  /** Runs the CRM consumer on an event in its own transaction; `crash` rolls it back as a killed process would. */
  async function handle(payload: unknown, crash: boolean) {
    const tx = await h.db.pool.connect();
    try {
      await tx.query('begin');
      await crm.handle({ id: '0', source: 'kratos', deliveryId: 'test', topic: 'kratos.registration', payload, receivedAt: new Date() }, { tx, log: testLog });
      await tx.query(crash ? 'rollback' : 'commit');
    } finally {
      tx.release();
    }
  }

  it('creates exactly one contact and one people row, even when the web hook is delivered twice', async () => {
    const ann = await h.signUp('Ann', { telegram: { username: 'ann_test' }, locale: 'en', jurisdiction: 'world', time_zone: 'Europe/Moscow' }, { referral_code: 'AMB1' });
    const contact = await waitFor('the contact in NocoDB', async () => (await h.byIdentity('contacts', ann.id))[0], 20_000);
    expect(contact).to.include({ Email: ann.email, Name: 'Ann Test', TelegramUsername: 'ann_test', Jurisdiction: 'world', Source: 'registration' });

    const again = await h.postKratosHook('registration', ann.hookBody);
    expect(again.status, 'the repeated delivery is acknowledged').to.equal(202);
    expect(again.body).to.deep.equal({ accepted: 0, duplicates: 1 });
    await new Promise((r) => setTimeout(r, 1500));

    expect(await h.byIdentity('contacts', ann.id), 'contacts of the identity').to.have.length(1);
    const people = await h.byIdentity('people', ann.id);
    expect(people, 'people rows of the identity').to.have.length(1);
    expect(people[0]).to.include({ Email: ann.email, TelegramUsername: 'ann_test', Locale: 'en' });
    expect(await mapping(ann.id)).to.deep.equal([{ contact_id: contact.Id, person_id: people[0]!.Id, source: 'registration' }]);
  });

  it('does not make a second contact when a crash lost the commit after NocoDB\'s insert', async () => {
    // An identity made through the admin API fires no hook (kratos#3033): the consumer is driven by hand.
    const bob = await h.standin.ory.identities.create({ traits: { email: 'bob.crash@school.test', name: { first: 'Bob' } } });
    const payload = { identity: { id: bob.id, traits: bob.traits }, flow_id: 'flow-1' };
    await handle(payload, true);
    expect(await h.byIdentity('contacts', bob.id), 'the first attempt reached NocoDB').to.have.length(1);
    expect(await mapping(bob.id), 'and its commit was lost').to.deep.equal([]);

    await handle(payload, false);
    const contacts = await h.byIdentity('contacts', bob.id);
    expect(contacts, 'contacts after the retry').to.have.length(1);
    expect(await h.byIdentity('people', bob.id)).to.have.length(1);
    expect((await mapping(bob.id))[0]).to.include({ contact_id: contacts[0]!.Id });
  });

  it('updates the same contact when the person changes their profile, and an older delivery handled later does not undo it', async () => {
    const cem = await h.signUp('Cem');
    await waitFor('the contact', async () => (await h.byIdentity('contacts', cem.id))[0], 20_000);
    const identity = {
      ...(cem.hookBody.identity as Record<string, unknown>), updated_at: new Date().toISOString(),
      traits: { email: cem.email, name: { first: 'Джем', last: 'Тест' }, telegram: { id: 777, username: 'cem_t' } },
    };
    expect((await h.postKratosHook('settings', { identity, flow_id: 'settings-1' })).status).to.equal(202);

    const person = await waitFor('the updated people row', async () => {
      const [p] = await h.byIdentity('people', cem.id);
      return p?.Name === 'Джем Тест' && p;
    }, 20_000);
    expect(person).to.include({ TelegramId: '777', TelegramUsername: 'cem_t' });
    const contacts = await h.byIdentity('contacts', cem.id);
    expect(contacts).to.have.length(1);
    expect(contacts[0]).to.include({ Name: 'Джем Тест', TelegramUsername: 'cem_t', Source: 'registration' });

    // The registration's older traits, handled late (a retry, a slow worker), change nothing.
    await handle(cem.hookBody, false);
    expect((await h.byIdentity('contacts', cem.id))[0]).to.include({ Name: 'Джем Тест' });
    expect((await h.byIdentity('people', cem.id))[0]).to.include({ Name: 'Джем Тест' });
  });
});
