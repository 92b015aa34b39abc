import type { Consumer } from '../../kernel/capability.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { issuesOf } from '../../kernel/validation.ts';
import { successfulPaymentMessage } from '../../schemas/events/telegram.ts';
import { applyProviderPayment } from './checkout.ts';
import { localDay } from './days.ts';
import { recordTelegramCharge } from './telegram-charges.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A payment Telegram confirmed (a message with successful_payment), booked through
 * applyProviderPayment once per telegram_payment_charge_id: the receiver keys the delivery by
 * it and the booking is keyed by it (payment:telegram:<charge id>), so three deliveries book
 * once. The amount is in the currency's smallest units as Telegram gives it (XTR: whole
 * stars), the invoice's payload is our attempt's id; one we never made is an invalid job.
 */
export function telegramPaymentsConsumer(deps: { clock: () => Date; timeZone: string }): Consumer {
  return {
    name: 'billing.telegram_payments',
    topics: ['telegram.successful_payment'],
    async handle(event, { tx, log }) {
      const parsed = successfulPaymentMessage.safeParse(event.payload);
      if (!parsed.success) throw new InvalidPayload(issuesOf(parsed.error), 'Telegram successful_payment is not valid');
      const m = parsed.data;
      const p = m.successful_payment;
      if (!UUID.test(p.invoice_payload)) throw new InvalidPayload([{ path: 'successful_payment.invoice_payload', message: 'not an attempt id of ours' }], 'Telegram payment for an invoice we did not make');
      const now = deps.clock();
      const paidAt = new Date(m.date * 1000);
      const outcome = await applyProviderPayment(tx, {
        provider: 'telegram', attemptId: p.invoice_payload, providerPaymentId: p.telegram_payment_charge_id,
        amountMinor: p.total_amount, currency: p.currency, paidAt,
      }, { today: localDay(now, deps.timeZone), now });
      await recordTelegramCharge(tx, {
        chargeId: p.telegram_payment_charge_id, attemptId: p.invoice_payload, telegramUserId: m.from.id, amountMinor: p.total_amount, currency: p.currency, paidAt,
      });
      log.info({ component: 'billing', provider: 'telegram', charge: p.telegram_payment_charge_id, outcome: outcome.type }, 'payment booked');
    },
  };
}
