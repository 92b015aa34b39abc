/**
 * Autoposts as staff use them, on the real NocoDB, PostgreSQL and Redis, with the local
 * Telegram Bot API: a template and an autopost for two groups made in NocoDB's grid (its API)
 * reach each chat once at their time with its own text; repeats of every kind send nothing
 * twice; a chat that kicked the bot is recorded with Telegram's reason while the other gets
 * its post; a tick in Cancelled whose webhook was lost still stops the post; a service killed mid-send leaves the lost answer as unknown and the next one
 * finishes the rest, each chat once.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { NOCODB_SECRET_HEADER } from '../../hooks/nocodb.ts';
import { register } from '../../extensions/autoposts/index.ts';
import { createBotApi } from '../../kernel/telegram-bot.ts';
import { nocoLinks } from '../../nocodb/links.ts';
import { createNocoApi } from '../../nocodb/client.ts';
import { startSchool, type School } from '../support/school.ts';
import { testSecrets, waitFor } from '../support/platform.ts';
import { testLog } from '../support/stack.ts';
import { startLocalTelegram, type LocalTelegram } from '../support/telegram-server.ts';

/** NocoDB's DateTime as its API takes it: UTC, whole seconds. */
const nocoTime = (d: Date) => `${d.toISOString().slice(0, 19).replace('T', ' ')}+00:00`;

