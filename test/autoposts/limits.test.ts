/**
 * Autoposts within Telegram's limits, on the real NocoDB and PostgreSQL with the local
 * Telegram Bot API, judged by the times the local server recorded each request: 30 a second
 * overall, 20 a minute in one group (on a clock running 60 times faster, so the test does not
 * wait a minute), and a 429's retry_after honoured. The school here has no bot token: its own
 * autoposts do nothing, and each test runs a sender of its own.
 */
import { expect } from 'chai';
import { register } from '../../extensions/autoposts/index.ts';
import { createBotApi } from '../../kernel/telegram-bot.ts';
import { createNocoApi } from '../../nocodb/client.ts';
import { nocoLinks } from '../../nocodb/links.ts';
import { startSchool, type School } from '../support/school.ts';
import { waitFor } from '../support/platform.ts';
import { testLog } from '../support/stack.ts';
import { startLocalTelegram, type LocalTelegram } from '../support/telegram-server.ts';

const nocoTime = (d: Date) => `${d.toISOString().slice(0, 19).replace('T', ' ')}+00:00`;
// Our limiter counts a request when it leaves; the server records it when it arrives, a few ms later.
const JITTER_MS = 15;

describe('autoposts: within Telegram\'s rate limits', function () {
  this.timeout(180_000);
  let tg: LocalTelegram;
  let school: School;
  before(async () => {
    tg = await startLocalTelegram();
    school = await startSchool('autoposts_limits');
  });
  after(async () => {
    await school?.close();
    await tg?.close();
  });

  const sender = (opts: { clock?: () => Date; sleep?: (ms: number) => Promise<void> } = {}) => register({
    db: school.db, log: testLog, clock: opts.clock ?? (() => new Date()), nocodb: school.rows,
    links: nocoLinks(createNocoApi(school.nocodb.url, school.nocodb.token), school.ids),
    bot: createBotApi({ apiUrl: tg.url, botToken: tg.token }), timeZone: 'Europe/Moscow', ...(opts.sleep ? { sleep: opts.sleep } : {}),
  });
  const groupsWithChats = async (chats: string[]) => school.rows.insert('groups', chats.map((chat, i) => ({ Title: `Группа ${i + 1}`, TelegramChatId: chat })));
  const template = async () => (await school.rows.insert('post_templates', [{ Title: 'Пост', Text: 'Для {{group}}' }]))[0]!.Id;
  const postTo = async (templateId: number, groupIds: number[], title = 'Объявление') => {
    const [post] = await school.rows.insert('autoposts', [{ Title: title, SendAt: nocoTime(new Date(Date.now() - 2_000)) }]);
    await school.rows.link('post_templates', 'Autoposts', templateId, [post!.Id]);
    await school.rows.link('autoposts', 'Groups', post!.Id, groupIds);
    return post!.Id;
  };
  const allSent = async (posts: number[], n: number) => (await school.db.query(
    `select count(*)::int as n from autopost_delivery where post_id = any($1::int[]) and status = 'sent'`, [posts])).rows[0].n === n;

  it('the service without TELEGRAM_BOT_TOKEN sends nothing', async () => {
    expect(school.capabilities.autoposts.enabled).to.equal(false);
    expect(await school.capabilities.autoposts.runNow({ poll: true })).to.equal(null);
  });

  it('sends to 45 chats at no more than 30 in any second, each chat once', async () => {
    const chats = Array.from({ length: 45 }, (_, i) => `-100200000${String(i).padStart(4, '0')}`);
    const groups = await groupsWithChats(chats);
    const post = await postTo(await template(), groups.map((g) => g.Id));
    const autoposts = sender();
    const before = tg.callsOf('sendMessage').length;
    await waitFor('45 sent', async () => { await autoposts.runNow({ poll: true }); return allSent([post], 45); }, 30_000);
    const calls = tg.callsOf('sendMessage').slice(before);
    expect(calls.map((c) => String(c.params.chat_id))).to.have.members(chats);
    for (let i = 0; i + 30 < calls.length; i++) {
      expect(calls[i + 30]!.at - calls[i]!.at, `the 31st request after request ${i} came within a second`).to.be.at.least(1_000 - JITTER_MS);
    }
    expect(calls[29]!.at - calls[0]!.at, 'the first 30 at once').to.be.below(1_000);
  });

  it('sends 25 posts to one group at no more than 20 a minute (on a clock 60 times faster)', async () => {
    const t0 = Date.now();
    const SPEED = 60;
    const clock = () => new Date(t0 + (Date.now() - t0) * SPEED);
    const fast = (at: number) => t0 + (at - t0) * SPEED;
    const [group] = await groupsWithChats(['-1003000000001']);
    const templateId = await template();
    const posts: number[] = [];
    for (let i = 0; i < 25; i++) posts.push(await postTo(templateId, [group!.Id], `Пост ${i + 1}`));
    const autoposts = sender({ clock, sleep: (ms) => new Promise((r) => setTimeout(r, ms / SPEED)) });
    const before = tg.callsOf('sendMessage').length;
    await waitFor('25 sent', async () => { await autoposts.runNow({ poll: true }); return allSent(posts, 25); }, 30_000);
    const calls = tg.callsOf('sendMessage').slice(before);
    expect(calls).to.have.length(25);
    expect(calls.every((c) => String(c.params.chat_id) === '-1003000000001')).to.equal(true);
    for (let i = 0; i + 20 < calls.length; i++) {
      expect(fast(calls[i + 20]!.at) - fast(calls[i]!.at), `the 21st request after request ${i} came within a minute`).to.be.at.least(60_000 - JITTER_MS * SPEED);
    }
    const ids = (await school.db.query(`select message_id from autopost_delivery where post_id = any($1::int[])`, [posts])).rows.map((r) => r.message_id);
    expect(new Set(ids).size, 'each post its own message').to.equal(25);
  });

  it('waits out a 429\'s retry_after in that chat, while another chat gets its post at once', async () => {
    const groups = await groupsWithChats(['-1004000000001', '-1004000000002']);
    const post = await postTo(await template(), groups.map((g) => g.Id));
    tg.failNext('sendMessage', { code: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 });
    const autoposts = sender();
    const before = tg.callsOf('sendMessage').length;
    await waitFor('both sent', async () => { await autoposts.runNow({ poll: true }); return allSent([post], 2); }, 30_000);
    const calls = tg.callsOf('sendMessage').slice(before);
    expect(calls).to.have.length(3);
    const limited = String(calls[0]!.params.chat_id);
    const retried = calls.filter((c) => String(c.params.chat_id) === limited);
    expect(retried).to.have.length(2);
    expect(retried[1]!.at - retried[0]!.at, 'not before retry_after').to.be.at.least(1_000 - JITTER_MS);
    const other = calls.find((c) => String(c.params.chat_id) !== limited)!;
    expect(other.at - calls[0]!.at, 'the other chat did not wait').to.be.below(1_000);
  });
});
