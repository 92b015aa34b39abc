/**
 * The school's Telegram chat as its people meet it, on the real NocoDB, PostgreSQL and Redis,
 * the Ory stand-in and the local Bot API server: staff link the chat to a product in NocoDB and
 * grant it; each person with a proven Telegram link gets a single-use invite; their joins come
 * through the bot's webhook and are tracked; when the subscriptions end the dry run lists them
 * for staff, and the removal takes out the one who did not pay again, sparing a volunteer, the
 * group's mentor and staff, and the one who paid between the dry run and the removal.
 */
import { expect } from 'chai';
import { sweepTable } from '../../hooks/nocodb-sweep.ts';
import { createNocoApi } from '../../nocodb/client.ts';
import { schoolTables } from '../../schemas/nocodb/index.ts';
import { STAFF_VIEWS } from '../../schemas/service/staff-views.ts';
import { loginHash } from '../../extensions/account/telegram-login.ts';
import { recordPayment } from '../../extensions/billing/index.ts';
import { billingPass } from '../../extensions/billing/pass.ts';
import { inTransaction } from '../../kernel/db.ts';
import { startSchool, type School } from '../support/school.ts';
import { testSecrets, waitFor } from '../support/platform.ts';
import { startLocalTelegram, type LocalTelegram } from '../support/telegram-server.ts';
import { testLog } from '../support/stack.ts';
import type { Registered } from '../e2e/register.ts';