describe('autoposts: staff schedule a templated post to Telegram groups', function () {
  this.timeout(180_000);
  let tg: LocalTelegram;
  let school: School;
  before(async () => {
    tg = await startLocalTelegram();
    school = await startSchool('autoposts', { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_URL: tg.url });
  });
  after(async () => {
    await school?.close();
    await tg?.close();
  });

  const sendsTo = (chat: string) => tg.callsOf('sendMessage').filter((c) => String(c.params.chat_id) === chat);
  const deliveries = async (post: number) => (await school.db.query(
    'select chat, status, message_id, error, text from autopost_deliveries where post_id = $1 order by chat', [post])).rows;
  const statusOf = async (post: number) => String((await school.rows.get('autoposts', post)).Status ?? '');

  /** Staff, in the grid: groups with chats, a template, an autopost linked to both. */
  async function schedule(opts: { groups: { title: string; chat: string }[]; text: string; at: Date; stream?: string }) {
    const groups = await school.rows.insert('groups', opts.groups.map((g) => ({ Title: g.title, Mode: 'mentor_led', TelegramChatId: g.chat })));
    if (opts.stream) {
      const [stream] = await school.rows.insert('streams', [{ Title: opts.stream, StartsOn: '2026-03-01' }]);
      await school.rows.link('streams', 'Groups', stream!.Id, groups.map((g) => g.Id));
    }
    const [template] = await school.rows.insert('post_templates', [{ Title: 'Напоминание', Text: opts.text }]);
    const [post] = await school.rows.insert('autoposts', [{ Title: 'Напоминание о занятии', SendAt: nocoTime(opts.at) }]);
    await school.rows.link('post_templates', 'Autoposts', template!.Id, [post!.Id]);
    await school.rows.link('autoposts', 'Groups', post!.Id, groups.map((g) => g.Id));
    return post!.Id;
  }

  it('sends each chat exactly one message with its own text at its time, and nothing again however it is repeated', async () => {
    const at = new Date(Math.ceil((Date.now() + 8_000) / 1000) * 1000);
    const post = await schedule({
      groups: [{ title: 'Группа Анны', chat: '-1001000000001' }, { title: 'Группа Бориса', chat: '-1001000000002' }],
      text: 'Здравствуйте, {{group}}! Поток «{{stream}}»: занятие сегодня, {{date}}.', at, stream: 'Весна-2026',
    });
    // Staff see when it goes, in the school's zone (written back by the service once the webhook came).
    await waitFor('Status: scheduled', async () => (await statusOf(post)).startsWith('Запланирован:'), 20_000);
    expect(await statusOf(post)).to.contain('(Europe/Moscow)');
    expect(tg.callsOf('sendMessage'), 'nothing before its time').to.have.length(0);

    await waitFor('both chats', async () => tg.callsOf('sendMessage').length >= 2, 30_000);
    await waitFor('Status: sent', async () => (await statusOf(post)) === 'Отправлен: 2 из 2', 20_000);
    const day = new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Moscow' }).format(at);
    expect(sendsTo('-1001000000001').map((c) => c.params.text)).to.deep.equal([`Здравствуйте, Группа Анны! Поток «Весна-2026»: занятие сегодня, ${day}.`]);
    expect(sendsTo('-1001000000002').map((c) => c.params.text)).to.deep.equal([`Здравствуйте, Группа Бориса! Поток «Весна-2026»: занятие сегодня, ${day}.`]);
    for (const c of tg.callsOf('sendMessage')) expect(c.at, 'not before SendAt').to.be.at.least(at.getTime());
    const rows = await deliveries(post);
    expect(rows.map((r) => [r.chat, r.status])).to.deep.equal([['-1001000000001', 'sent'], ['-1001000000002', 'sent']]);
    expect(rows.every((r) => Number(r.message_id) >= 1000), 'Telegram\'s message ids kept').to.equal(true);

    // The loop again, with a fresh read of NocoDB.
    await school.capabilities.autoposts.runNow({ poll: true });
    // The same NocoDB webhook delivered again, and a late one carrying the row as it was before sending.
    const row = await school.rows.get('autoposts', post);
    const webhook = (rows: unknown[], id: string) => fetch(`${school.platform.url}/hooks/nocodb`, {
      method: 'POST', headers: { 'content-type': 'application/json', [NOCODB_SECRET_HEADER]: testSecrets.nocodb },
      body: JSON.stringify({ type: 'records.after.update', id, base_id: school.ids.baseId, version: 'v3', data: { table_id: school.ids.tables.get('autoposts'), table_name: 'autoposts', rows } }),
    });
    for (const r of [await webhook([row], 'repeat-1'), await webhook([row], 'repeat-2'), await webhook([{ ...row, Status: null, UpdatedAt: '2020-01-01 00:00:00+00:00' }], 'late-1')]) expect(r.status).to.equal(202);
    // Staff edit the post after it was sent: a new time and title.
    await school.rows.update('autoposts', [{ Id: post, Title: 'Исправлено', SendAt: nocoTime(new Date(Date.now() - 1000)) }]);
    await waitFor('the edit mirrored', async () => (await school.db.query('select title from autopost where id = $1', [post])).rows[0]?.title === 'Исправлено', 20_000);
    await school.capabilities.autoposts.runNow({ poll: true });
    await school.capabilities.autoposts.runNow();
    expect(tg.callsOf('sendMessage'), 'still one message per chat').to.have.length(2);
    expect(await statusOf(post)).to.equal('Отправлен: 2 из 2');
  });

  it('records a chat that kicked the bot with Telegram\'s reason, and the other chat gets its post', async () => {
    const before = tg.callsOf('sendMessage').length;
    tg.failNext('sendMessage', { code: 403, description: 'Forbidden: bot was kicked from the supergroup chat' });
    const post = await schedule({
      groups: [{ title: 'Старая группа', chat: '-1001000000011' }, { title: 'Новая группа', chat: '-1001000000012' }],
      text: 'Новости для {{group}}', at: new Date(Date.now() - 1000),
    });
    await school.capabilities.autoposts.runNow({ poll: true });
    await waitFor('both tried', async () => (await deliveries(post)).every((d) => d.status !== 'pending'), 20_000);
    const calls = tg.callsOf('sendMessage').slice(before);
    expect(calls, 'one request per chat: a refusal is not retried').to.have.length(2);
    const refused = String(calls[0]!.params.chat_id);
    const rows = await deliveries(post);
    expect(rows.find((r) => r.chat === refused)).to.include({ status: 'failed', error: '403: Forbidden: bot was kicked from the supergroup chat' });
    expect(rows.find((r) => r.chat !== refused)).to.include({ status: 'sent' });
    await waitFor('Status with the refusal', async () => (await statusOf(post)).startsWith('Отправлен: 1 из 2; не отправлено: 1'), 20_000);
  });

  it('stops a post whose template has an unknown placeholder before any chat gets it, and says why', async () => {
    const before = tg.callsOf('sendMessage').length;
    const post = await schedule({ groups: [{ title: 'Группа В', chat: '-1001000000021' }], text: 'Привет, {{grup}}', at: new Date(Date.now() - 1000) });
    await school.capabilities.autoposts.runNow({ poll: true });
    await waitFor('Status: not sent', async () => (await statusOf(post)).startsWith('Не отправлен: в шаблоне неизвестные поля {{grup}}'), 20_000);
    expect(tg.callsOf('sendMessage').length).to.equal(before);
  });

  it('sends nothing of a post staff cancelled before its time, even when the webhook of the tick was lost', async () => {
    const before = tg.callsOf('sendMessage').length;
    const at = new Date(Date.now() + 8_000);
    const post = await schedule({ groups: [{ title: 'Группа Г', chat: '-1001000000031' }], text: 'Отменят', at });
    await school.capabilities.autoposts.runNow({ poll: true });
    // Its webhook lost (the hooks off meanwhile): the mirror still says not cancelled, and only the read before sending knows.
    const api = createNocoApi(school.nocodb.url, school.nocodb.token);
    const hooks = (await api.dbTableWebhook.list(school.ids.tables.get('autoposts')!)).list ?? [];
    for (const h of hooks) await api.dbTableWebhook.update(h.id as string, { ...h, active: false } as never);
    try {
      await school.rows.update('autoposts', [{ Id: post, Cancelled: true }]);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(Date.now(), 'still before its time').to.be.below(at.getTime());
      expect((await school.db.query('select cancelled from autopost where id = $1', [post])).rows[0].cancelled, 'no news of the tick yet').to.equal(false);
      await new Promise((r) => setTimeout(r, at.getTime() - Date.now() + 500));
      await school.capabilities.autoposts.runNow();
    } finally {
      for (const h of hooks) await api.dbTableWebhook.update(h.id as string, { ...h, active: true } as never);
    }
    await waitFor('Status: cancelled', async () => (await statusOf(post)) === 'Отменён, не отправлялся', 20_000);
    expect(tg.callsOf('sendMessage').length).to.equal(before);
    expect(await deliveries(post)).to.deep.equal([]);
  });

  it('a service killed mid-send: the request whose answer was lost is unknown and never repeated, the next service sends the rest, each chat once', async () => {
    await school.capabilities.autoposts.stop?.(); // the "other instance" below is the only sender now
    const chats = Array.from({ length: 5 }, (_, i) => `-10010000001${i}`);
    const post = await schedule({ groups: chats.map((chat, i) => ({ title: `Группа ${i + 1}`, chat })), text: 'Всем {{group}}', at: new Date(Date.now() - 1000) });
    const before = tg.callsOf('sendMessage').length;

    const child = fork(path.resolve(import.meta.dirname, 'sender-process.ts'), [JSON.stringify({
      db: (school.db as unknown as { options: { connectionString: string } }).options.connectionString,
      nocodb: school.nocodb, baseId: school.ids.baseId, tables: [...school.ids.tables], telegram: { url: tg.url, token: tg.token }, hangAfter: 3,
    })], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const messages: Record<string, unknown>[] = [];
    child.on('message', (m) => messages.push(m as Record<string, unknown>));
    const lost = await waitFor('the third request answered and not recorded', async () => messages.find((m) => m.lost)?.lost as string | undefined, 60_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(tg.callsOf('sendMessage').length - before, 'three requests reached Telegram').to.equal(3);

    // The next service (the school's own, started again).
    const next = register({
      db: school.db, log: testLog, clock: () => new Date(), nocodb: school.rows, links: nocoLinks(createNocoApi(school.nocodb.url, school.nocodb.token), school.ids),
      bot: createBotApi({ apiUrl: tg.url, botToken: tg.token }), timeZone: 'Europe/Moscow',
    });
    await new Promise((r) => setTimeout(r, 2_100)); // the killed one's lease (2 s) runs out
    await next.runNow({ poll: true });
    for (const chat of chats) expect(sendsTo(chat), `chat ${chat}`).to.have.length(1);
    const rows = await deliveries(post);
    expect(rows.filter((r) => r.status === 'sent').map((r) => r.chat)).to.have.members(chats.filter((c) => c !== lost));
    expect(rows.find((r) => r.chat === lost)).to.deep.include({ status: 'unknown' });
    expect(rows.find((r) => r.chat === lost)!.error).to.contain('not sent again');
    await next.runNow();
    expect(tg.callsOf('sendMessage').length - before, 'nothing more').to.equal(5);
    expect(await statusOf(post)).to.match(/^Отправлен: 4 из 5; неизвестно: 1/);
  });
});
