import { expect } from 'chai';
import { systemClock } from '../../kernel/clock.ts';
import { notifyPerson } from '../../extensions/ai-check/outbox.ts';
import { drainOutbox, type SenderDeps } from '../../extensions/ai-check/sender.ts';
import { createTelegramClient } from '../../extensions/ai-check/telegram.ts';
import { freshDatabase, testLog, type TestDatabase } from '../support/stack.ts';
import { sleep } from './support/flow.ts';
import { startTelegramServer, type TelegramServer } from './support/telegram-server.ts';

describe('ai-check: notifications through the outbox', () => {
  let db: TestDatabase;
  let telegram: TelegramServer;
  let deps: SenderDeps;
  let n = 0;
  const person = (chat: string) => ({ id: `p-${chat}`, name: 'P', language: 'en' as const, telegramChatId: chat });
  const enqueue = (chat: string, text = `hello ${++n}`) => notifyPerson(db.pool, person(chat), `test:${n}`, { subject: 's', body: text }, new Date());
  const statusOf = async (chat: string) => (await db.pool.query('select status, attempts, provider_message_id from ai_outbox where recipient = $1', [chat])).rows[0];

  before(async () => {
    db = await freshDatabase('ai_outbox');
    telegram = await startTelegramServer();
    deps = {
      db: db.pool, log: testLog, clock: systemClock, mailer: null, maxAttempts: 5, leaseMs: 30_000, backoffMs: 20,
      telegram: createTelegramClient({ apiUrl: telegram.url, botToken: telegram.token, timeoutMs: 2000 }),
    };
  });
  after(() => telegram.close());

  it('posts {chat_id, text} to /bot<token>/sendMessage and keeps Telegram\'s message id', async () => {
    await enqueue('700', 'Answer accepted');
    expect(await drainOutbox(deps)).to.deep.equal({ sent: 1, failed: 0, dead: 0 });
    expect(telegram.messages.at(-1)).to.include({ chat_id: '700', text: 'Answer accepted' });
    expect(await statusOf('700')).to.include({ status: 'sent', provider_message_id: String(telegram.messages.at(-1)!.message_id) });
  });

  it('retries after a 500, a 429 and a dropped connection, and delivers once', async () => {
    telegram.failNext.push(500, 429, 'drop');
    await enqueue('701');
    for (let i = 0; i < 20 && (await statusOf('701')).status !== 'sent'; i++) {
      await drainOutbox(deps);
      await sleep(50);
    }
    expect(await statusOf('701')).to.include({ status: 'sent', attempts: 4 });
    expect(telegram.messages.filter((m) => m.chat_id === '701')).to.have.length(1);
  });

  it('sends each row once when two senders drain at the same time', async () => {
    for (let i = 0; i < 30; i++) await enqueue(`8${String(i).padStart(2, '0')}`);
    const before = telegram.messages.length;
    const [a, b] = await Promise.all([drainOutbox(deps, 5), drainOutbox(deps, 5)]);
    expect(a.sent + b.sent).to.equal(30);
    const sent = telegram.messages.slice(before).map((m) => m.chat_id);
    expect(new Set(sent).size).to.equal(30);
    expect(sent).to.have.length(30);
  });

  it('gives up at once on a refusal that retrying cannot fix, as a dead letter', async () => {
    telegram.failNext.push(400);
    await enqueue('702');
    expect(await drainOutbox(deps)).to.include({ dead: 1 });
    const { rows } = await db.pool.query(`select d.kind, d.error from ai_dead_letter d join ai_outbox o on o.id = d.ref_id where o.recipient = '702'`);
    expect(rows).to.deep.equal([{ kind: 'outbox', error: 'telegram 400: Bad Request: chat not found' }]);
  });

  it('refuses a wrong bot token as permanent too', async () => {
    const wrong = { ...deps, telegram: createTelegramClient({ apiUrl: telegram.url, botToken: 'nope' }) };
    await enqueue('703');
    expect(await drainOutbox(wrong)).to.include({ dead: 1 });
  });
});
