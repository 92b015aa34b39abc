import { expect } from 'chai';
import { collected, discoursePost, pointsHarness, text, type PointsHarness } from './harness.ts';

describe('points: people who appear later, and ambassadors', () => {
  let h: PointsHarness;

  before(async () => {
    h = await pointsHarness('people');
    await h.rule({ Id: 1, Kind: 'telegram_note', Points: 1, PerCharacter: 0.1, EffectiveFrom: '2025-01-01', AmbassadorShare: 0.5 }, 'insert');
    await h.rule({ Id: 2, Kind: 'club_post', Points: 2, EffectiveFrom: '2025-01-01', AmbassadorShare: 0.5 }, 'insert');
    await h.rule({ Id: 3, Kind: 'author_question', Points: 4, EffectiveFrom: '2025-01-01', AmbassadorShare: 0.5 }, 'insert');
  });

  const note = (noteId: string, telegramUserId: number, body: string) => ({
    topic: 'telegram.note',
    payload: { update_id: Math.floor(Math.random() * 1e9), note_id: noteId, telegram_user_id: telegramUserId, text: body, date: '2025-03-01T08:00:00.000Z', edited: false },
  });

  it('parks notes of an unknown Telegram user and counts them once the person proves that Telegram account (the id in their profile alone links nothing)', async () => {
    await h.deliver([note('1:1', 4242, text(30)), note('1:2', 4242, text(50))]);
    const { rows: parked } = await h.db.pool.query(`select key, resolved_at from points_parked order by key`);
    expect(parked.map((p) => [p.key, p.resolved_at])).to.deep.equal([['telegram:note:1:1', null], ['telegram:note:1:2', null]]);
    const cora = await h.registerPerson({ telegramId: 4242 });
    expect(await h.balance(cora), 'a Telegram id typed into the profile is a claim').to.equal(0);
    await h.proveTelegram(cora, 4242);
    expect(await h.balance(cora)).to.equal(4 + 6);
    // A repeat of a parked note after the person appeared has no second effect.
    await h.deliver([note('1:1', 4242, text(30))]);
    expect(await h.balance(cora)).to.equal(10);
  });

  it('links a Discourse account by the person\'s verified e-mail, whichever of the account and the person comes first', async () => {
    const post = (id: number, userId: number, username: string) => ({ topic: 'discourse.post_created', payload: discoursePost({ id, userId, username, raw: text(40), createdAt: '2025-03-01T09:00:00Z' }) });
    // Account first: its posts park; the e-mail waits for its person.
    await h.deliver([post(501, 77, 'dan'), { topic: 'discourse.user_created', payload: { user: { id: 77, username: 'dan', email: 'Dan@School.test' } } }]);
    const dan = await h.registerPerson({ email: 'dan@school.test', verified: true });
    expect(await h.balance(dan)).to.equal(2);
    // Person first: the account links at once and its later posts count directly.
    const eve = await h.registerPerson({ email: 'eve@school.test', verified: true });
    await h.deliver([post(502, 78, 'eve'), { topic: 'discourse.user_created', payload: { user: { id: 78, username: 'eve', email: 'eve@school.test' } } }]);
    expect(await h.balance(eve)).to.equal(2);
    await h.deliver([post(503, 78, 'eve')]);
    expect(await h.balance(eve)).to.equal(4);
  });

  it('takes a club user name named at registration as a claim: the posts made before count once the club account\'s e-mail is the person\'s verified one', async () => {
    await h.deliver([{ topic: 'discourse.post_created', payload: discoursePost({ id: 601, userId: 91, username: 'Gleb_K', raw: text(40), createdAt: '2025-03-01T09:00:00Z' }) }]);
    // The registration form sends the club user name as transient_payload: Kratos keeps no such trait.
    const gleb = await h.registerPerson({ clubUsername: 'gleb_k', email: 'gleb@school.test', verified: true });
    expect(await h.balance(gleb), 'anyone can type anyone\'s club name').to.equal(0);
    await h.deliver([{ topic: 'discourse.user_created', payload: { user: { id: 91, username: 'Gleb_K', email: 'gleb@school.test' } } }]);
    expect(await h.balance(gleb)).to.equal(2);
    const { rows } = await h.db.pool.query(`select source, linked_at is not null as linked from points_alias_claim where person_id = $1 order by source`, [gleb]);
    expect(rows, 'both claims are fulfilled: the e-mail by its verification, the club name by the account\'s e-mail').to.deep.equal([
      { source: 'discourse_username', linked: true }, { source: 'email', linked: true }]);
  });

  it('does not let a second person claim an account that is already linked', async () => {
    const mallory = await h.registerPerson({ telegramId: 4242 });
    await h.deliver([note('1:3', 4242, text(10))]);
    expect(await h.balance(mallory)).to.equal(0);
  });

  it('gives an ambassador the rule\'s share of a referred person\'s points, also for activity before the link', async () => {
    const amb = await h.registerPerson({});
    const web = await h.http();
    const { code } = await (await fetch(`${web.url}/people/${amb}/referral-code`, { method: 'POST' })).json() as { code: string };
    const again = await (await fetch(`${web.url}/people/${amb}/referral-code`, { method: 'POST' })).json() as { code: string };
    expect(again.code).to.equal(code);
    // The friend registers with the code (lower-cased by hand); their app reports a question
    // before the registration web hook comes through.
    const { id: friend, hook } = await h.signUp({ referralCode: code.toLowerCase(), telegramId: 9001 });
    await h.deliver([collected(friend, 'author_question', 'q1', '2025-03-01T10:00:00Z')]);
    expect(await h.balance(friend)).to.equal(4);
    await h.deliverHook(hook);
    expect(await h.balance(amb), 'share of the question asked before the link').to.equal(2);
    await h.proveTelegram(friend, 9001);
    await h.deliver([note('2:1', 9001, text(40))]);
    expect(await h.balance(friend)).to.equal(4 + 5);
    expect(await h.balance(amb)).to.equal(2 + 2);
    expect(await h.balance(friend), 'the share is the ambassador\'s extra, not taken from the friend').to.equal(9);
    const { referrals } = await (await fetch(`${web.url}/people/${amb}/referrals`)).json() as { referrals: { personId: string; points: number }[] };
    expect(referrals.map((r) => [r.personId, r.points])).to.deep.equal([[friend, 4]]);
    const lines = await h.lines(amb);
    expect(lines.every((l) => l.role === 'ambassador')).to.equal(true);
    await web.close();
  });

  it('does not link a person to their own code', async () => {
    // Kratos cannot send this (the code is made for an identity that exists): the body is
    // the stand-in's, with the person's own code put into its transient payload.
    const { id: self, hook } = await h.signUp({});
    const web = await h.http();
    const { code } = await (await fetch(`${web.url}/people/${self}/referral-code`, { method: 'POST' })).json() as { code: string };
    const payload = hook.payload as Record<string, unknown>;
    await h.deliverHook({ ...hook, payload: { ...payload, transient_payload: { referral_code: code } } });
    const { rows } = await h.db.pool.query('select count(*)::int as n from points_referral where person_id = $1', [self]);
    expect(rows[0].n).to.equal(0);
    await web.close();
  });
});
