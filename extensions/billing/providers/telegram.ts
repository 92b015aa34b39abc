import type { Pool } from 'pg';
import { BotApiError, botResults, type BotApi } from '../../../kernel/telegram-bot.ts';
import { telegramChargeOf } from '../telegram-charges.ts';
import { ProviderRefused, type PaymentProvider } from './provider.ts';

/**
 * Telegram Stars as checkout's provider (issue 14). What the school sells is digital (guides,
 * the club, courses), and Telegram requires digital goods and services sold in a bot to be
 * paid in Telegram Stars (currency XTR, no payment provider: core.telegram.org/bots/payments-stars),
 * so this provider takes XTR only; a plan sold through the bot is a plan whose currency is
 * XTR, priced in whole stars. Roubles, dollars and euros go through the site's providers.
 *
 * An invoice's payload is our attempt's id (36 bytes of the 1-128 Telegram allows): the
 * pre-checkout query and the payment carry it back. createInvoiceLink makes the pay URL (the
 * site can show it); the bot sends the same invoice into a person's chat with sendInvoice.
 */
export const STARS = 'XTR';

export interface StarsInvoice {
  title: string;
  description: string;
  payload: string;
  provider_token: '';
  currency: typeof STARS;
  prices: { label: string; amount: number }[];
}

/** Telegram's bounds: a title of 1-32 characters, a description of 1-255, one price for Stars. */
export function starsInvoice(p: { attemptId: string; title: string; description: string; amountStars: number }): StarsInvoice {
  const title = clip(p.title, 32);
  return {
    title, description: clip(p.description || p.title, 255), payload: p.attemptId, provider_token: '', currency: STARS,
    prices: [{ label: title, amount: p.amountStars }],
  };
}

const clip = (s: string, n: number) => {
  const chars = [...s.trim()];
  return chars.length <= n ? chars.join('') : `${chars.slice(0, n - 1).join('')}…`;
};

export function telegramStarsProvider(deps: { bot: BotApi; db: Pool }): PaymentProvider {
  return {
    name: 'telegram',
    currencies: [STARS],
    async start(req) {
      const invoice = starsInvoice({ attemptId: req.attemptId, title: req.description, description: req.description, amountStars: req.amountMinor });
      try {
        return { payUrl: await deps.bot.call('createInvoiceLink', { ...invoice }, botResults.link) };
      } catch (e) {
        // An invoice link that was not made takes no money: nothing is paid without our
        // pre-checkout answer, which refuses an attempt that is not open. So a failure here
        // is a refusal (the attempt fails, a new checkout tries again), never an unknown outcome.
        throw new ProviderRefused('telegram', (e as Error).message);
      }
    },
    /**
     * refundStarPayment returns a whole charge to the payer (it has no amount): a partial
     * refund of Stars is refused. The refund's id is the charge's: a charge is refunded once,
     * and Telegram's CHARGE_ALREADY_REFUNDED (a refund made before a crash) is that refund.
     */
    async refund(r) {
      const charge = await telegramChargeOf(deps.db, r.providerPaymentId);
      if (!charge) throw new ProviderRefused('telegram', `no Telegram charge ${r.providerPaymentId} is recorded`);
      if (r.amountMinor !== charge.amountMinor) throw new ProviderRefused('telegram', `Stars are refunded whole: ${charge.amountMinor}, not ${r.amountMinor}`);
      try {
        await deps.bot.call('refundStarPayment', { user_id: charge.telegramUserId, telegram_payment_charge_id: r.providerPaymentId }, botResults.ok);
      } catch (e) {
        if (!(e instanceof BotApiError && /CHARGE_ALREADY_REFUNDED/.test(e.description))) {
          if (e instanceof BotApiError && e.permanent) throw new ProviderRefused('telegram', e.description);
          throw e;
        }
      }
      return { providerRefundId: r.providerPaymentId, status: 'succeeded', refundedAt: new Date() };
    },
  };
}
