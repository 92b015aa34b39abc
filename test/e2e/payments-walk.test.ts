/**
 * Issue 14's "done when", walked as the school's people and its senders do it, on the real
 * NocoDB, PostgreSQL and Redis with the local Moneta and Telegram servers: Anna buys a seminar
 * through Moneta's form and a subscription through the school's bot in Stars; each is booked
 * once however often the sender repeats it, and each time she is told what next on Telegram
 * with the invite to the product's chat. When the subscription ends she is removed from its
 * chat (banned and unbanned, so she may come back), and Vera, a volunteer there, is not.
 */
import { expect } from 'chai';
import { loginHash } from '../../extensions/account/telegram-login.ts';
import { billingPass } from '../../extensions/billing/pass.ts';
import { startSchool, type School } from '../support/school.ts';
import { startMonetaServer, type MonetaServer } from '../support/moneta-server.ts';
import { startLocalTelegram, type LocalTelegram } from '../support/telegram-server.ts';
import { testSecrets, waitFor } from '../support/platform.ts';
import type { Registered } from './register.ts';

const ACCOUNT = '51234567';
const CODE = 'walk-integrity-code';
const SEMINAR_CHAT = -1001111111111;
const CLUB_CHAT = -1002222222222;
const ANNA = { id: 501234567, is_bot: false, first_name: 'Anna', language_code: 'ru' };
const VERA = { id: 501234569, is_bot: false, first_name: 'Vera', language_code: 'ru' };
const addDays = (iso: string, n: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const moscowDay = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);