const CHAT = -1002345678901;
const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
const addDays = (iso: string, n: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describe('telegram access: payers in, non-payers out, volunteers spared', function () {
  this.timeout(300_000);
  let school: School;
  let tg: LocalTelegram;
  const people: Record<string, Registered & { tg: number; row: number }> = {};
  let planId = 0;
  let productId = 0;

  const sweep = async (...keys: string[]) => {
    const api = createNocoApi(school.nocodb.url, school.nocodb.token);
    for (const key of keys) await sweepTable({ api, ids: school.ids, db: school.db, inbox: school.platform.inbox, log: testLog }, schoolTables.find((t) => t.key === key)!, 5);
  };
  const user = (id: number, name: string) => ({ id, is_bot: false, first_name: name, language_code: 'ru' });
  const chat = { id: CHAT, title: 'Клуб системного мышления', username: 'systems_club', type: 'supergroup' };
  let updateId = 854310250;
  const deliver = (update: Record<string, unknown>) => tg.deliver(`${school.platform.url}/hooks/telegram`, testSecrets.telegram, { update_id: updateId++, ...update });
  const joins = (p: { tg: number }, name: string, inviteLink?: string) => deliver({
    chat_member: {
      chat, from: user(p.tg, name), date: Math.floor(Date.now() / 1000),
      old_chat_member: { user: user(p.tg, name), status: 'left' }, new_chat_member: { user: user(p.tg, name), status: 'member' },
      ...(inviteLink ? { invite_link: { invite_link: inviteLink, name: 'school', creator: { id: tg.bot.id, is_bot: true, first_name: tg.bot.first_name }, creates_join_request: false, is_primary: false, is_revoked: false } } : {}),
    },
  });
  const linkTelegram = async (p: Registered, tgId: number) => {
    const fields = { id: String(tgId), first_name: 'Тест', auth_date: String(Math.floor(Date.now() / 1000) - 10) };
    const res = await fetch(`${school.platform.url}/api/account/telegram`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-session-token': p.token }, body: JSON.stringify({ ...fields, hash: loginHash(fields, tg.token) }),
    });
    expect(res.status, `linking ${tgId}: ${await res.clone().text()}`).to.equal(200);
  };

  before(async () => {
    tg = await startLocalTelegram();
    school = await startSchool('tg_access', { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_URL: tg.url, TELEGRAM_REMOVAL_GRACE_DAYS: '0' });
    const ids: Record<string, number> = { ann: 501234567, paul: 501234568, vera: 501234569, mike: 501234570, sam: 501234571 };
    for (const [name, tgId] of Object.entries(ids)) {
      const r = await school.register(name[0]!.toUpperCase() + name.slice(1));
      const [row] = await waitFor(`${name}'s People row`, async () => {
        const list = await school.rows.list('people', { where: `(IdentityId,eq,${r.id})` });
        return list.length > 0 && list;
      }, 20_000);
      await linkTelegram(r, tgId);
      people[name] = { ...r, tg: tgId, row: row!.Id };
    }
    await school.standin.ory.identities.setRoles(people.sam!.id, ['staff']);
  });
  after(async () => { await school?.close(); await tg?.close(); });

  it('gives each entitled person with a proven Telegram link a single-use invite, and tracks their join from the webhook', async () => {
    await sweep('products', 'plans', 'prices', 'grants', 'groups', 'mentors'); // the sweeper's first round: from now on
    // Staff, in NocoDB: the product with its chat, a monthly plan with a price, a mentor-led group on that plan, its mentor.
    const [product] = await school.rows.insert('products', [{ Title: 'БР', Code: 'br', Kind: 'subscription', TelegramChat: String(CHAT) }]);
    const [plan] = await school.rows.insert('plans', [{ Title: 'БР, месяц', Duration: 'month', Jurisdiction: 'ru', Currency: 'RUB', RenewalPrice: 'price at renewal' }]);
    productId = product!.Id;
    planId = plan!.Id;
    await school.rows.link('products', 'Plans', productId, [planId]);
    const [price] = await school.rows.insert('prices', [{ AmountMinor: 100_000, ValidFrom: '2025-01-01' }]);
    await school.rows.link('plans', 'Prices', planId, [price!.Id]);
    const [group] = await school.rows.insert('groups', [{ Title: 'Поток 12', Mode: 'mentor_led' }]);
    await school.rows.link('plans', 'Groups', planId, [group!.Id]);
    const [mentor] = await school.rows.insert('mentors', [{ Name: 'Mike', Active: true }]);
    await school.rows.link('people', 'Mentoring', people.mike!.row, [mentor!.Id]);
    await school.rows.link('mentors', 'Groups', mentor!.Id, [group!.Id]);
    await sweep('products', 'plans', 'prices', 'groups', 'mentors');
    await school.capabilities.billing.resyncCatalogNow();
    await school.capabilities.identity.reconcile({ dryRun: false });

    // Everyone holds it, granted by staff.
    // As staff fill the grid: the row, its person and plan, then the reason (a link alone fires no webhook).
    for (const name of ['ann', 'paul', 'vera', 'mike', 'sam']) {
      const [grant] = await school.rows.insert('grants', [{ Kind: 'free' }]);
      await school.rows.link('people', 'Grants', people[name]!.row, [grant!.Id]);
      await school.rows.link('plans', 'Grants', planId, [grant!.Id]);
      await school.rows.update('grants', [{ Id: grant!.Id, Reason: 'тест доступа к чату' }]);
    }
    await sweep('grants');
    await waitFor('five holders', async () => (await school.db.query('select count(*)::int as n from billing_entitlement where product_id = $1', [productId])).rows[0].n === 5, 30_000);

    await school.capabilities.telegramAccess.passNow();
    const annLinks = await waitFor('Ann\'s invite link', async () => {
      const l = await school.capabilities.telegramAccess.inviteLinksFor(people.ann!.id, productId);
      return l.length > 0 && l;
    });
    expect(annLinks).to.have.length(1);
    expect(annLinks[0]!.chatId).to.equal(CHAT);
    const call = tg.callsOf('createChatInviteLink').find((c) => String(c.params.name).includes(people.ann!.id.slice(0, 8)));
    expect(call, 'the bot asked Telegram for Ann\'s link').to.not.equal(undefined);
    expect(call!.params).to.include({ chat_id: CHAT, member_limit: 1 });
    expect(call!.params.expire_date, 'it expires in about a week').to.be.within(Date.now() / 1000 + 6 * 86_400, Date.now() / 1000 + 8 * 86_400);
    expect(tg.callsOf('createChatInviteLink').filter((c) => c.params.name === call!.params.name), 'one link for her, however many rounds').to.have.length(1);
    expect(await school.capabilities.telegramAccess.inviteLinksFor(people.ann!.id, productId + 1000), 'another product opens nothing').to.deep.equal([]);

    // Her own page shows it.
    const page = await fetch(`${school.platform.url}/chats`, { headers: { 'x-session-token': people.ann!.token } });
    expect(page.status).to.equal(200);
    expect(await page.text()).to.contain('Вступить в чат').and.contain(annLinks[0]!.inviteLink);

    // The bot is made an administrator, then everyone joins (Ann by her link); a stranger is in the chat too.
    expect(await deliver({ my_chat_member: {
      chat, from: user(423456789, 'Olga'), date: Math.floor(Date.now() / 1000),
      old_chat_member: { user: { ...tg.bot, is_bot: true }, status: 'member' }, new_chat_member: { user: { ...tg.bot, is_bot: true }, status: 'administrator', can_restrict_members: true, can_invite_users: true },
    } })).to.equal(202);
    expect(await joins(people.ann!, 'Ann', annLinks[0]!.inviteLink)).to.equal(202);
    for (const name of ['paul', 'vera', 'mike', 'sam']) await joins(people[name]!, name);
    await joins({ tg: 699999999 }, 'Stranger');
    await waitFor('six members tracked', async () => (await school.db.query('select count(*)::int as n from telegram_access_member where chat_id = $1 and in_chat', [CHAT])).rows[0].n === 6);
    const used = (await school.db.query('select used_at from telegram_access_invite where invite_link = $1', [annLinks[0]!.inviteLink])).rows[0];
    expect(used.used_at, 'her link is used').to.not.equal(null);
    expect(await school.capabilities.telegramAccess.inviteLinksFor(people.ann!.id), 'a used link is not offered again').to.deep.equal([]);
    expect((await school.db.query('select status, admin_since from telegram_access_bot_chat where chat_id = $1', [CHAT])).rows[0].status).to.equal('administrator');
  });

  it('lists non-payers in the dry run, then removes only them: the volunteer, the mentor, staff and one who just paid stay', async () => {
    // Staff keep Vera as a volunteer of this chat.
    const [volunteer] = await school.rows.insert('telegram_volunteers', [{ TelegramChat: String(CHAT), Reason: 'ведёт разборы в чате' }]);
    await school.rows.link('telegram_volunteers', 'Person', volunteer!.Id, [people.vera!.row]);
    await school.capabilities.identity.reconcile({ dryRun: false });
    // The month ends: the billing pass on a day after it.
    const today = day(new Date());
    expect((await billingPass(school.db, addDays(today, 40))).expired).to.be.at.least(5);
    expect((await school.db.query('select count(*)::int as n from billing_entitlement where product_id = $1', [productId])).rows[0].n).to.equal(0);

    await school.capabilities.telegramAccess.passNow(); // NocoDB's volunteers read, grants lapsed
    const run = await school.capabilities.telegramAccess.dryRunNow();
    const listed = (await school.db.query(`select telegram_user_id, person_id, decision, reason, outcome from telegram_access_removals where run_id = $1 order by telegram_user_id`, [run.runId])).rows;
    const of = (p: { tg: number }) => listed.find((r) => Number(r.telegram_user_id) === p.tg);
    expect(STAFF_VIEWS, 'staff read the dry run in NocoDB').to.include('telegram_access_removals');
    expect(of(people.ann!)).to.deep.include({ decision: 'remove', outcome: 'listed: to be removed' });
    expect(of(people.paul!)).to.deep.include({ decision: 'remove' });
    expect(of(people.vera!)).to.deep.include({ decision: 'spared', reason: 'volunteer: ведёт разборы в чате' });
    expect(of(people.mike!)!.decision).to.equal('spared');
    expect(of(people.mike!)!.reason).to.match(/^mentor of group \d+$/);
    expect(of(people.sam!)).to.deep.include({ decision: 'spared', reason: 'staff' });
    expect(of({ tg: 699999999 })).to.deep.include({ decision: 'unknown', person_id: null });
    expect(tg.callsOf('banChatMember'), 'a dry run removes nobody').to.have.length(0);

    // Paul pays between the dry run and the removal.
    await inTransaction(school.db, (tx) => recordPayment(tx, {
      paymentId: 'tg-access-paul-1', provider: 'moneta', personId: people.paul!.id, planId, amountMinor: 100_000, currency: 'RUB', paidAt: new Date(), today,
    }));
    const done = await school.capabilities.telegramAccess.removeNow(run.runId);
    expect(done).to.deep.equal({ removed: 1, kept: 1, failed: 0 });
    const bans = tg.callsOf('banChatMember');
    const unbans = tg.callsOf('unbanChatMember');
    expect(bans.map((c) => c.params.user_id)).to.deep.equal([people.ann!.tg]);
    expect(unbans.map((c) => [c.params.user_id, c.params.only_if_banned])).to.deep.equal([[people.ann!.tg, true]]);
    expect(bans[0]!.at).to.be.at.most(unbans[0]!.at);
    const after = (await school.db.query(`select telegram_user_id, outcome, done_at from telegram_access_removals where run_id = $1 and decision = 'remove' order by telegram_user_id`, [run.runId])).rows;
    expect(after.map((r) => [Number(r.telegram_user_id), r.outcome])).to.deep.equal([[people.ann!.tg, 'removed'], [people.paul!.tg, 'kept: holds access again']]);
    expect(after[0].done_at, 'when').to.not.equal(null);

    // A second removal of the same run does nothing more.
    expect(await school.capabilities.telegramAccess.removeNow(run.runId)).to.deep.equal({ removed: 0, kept: 0, failed: 0 });
    expect(tg.callsOf('banChatMember')).to.have.length(1);
  });

  it('approves the join request of a person who holds the chat\'s product and declines a stranger\'s', async () => {
    const request = (tgId: number, name: string) => deliver({
      chat_join_request: { chat, from: user(tgId, name), user_chat_id: tgId, date: Math.floor(Date.now() / 1000), bio: 'учусь' },
    });
    expect(await request(people.paul!.tg, 'Paul')).to.equal(202); // paid again
    expect(await request(people.ann!.tg, 'Ann')).to.equal(202); // her access ended
    expect(await request(688888888, 'Stranger')).to.equal(202);
    await waitFor('three answers', async () => tg.callsOf('approveChatJoinRequest').length + tg.callsOf('declineChatJoinRequest').length >= 3);
    expect(tg.callsOf('approveChatJoinRequest').map((c) => c.params.user_id)).to.deep.equal([people.paul!.tg]);
    expect(tg.callsOf('declineChatJoinRequest').map((c) => c.params.user_id).sort()).to.deep.equal([people.ann!.tg, 688888888].sort());
    const recorded = (await school.db.query('select telegram_user_id, decision, reason from telegram_access_join_requests order by telegram_user_id')).rows;
    expect(recorded.find((r) => Number(r.telegram_user_id) === 688888888)).to.deep.include({ decision: 'declined', reason: 'no proven Telegram link to a person of the school' });
  });
});
