/**
 * Verified links only (issue 12): a club account, a Telegram account or an e-mail becomes a
 * person's only through a proof (a verified address in Kratos, a Telegram Login Widget
 * payload signed for the school's bot); what a person only says waits as a claim, shown to
 * staff in identity_pending_links. On real PostgreSQL and the Ory stand-in, the Telegram link
 * through the account capability's HTTP API and page, as the service mounts them.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { register as registerAccount } from '../../extensions/account/index.ts';
import { webhookBody } from '../../ory/standin/webhook.ts';
import { testLog } from '../support/stack.ts';
import { verifyAddress } from '../support/verify-address.ts';
import { discoursePost, pointsHarness, serveCapabilities, text, type PointsHarness } from './harness.ts';

/** The school's bot in these tests; another bot's token makes a forgery. */
const BOT_TOKEN = '5550001111:AAtest-bot-token-of-the-school';

/** A Login Widget payload signed as core.telegram.org/widgets/login#checking-authorization says Telegram signs it. */
function signed(fields: Record<string, string>, token = BOT_TOKEN): Record<string, string> {
  const checkString = Object.keys(fields).sort().map((k) => `${k}=${fields[k]}`).join('\n');
  const hash = createHmac('sha256', createHash('sha256').update(token).digest()).update(checkString).digest('hex');
  return { ...fields, hash };
}

