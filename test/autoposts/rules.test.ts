/** The autoposts' pure rules: the template syntax, one delivery per chat, the limits, Status, Telegram's answers. */
import { expect } from 'chai';
import { createLimiter, freeAt, TELEGRAM_LIMITS } from '../../extensions/autoposts/limiter.ts';
import { planDeliveries } from '../../extensions/autoposts/plan.ts';
import { outcomeOf } from '../../extensions/autoposts/sender.ts';
import { statusText } from '../../extensions/autoposts/status.ts';
import { checkTemplate, render } from '../../extensions/autoposts/template.ts';
import { BotApiError } from '../../kernel/telegram-bot.ts';
import { autopostRow } from '../../schemas/events/autoposts.ts';

const vars = { group: 'Группа 1', stream: 'Весна-2026', product: '', date: '1 мая 2026 г.' };
const target = (chat: string, title: string) => ({ chat, kind: 'group' as const, title, vars: { group: title, stream: 'Весна-2026', product: '' } });

describe('autoposts: templates', () => {
  it('fills each placeholder per chat, whatever the spaces and case inside the braces', () => {
    expect(render('Привет, {{group}}! Поток {{ Stream }}, {{date}}.', vars)).to.equal('Привет, Группа 1! Поток Весна-2026, 1 мая 2026 г..');
  });
  it('inserts a value as plain text: markup or braces in a group title stay as written', () => {
    expect(render('{{group}}', { ...vars, group: '<b>{{stream}}</b> *x*' })).to.equal('<b>{{stream}}</b> *x*');
  });
  it('stops a template with a misspelt placeholder, naming it, and an empty one', () => {
    expect(checkTemplate('Hi {{grop}} and {{group}} {{ date }}')).to.deep.equal({ kind: 'unknown', names: ['grop'] });
    expect(checkTemplate('   ')).to.deep.equal({ kind: 'empty' });
    expect(checkTemplate('no placeholders at all')).to.equal(null);
  });
});

describe('autoposts: planning the deliveries', () => {
  const base = { at: new Date('2026-05-01T09:00:00Z'), timeZone: 'Europe/Moscow', lang: 'ru' as const };
  it('gives each chat its own text, with the day in the school\'s zone', () => {
    const plan = planDeliveries({ ...base, template: { text: '{{group}}: занятие {{date}}', language: 'ru' }, targets: { chats: [target('-1001', 'А'), target('-1002', 'Б')], noChat: [] } });
    expect(plan.ok && plan.deliveries.map((d) => [d.chat, d.body])).to.deep.equal([['-1001', 'А: занятие 1 мая 2026 г.'], ['-1002', 'Б: занятие 1 мая 2026 г.']]);
    const late = planDeliveries({ ...base, at: new Date('2026-04-30T22:30:00Z'), template: { text: '{{date}}', language: 'en' }, targets: { chats: [target('-1', 'A')], noChat: [] } });
    expect(late.ok && late.deliveries[0]!.body, '01:30 in Moscow is already the 1st').to.equal('1 May 2026');
  });
  it('refuses the whole post for an unknown placeholder, and when no target has a chat (naming them)', () => {
    const unknown = planDeliveries({ ...base, template: { text: '{{teacher}}', language: 'ru' }, targets: { chats: [target('-1', 'A')], noChat: [] } });
    expect(unknown.ok === false && unknown.reason).to.contain('{{teacher}}');
    const none = planDeliveries({ ...base, template: { text: 'x', language: 'ru' }, targets: { chats: [], noChat: [{ kind: 'group', title: 'Без чата' }] } });
    expect(none.ok === false && none.reason).to.contain('группа «Без чата»');
  });
  it('records a text too long for Telegram as that chat\'s failure, not a truncated post', () => {
    const plan = planDeliveries({ ...base, template: { text: `${'я'.repeat(4090)} {{group}}`, language: 'ru' }, targets: { chats: [target('-1', 'A'), target('-2', 'Длинное имя')], noChat: [] } });
    expect(plan.ok && plan.deliveries.map((d) => d.error)).to.deep.equal([null, 'текст длиннее 4096 символов']);
  });
});

