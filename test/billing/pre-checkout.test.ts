/**
 * The rules of Telegram payments without servers: when a pre-checkout query is answered ok,
 * and which messages to the bot are buy commands.
 */
import { expect } from 'chai';
import { preCheckoutVerdict, type PayableState } from '../../extensions/billing/pre-checkout.ts';
import { buyCommandOf, type TelegramMessage } from '../../schemas/events/telegram.ts';
import { fixture } from '../fixtures/load.ts';

const open: PayableState = { attemptStatus: 'created', orderStatus: 'open', amountMinor: 250, currency: 'XTR', planSold: true, planArchived: false, holder: false };
const query = { currency: 'XTR', total_amount: 250 };

describe('billing: a Telegram pre-checkout query is answered ok only while the invoice is payable as ordered', () => {
  it('says ok to an open attempt at the ordered amount and currency', () => {
    expect(preCheckoutVerdict(open, query)).to.deep.equal({ ok: true });
  });
  it('refuses, with the reason, what is not ours, paid, closed, changed, or no longer sold', () => {
    const reason = (state: PayableState | null, q = query) => { const v = preCheckoutVerdict(state, q); return v.ok ? 'ok' : v.reason; };
    expect(reason(null)).to.equal('unknown_order');
    expect(reason({ ...open, attemptStatus: 'succeeded' })).to.equal('paid');
    expect(reason({ ...open, orderStatus: 'paid' })).to.equal('paid');
    expect(reason({ ...open, orderStatus: 'cancelled' })).to.equal('closed');
    expect(reason({ ...open, attemptStatus: 'failed' }), 'abandoned for another way to pay').to.equal('closed');
    expect(reason({ ...open, attemptStatus: 'unknown' })).to.equal('closed');
    expect(reason(open, { currency: 'XTR', total_amount: 249 })).to.equal('amount_changed');
    expect(reason(open, { currency: 'RUB', total_amount: 250 })).to.equal('amount_changed');
    expect(reason({ ...open, planSold: false })).to.equal('plan_gone');
    expect(reason({ ...open, planArchived: true }), 'a new buyer of an archived plan').to.equal('plan_archived');
    expect(reason({ ...open, planArchived: true, holder: true }), 'its holder renews it').to.equal('ok');
  });
});

describe('telegram: which messages to the bot are buy commands', () => {
  const base = fixture('telegram', 'command_start').body.message as TelegramMessage;
  const text = (t: string, over: Partial<TelegramMessage> = {}) => buyCommandOf({ ...base, text: t, ...over });
  it('takes /buy, /buy_<plan>, /buy@bot and the deep link /start buy_<plan> in a person\'s own chat', () => {
    expect(text('/buy')).to.deep.equal({ chat_id: 734567890, message_id: 1, telegram_user_id: 734567890, date: 1796142600, language_code: 'ru' });
    expect(text('/buy_12')?.plan_id).to.equal(12);
    expect(text('/buy_12@school_systems_bot')?.plan_id).to.equal(12);
    expect(text('/start buy_7')?.plan_id).to.equal(7);
  });
  it('leaves other commands, groups and bots alone', () => {
    for (const t of ['/start ref_abc', '/buyer', '/buy_0', '/buy 12', 'buy', '/start buy_x']) expect(text(t), t).to.equal(null);
    expect(text('/buy', { chat: { id: -100123, type: 'supergroup' } })).to.equal(null);
    expect(text('/buy', { from: { id: 734567890, is_bot: true } })).to.equal(null);
  });
});