describe('points and account: verified links only', function () {
  this.timeout(120_000);
  let h: PointsHarness;
  let web: { origin: string; close(): Promise<void> };

  const pending = async (identityId: string) => (await h.db.pool.query(
    `select kind, value, waiting_for, linked_to_another_person, claimed_in from identity_pending_links where identity_id = $1 order by kind, value`, [identityId])).rows;
  const links = async (personId: string) => (await h.db.pool.query(
    `select source, external_id, proof from points_person_alias where person_id = $1 order by source, external_id`, [personId])).rows;
  const note = (noteId: string, telegramUserId: number, body: string) => ({
    topic: 'telegram.note',
    payload: { update_id: Math.floor(Math.random() * 1e9), note_id: noteId, telegram_user_id: telegramUserId, text: body, date: '2025-03-01T08:00:00.000Z', edited: false },
  });
  const login = (id: number, ageSeconds = 60, token = BOT_TOKEN) =>
    signed({ id: String(id), first_name: 'Иван', username: 'ivan_tg', auth_date: String(Math.floor(h.clock.now.getTime() / 1000) - ageSeconds) }, token);
  const api = async (sessionToken: string | undefined, body: unknown, lang?: string) => {
    const res = await fetch(`${web.origin}/api/account/telegram${lang ? `?lang=${lang}` : ''}`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...(sessionToken ? { 'x-session-token': sessionToken } : {}) }, body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() as any };
  };

  before(async () => {
    h = await pointsHarness('verified_links');
    await h.rule({ Id: 1, Kind: 'telegram_note', Points: 1, PerCharacter: 0.1, EffectiveFrom: '2025-01-01' }, 'insert');
    await h.rule({ Id: 2, Kind: 'club_post', Points: 2, EffectiveFrom: '2025-01-01' }, 'insert');
    const standin = await h.standin();
    const account = registerAccount({
      ory: standin.ory, publicUrl: 'https://school.test', clock: () => h.clock.now, onStart: h.points.links.fromSession, log: testLog,
      telegram: { botToken: BOT_TOKEN, botUsername: 'school_test_bot', link: h.points.links.telegram, of: h.points.links.of },
    });
    web = await serveCapabilities([account]);
  });
  after(() => web?.close());

  it('gives nothing to whoever registers another person\'s e-mail first: the club account and its posts wait until the address is verified', async () => {
    // Vic's club account and its posts exist before anyone registers her address.
    await h.deliver([
      { topic: 'discourse.post_created', payload: discoursePost({ id: 901, userId: 301, username: 'vic', raw: text(40), createdAt: '2025-03-01T09:00:00Z' }) },
      { topic: 'discourse.user_created', payload: { user: { id: 301, username: 'vic', email: 'vic@school.test' } } },
    ]);
    const first = await h.registerPerson({ email: 'vic@school.test' });
    expect(await h.balance(first), 'an unverified address earns nothing').to.equal(0);
    expect(await links(first), 'and links nothing').to.deep.equal([]);
    expect(await pending(first), 'staff see the claim').to.deep.equal([
      { kind: 'email', value: 'vic@school.test', waiting_for: 'email_verification', linked_to_another_person: false, claimed_in: 'registration' },
    ]);
    expect(await h.points.links.settleClaims(), 'the loop asks Kratos: still unverified').to.deep.equal({ checked: 1, linked: 0 });
    expect(await h.balance(first)).to.equal(0);

    // Only whoever reads vic@school.test's mail can enter the code Kratos sent there.
    await verifyAddress((await h.standin()).url, 'vic@school.test');
    expect(await h.points.links.settleClaims(), 'the claim waits a little longer after each look').to.deep.equal({ checked: 0, linked: 0 });
    await h.db.pool.query(`update points_alias_claim set next_check_at = now() where person_id = $1`, [first]); // two minutes pass
    expect(await h.points.links.settleClaims(), 'the next look links the address and the club account that waited for it').to.deep.equal({ checked: 1, linked: 3 });
    expect(await h.balance(first), 'the post made before counts').to.equal(2);
    expect(await links(first)).to.deep.equal([
      { source: 'discourse_user', external_id: '301', proof: 'club_email' },
      { source: 'discourse_username', external_id: 'vic', proof: 'club_email' },
      { source: 'email', external_id: 'vic@school.test', proof: 'verified_email' },
    ]);
    expect(await pending(first), 'nothing waits any more').to.deep.equal([]);
  });

  it('links at once when Kratos\' hook body shows the address verified (a profile change after the verification)', async () => {
    const email = `wen.${randomUUID().slice(0, 8)}@school.test`;
    const wen = await h.registerPerson({ email });
    const standin = await h.standin();
    await verifyAddress(standin.url, email);
    const { metadata_admin: _admin, ...identity } = (await standin.raw('GET', `/admin/identities/${wen}`)).body;
    await h.deliver([{ topic: 'kratos.settings', payload: webhookBody({ identity, flow: { id: randomUUID(), type: 'api', active: 'profile' } }) }]);
    expect(await links(wen)).to.deep.equal([{ source: 'email', external_id: email, proof: 'verified_email' }]);
    expect(await pending(wen)).to.deep.equal([]);
  });

  it('links a verified e-mail as soon as the person lands on the start page, where Kratos sends them after the verification', async () => {
    const email = `yan.${randomUUID().slice(0, 8)}@school.test`;
    await h.deliver([
      { topic: 'discourse.post_created', payload: discoursePost({ id: 951, userId: 351, username: 'yan', raw: text(40), createdAt: '2025-03-01T09:00:00Z' }) },
      { topic: 'discourse.user_created', payload: { user: { id: 351, username: 'yan', email } } },
    ]);
    const yan = await h.signUp({ email });
    await h.deliverHook(yan.hook);
    await verifyAddress((await h.standin()).url, email);
    expect(await h.balance(yan.id), 'not linked before the next look').to.equal(0);
    const start = await fetch(`${web.origin}/`, { redirect: 'manual', headers: { 'x-session-token': yan.token } });
    expect([start.status, start.headers.get('location')]).to.deep.equal([303, '/workbooks']);
    expect(await h.balance(yan.id), 'the club post counts').to.equal(2);
    expect(await pending(yan.id)).to.deep.equal([]);
  });

  it('links a Telegram account only by a Login Widget payload signed for the school\'s bot, refusing a forged or old one with its reason', async () => {
    await h.deliver([note('51:1', 5151, text(30)), note('51:2', 5151, text(50))]);
    // Mallory types Ivan's Telegram id into her profile: a claim, nothing more.
    const mallory = await h.signUp({ telegramId: 5151 });
    await h.deliverHook(mallory.hook);
    expect(await h.balance(mallory.id)).to.equal(0);
    expect(await pending(mallory.id)).to.deep.include({ kind: 'telegram', value: '5151', waiting_for: 'telegram_login', linked_to_another_person: false, claimed_in: 'registration' });

    const ivan = await h.signUp({ name: 'Ivan' });
    await h.deliverHook(ivan.hook);
    expect((await api(undefined, login(5151))).status, 'no session').to.equal(401);

    const forged = await api(ivan.token, login(5151, 60, '5550002222:another-bot'));
    expect(forged.status).to.equal(403);
    expect(forged.body.error).to.deep.include({ code: 'TELEGRAM_LOGIN_FORGED', details: { reason: 'forged' } });
    expect(forged.body.error.message, 'in Russian by default').to.match(/Подпись данных Telegram неверна/);
    const tampered = await api(ivan.token, { ...login(5152), id: '5151' }, 'en');
    expect([tampered.status, tampered.body.error.code]).to.deep.equal([403, 'TELEGRAM_LOGIN_FORGED']);
    expect(tampered.body.error.message).to.match(/not signed for the school's bot/);
    const old = await api(ivan.token, login(5151, 2 * 86_400));
    expect([old.status, old.body.error.code, old.body.error.details.reason]).to.deep.equal([400, 'TELEGRAM_LOGIN_EXPIRED', 'expired']);
    const { hash: _hash, ...unsigned } = login(5151);
    expect((await api(ivan.token, unsigned)).body.error).to.deep.include({ code: 'TELEGRAM_LOGIN_INVALID', details: { reason: 'malformed' } });
    expect(await h.balance(ivan.id), 'nothing refused linked anything').to.equal(0);

    const proof = login(5151);
    const linked = await api(ivan.token, proof);
    expect(linked.status, JSON.stringify(linked.body)).to.equal(200);
    expect(linked.body).to.deep.equal({ telegram: { id: '5151', username: 'ivan_tg' }, result: 'linked' });
    expect(await h.balance(ivan.id), 'the notes written before count').to.equal(4 + 6);
    expect(await links(ivan.id)).to.deep.equal([{ source: 'telegram', external_id: '5151', proof: 'telegram_login' }]);
    expect((await api(ivan.token, proof)).body.result, 'the same form sent twice').to.equal('already');

    const replayed = await api(mallory.token, proof);
    expect([replayed.status, replayed.body.error.code]).to.deep.equal([409, 'TELEGRAM_LOGIN_REUSED']);
    // Ivan's second school account signs in with the same Telegram: it stays with the first.
    const second = await h.signUp({ name: 'Ivan2' });
    await h.deliverHook(second.hook);
    const taken = await api(second.token, login(5151, 30));
    expect([taken.status, taken.body.error.code]).to.deep.equal([409, 'TELEGRAM_ACCOUNT_TAKEN']);
    expect(await pending(second.id), 'staff see it').to.deep.include(
      { kind: 'telegram', value: '5151', waiting_for: 'telegram_login', linked_to_another_person: true, claimed_in: 'telegram_login' });
    expect(await pending(mallory.id), 'Mallory\'s claim: someone else\'s link').to.deep.include({ kind: 'telegram', value: '5151', waiting_for: 'telegram_login', linked_to_another_person: true, claimed_in: 'registration' });

    await h.deliver([note('51:3', 5151, text(40))]);
    expect(await h.balance(ivan.id)).to.equal(10 + 5);
    expect(await h.balance(mallory.id)).to.equal(0);
  });

  it('links through the page too: the widget sends the browser back with its payload, the page asks, the form links', async () => {
    await h.deliver([note('61:1', 6161, text(30))]);
    const olga = await h.signUp({ name: 'Olga', telegramId: 6161 });
    await h.deliverHook(olga.hook);
    const page = (path: string, init: RequestInit = {}) => fetch(`${web.origin}${path}`, { redirect: 'manual', ...init, headers: { 'x-session-token': olga.token, ...init.headers } });

    const status = await page('/account/telegram');
    const html = await status.text();
    expect(status.status).to.equal(200);
    expect(html).to.include('data-telegram-login="school_test_bot"').and.include('data-auth-url="https://school.test/account/telegram"');
    expect(html, 'the claim from her profile').to.include('6161');

    const forged = await page(`/account/telegram?${new URLSearchParams(login(6161, 60, '5550002222:another-bot'))}`);
    expect(forged.status).to.equal(403);
    expect(await forged.text()).to.include('Подпись данных Telegram неверна');

    const payload = login(6161);
    const ask = await page(`/account/telegram?${new URLSearchParams(payload)}`);
    expect(ask.status).to.equal(200);
    expect(ask.headers.get('referrer-policy')).to.equal('no-referrer');
    const form = await ask.text();
    expect(form).to.include('method="post"').and.include(`value="${payload.hash}"`);
    expect(await h.balance(olga.id), 'opening the page links nothing').to.equal(0);

    const done = await page('/account/telegram', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(payload).toString() });
    expect(done.status).to.equal(200);
    expect(await done.text()).to.include('Telegram связан');
    expect(await h.balance(olga.id)).to.equal(4);
    expect((await pending(olga.id)).map((p) => p.kind), 'her Telegram claim is fulfilled (her e-mail is not verified yet)').to.deep.equal(['email']);

    const visitor = await fetch(`${web.origin}/account/telegram`, { redirect: 'manual' });
    expect(visitor.status, 'a visitor is sent to sign in').to.equal(303);
    expect(visitor.headers.get('location')).to.match(/\/self-service\/login\/browser\?return_to=https%3A%2F%2Fschool\.test%2Faccount%2Ftelegram/);
  });
});