describe('autoposts: Telegram\'s limits', () => {
  it('lets 20 into a chat\'s minute, the 21st when the first leaves it', () => {
    const times = Array.from({ length: 20 }, (_, i) => i * 100);
    expect(freeAt([...times], TELEGRAM_LIMITS.perChat, 2_000)).to.equal(60_000);
    expect(freeAt(times.slice(0, 19), TELEGRAM_LIMITS.perChat, 2_000)).to.equal(2_000);
  });
  it('keeps chats apart, shares the overall second, and honours a block', () => {
    const limiter = createLimiter();
    for (let i = 0; i < 30; i++) limiter.record(`chat-${i}`, 1_000 + i);
    expect(limiter.chatFreeAt('chat-0', 1_100)).to.equal(1_100);
    expect(limiter.overallFreeAt(1_100)).to.equal(2_000);
    limiter.block('chat-1', 5_000);
    expect(limiter.chatFreeAt('chat-1', 1_100)).to.equal(5_000);
  });
});

describe('autoposts: what Telegram\'s answer means', () => {
  const e = (code: number, description: string, retryAfterMs: number | null = null) => new BotApiError('sendMessage', code, description, code >= 400 && code < 500, retryAfterMs);
  it('403 and 400 are final, 429 waits, 5xx and a refused connection retry, a timeout is unknown', () => {
    expect(outcomeOf(e(403, 'Forbidden: bot was kicked from the supergroup chat')).kind).to.equal('failed');
    expect(outcomeOf(e(400, 'Bad Request: chat not found')).kind).to.equal('failed');
    expect(outcomeOf(e(429, 'Too Many Requests: retry after 7', 7_000))).to.deep.include({ kind: 'wait', ms: 7_000 });
    expect(outcomeOf(e(500, 'Internal Server Error')).kind).to.equal('retry');
    expect(outcomeOf(e(0, 'unreachable: connect ECONNREFUSED 127.0.0.1:1')).kind).to.equal('retry');
    expect(outcomeOf(e(0, 'unreachable: timeout of 10000ms exceeded')).kind).to.equal('unknown');
    expect(outcomeOf(e(0, 'unreachable: socket hang up')).kind).to.equal('unknown');
    expect(outcomeOf(e(401, 'Unauthorized')).kind).to.equal('misconfigured');
  });
});

describe('autoposts: Status for staff', () => {
  const opts = { timeZone: 'Europe/Moscow', lang: 'ru' as const };
  const counts = { total: 0, sent: 0, failed: 0, unknown: 0, cancelled: 0 };
  it('shows a scheduled time in the school\'s zone beside UTC', () => {
    expect(statusText({ state: 'scheduled', sendAt: new Date('2026-05-01T09:00:00Z'), cancelled: false, reason: null, noChat: [] }, counts, opts))
      .to.equal('Запланирован: 01.05.2026 12:00 (Europe/Moscow), 2026-05-01 09:00 UTC');
  });
  it('counts what was sent, refused and lost', () => {
    expect(statusText({ state: 'done', sendAt: null, cancelled: false, reason: null, noChat: ['группа «Б»'] }, { ...counts, total: 5, sent: 3, failed: 1, unknown: 1 }, opts))
      .to.equal('Отправлен: 3 из 5; не отправлено: 1 (причины в autopost_deliveries); неизвестно: 1 (ответ Telegram потерян; повторно не отправлялось); без Telegram-чата: группа «Б»');
  });
  it('reads NocoDB\'s DateTime, with or without an offset, as UTC', () => {
    expect(autopostRow.parse({ Id: 1, SendAt: '2026-05-01 09:00:00+00:00' }).SendAt?.toISOString()).to.equal('2026-05-01T09:00:00.000Z');
    expect(autopostRow.parse({ Id: 1, SendAt: '2026-05-01 12:00:00+03:00' }).SendAt?.toISOString()).to.equal('2026-05-01T09:00:00.000Z');
    expect(autopostRow.parse({ Id: 1, SendAt: '2026-05-01 09:00:00' }).SendAt?.toISOString()).to.equal('2026-05-01T09:00:00.000Z');
  });
});