describe('issue 14, walked: a seminar through Moneta, a subscription through the bot, told what next, and out of the chat when it ends', function () {
  this.timeout(300_000);
  let school: School;
  let tg: LocalTelegram;
  let moneta: MonetaServer;
  let anna: Registered;
  let vera: Registered;
  let update = 950_000_000;
  let message = 9000;
  const ids: Record<string, number> = {};

  const deliver = async (body: Record<string, unknown>) => {
    expect(await tg.deliver(`${school.platform.url}/hooks/telegram`, testSecrets.telegram, { update_id: update++, ...body })).to.equal(202);
  };
  const link = async (p: Registered, user: typeof ANNA) => {
    const fields: Record<string, string> = { id: String(user.id), first_name: user.first_name, auth_date: String(Math.floor(Date.now() / 1000)) };
    const res = await fetch(`${school.platform.url}/api/account/telegram`, {
      method: 'POST', headers: { 'x-session-token': p.token, 'content-type': 'application/json' }, body: JSON.stringify({ ...fields, hash: loginHash(fields, tg.token) }),
    });
    expect(res.status, await res.clone().text()).to.equal(200);
  };
  const messagesTo = (user: typeof ANNA) => tg.callsOf('sendMessage').filter((c) => Number(c.params.chat_id) === user.id).map((c) => String(c.params.text));
  const booked = async (like: string) => (await school.db.query(`select count(*)::int as n from billing_transfer where kind = 'payment' and id like $1`, [like])).rows[0].n as number;
  const joined = (user: typeof ANNA, chatId: number, inviteLink?: string) => deliver({
    chat_member: {
      chat: { id: chatId, title: 'Клуб', type: 'supergroup' }, from: user, date: Math.floor(Date.now() / 1000),
      old_chat_member: { user, status: 'left' }, new_chat_member: { user, status: 'member' },
      ...(inviteLink ? { invite_link: { invite_link: inviteLink, creator: { id: tg.bot.id, is_bot: true, first_name: tg.bot.first_name }, creates_join_request: false, is_primary: false, is_revoked: false } } : {}),
    },
  });

  before(async () => {
    tg = await startLocalTelegram();
    moneta = await startMonetaServer({ accountId: ACCOUNT, integrityCode: CODE, payUrl: () => `${school.platform.url}/hooks/moneta` });
    school = await startSchool('payments_walk', {
      MONETA_ACCOUNT_ID: ACCOUNT, MONETA_INTEGRITY_CODE: CODE, MONETA_FORM_URL: moneta.formUrl, MONETA_TEST_MODE: 'true',
      TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_URL: tg.url, TELEGRAM_REMOVAL_GRACE_DAYS: '0',
    }, { sweep: true });
    // Staff, in NocoDB: a seminar with fixed dates in roubles, and the club's monthly plan in Stars; each opens its chat.
    const today = moscowDay(new Date());
    const [seminar] = await school.rows.insert('products', [{ Title: 'Семинар «Границы систем»', Code: 'seminar-bounds', Kind: 'seminar', TelegramChat: String(SEMINAR_CHAT), NextStepsRu: 'Семинар пройдёт онлайн; ссылка придёт накануне.' }]);
    const [seminarPlan] = await school.rows.insert('plans', [{ Title: 'Семинар, участие', Duration: 'fixed dates', StartsOn: today, EndsOn: addDays(today, 20), Jurisdiction: 'ru', Currency: 'RUB' }]);
    const [club] = await school.rows.insert('products', [{ Title: 'Клуб', Code: 'club-walk', Kind: 'subscription', TelegramChat: String(CLUB_CHAT) }]);
    const [clubPlan] = await school.rows.insert('plans', [{ Title: 'Клуб, месяц в Telegram', Duration: 'month', Jurisdiction: 'world', Currency: 'XTR' }]);
    await school.rows.link('products', 'Plans', seminar!.Id, [seminarPlan!.Id]);
    await school.rows.link('products', 'Plans', club!.Id, [clubPlan!.Id]);
    const [p1, p2] = await school.rows.insert('prices', [{ AmountMinor: 300_000, ValidFrom: '2025-01-01' }, { AmountMinor: 250, ValidFrom: '2025-01-01' }]);
    await school.rows.link('plans', 'Prices', seminarPlan!.Id, [p1!.Id]);
    await school.rows.link('plans', 'Prices', clubPlan!.Id, [p2!.Id]);
    await school.capabilities.billing.resyncCatalogNow();
    Object.assign(ids, { seminarPlan: seminarPlan!.Id, clubPlan: clubPlan!.Id, club: club!.Id });
    anna = await school.register('Anna');
    vera = await school.register('Vera');
    await link(anna, ANNA);
    await link(vera, VERA);
  });
  after(async () => { await school?.close(); await tg?.close(); await moneta?.close(); });

  it('buys the seminar at Moneta: booked once under three notifications, told what next on Telegram with the seminar chat\'s invite', async () => {
    const res = await fetch(`${school.platform.url}/api/billing/checkout`, {
      method: 'POST', headers: { 'x-session-token': anna.token, 'content-type': 'application/json' }, body: JSON.stringify({ planId: ids.seminarPlan }),
    });
    expect(res.status).to.equal(201);
    const { attemptId, payUrl, orderId } = await res.json() as { attemptId: string; payUrl: string; orderId: string };
    expect((await fetch(payUrl)).status, 'Moneta\'s form opens').to.equal(200);
    for (let i = 0; i < 3; i++) expect(await moneta.pay(attemptId, { operationId: 'walk-op-1' })).to.deep.equal({ status: 200, body: 'SUCCESS' });
    const told = await waitFor('Anna told what next', async () => messagesTo(ANNA).find((t) => t.includes('Семинар')), 30_000);
    expect(told).to.contain('Семинар пройдёт онлайн').and.to.contain(`/billing/orders/${orderId}`).and.to.match(/https:\/\/t\.me\/\+Local/);
    const invite = tg.callsOf('createChatInviteLink').find((c) => Number(c.params.chat_id) === SEMINAR_CHAT);
    expect(invite?.params, 'a one-person invite to the seminar\'s chat').to.include({ member_limit: 1 });
    expect(await booked('payment:moneta:%')).to.equal(1);
    expect(messagesTo(ANNA).filter((t) => t.includes('Семинар «Границы систем»')), 'told once').to.have.length(1);
  });

  it('buys the club in Stars from the bot: pre-checkout ok, three payments booked once, told what next with the club chat\'s invite', async () => {
    const t = Date.now();
    await deliver({ message: { message_id: message++, from: ANNA, chat: { id: ANNA.id, first_name: 'Anna', type: 'private' }, date: Math.floor(t / 1000), text: `/buy_${ids.clubPlan}`, entities: [{ offset: 0, length: `/buy_${ids.clubPlan}`.length, type: 'bot_command' }] } });
    const invoice = await waitFor('the invoice', async () => tg.callsOf('sendInvoice').find((c) => Number(c.params.chat_id) === ANNA.id && c.at >= t), 20_000);
    const payload = String(invoice.params.payload);
    await deliver({ pre_checkout_query: { id: 'walk-q-1', from: ANNA, currency: 'XTR', total_amount: 250, invoice_payload: payload } });
    const answer = await waitFor('the pre-checkout answer', async () => tg.callsOf('answerPreCheckoutQuery').find((c) => c.params.pre_checkout_query_id === 'walk-q-1'), 15_000);
    expect(answer.params).to.deep.include({ ok: true });
    const paid = { message: { message_id: message++, from: ANNA, chat: { id: ANNA.id, first_name: 'Anna', type: 'private' }, date: Math.floor(Date.now() / 1000),
      successful_payment: { currency: 'XTR', total_amount: 250, invoice_payload: payload, telegram_payment_charge_id: 'walk-charge-1', provider_payment_charge_id: '' } } };
    for (let i = 0; i < 3; i++) await deliver(paid);
    const told = await waitFor('Anna told what next about the club', async () => messagesTo(ANNA).find((t) => t.includes('«Клуб')), 30_000);
    const clubInvite = await waitFor('the club invite', async () => tg.callsOf('createChatInviteLink').find((c) => Number(c.params.chat_id) === CLUB_CHAT), 10_000);
    expect(told).to.match(/https:\/\/t\.me\/\+Local/);
    expect(await booked('payment:telegram:%')).to.equal(1);
    expect(clubInvite.params).to.include({ member_limit: 1 });
  });

  it('when the club ends, takes Anna out of its chat and leaves Vera, a volunteer there, in', async () => {
    const links = await school.capabilities.telegramAccess.inviteLinksFor(anna.id, ids.club!);
    // The bot administers the club's chat; Anna joins by her link, Vera is in it too.
    await deliver({ my_chat_member: {
      chat: { id: CLUB_CHAT, title: 'Клуб', type: 'supergroup' }, from: { id: 423456789, is_bot: false, first_name: 'Olga' }, date: Math.floor(Date.now() / 1000),
      old_chat_member: { user: { ...tg.bot, is_bot: true }, status: 'member' }, new_chat_member: { user: { ...tg.bot, is_bot: true }, status: 'administrator', can_restrict_members: true },
    } });
    await joined(ANNA, CLUB_CHAT, links[0]?.inviteLink);
    await joined(VERA, CLUB_CHAT);
    await waitFor('two members tracked', async () => (await school.db.query('select count(*)::int as n from telegram_access_member where chat_id = $1 and in_chat', [CLUB_CHAT])).rows[0].n === 2);
    // Staff keep Vera as a volunteer of the club's chat.
    const [veraRow] = await school.rows.list('people', { where: `(IdentityId,eq,${vera.id})` });
    const [volunteer] = await school.rows.insert('telegram_volunteers', [{ TelegramChat: String(CLUB_CHAT), Reason: 'модератор клуба' }]);
    await school.rows.link('telegram_volunteers', 'Person', volunteer!.Id, [veraRow!.Id]);

    // The month ends: the pass on a day after it; then the removal pass lists and removes.
    await billingPass(school.db, addDays(moscowDay(new Date()), 40));
    await school.capabilities.telegramAccess.passNow();
    const run = await school.capabilities.telegramAccess.dryRunNow();
    const listed = (await school.db.query('select telegram_user_id, decision from telegram_access_removals where run_id = $1 and chat_id = $2 order by telegram_user_id', [run.runId, CLUB_CHAT])).rows;
    expect(listed.map((r) => [Number(r.telegram_user_id), r.decision])).to.deep.equal([[ANNA.id, 'remove'], [VERA.id, 'spared']]);
    await school.capabilities.telegramAccess.removeNow(run.runId);
    expect(tg.callsOf('banChatMember').map((c) => [Number(c.params.chat_id), c.params.user_id])).to.deep.equal([[CLUB_CHAT, ANNA.id]]);
    expect(tg.callsOf('unbanChatMember').map((c) => [c.params.user_id, c.params.only_if_banned]), 'she may come back after paying').to.deep.equal([[ANNA.id, true]]);
  });
});
