import { minorOfValue, valueOfMinor, type YookassaPayment } from '../../../schemas/events/yookassa.ts';
import type { CreatePayment, YookassaClient } from './yookassa-client.ts';
import { ProviderRefused, type AttemptState, type PayRequest, type PaymentProvider } from './provider.ts';

/**
 * YooKassa (API v3) as checkout's provider, roubles only. A payment is created at once with
 * `capture: true` and a redirect confirmation; the payer goes to its confirmation_url. The
 * Idempotence-Key is our attempt's id, so asking again with the same key and the same body
 * (PayRequest is stored with the attempt) answers the same payment for 24 hours.
 *
 * Installments: YooKassa's "Заплатить по частям" (payment_method_data {type: installments})
 * when checkout asked for parts and the plan is sold in parts. The payer repays YooKassa's
 * lender in parts; the school is paid the whole amount at once, so it books as one payment.
 */
export const YOOKASSA_KEY_HOURS = 23;

export function paymentBody(req: PayRequest): CreatePayment {
  return {
    amount: { value: valueOfMinor(req.amountMinor), currency: req.currency },
    capture: true,
    confirmation: { type: 'redirect', return_url: req.returnUrl, locale: req.locale === 'en' ? 'en_US' : 'ru_RU' },
    // YooKassa takes at most 128 characters of description.
    description: req.description.slice(0, 128),
    metadata: { attempt_id: req.attemptId, order_id: req.orderId },
    ...(req.installments ? { payment_method_data: { type: 'installments' } } : {}),
  };
}

/** A payment as YooKassa has it now, as the reconciliation pass reads an attempt. */
export function attemptStateOf(p: YookassaPayment): AttemptState {
  switch (p.status) {
    case 'succeeded': {
      const amountMinor = minorOfValue(p.amount.value);
      const fee = p.income_amount ? amountMinor - minorOfValue(p.income_amount.value) : 0;
      return { status: 'succeeded', providerPaymentId: p.id, amountMinor, currency: p.amount.currency, paidAt: new Date(p.captured_at ?? p.created_at), ...(fee > 0 ? { feeMinor: fee } : {}) };
    }
    case 'canceled':
      return { status: 'failed', providerPaymentId: p.id, reason: p.cancellation_details ? `${p.cancellation_details.party}: ${p.cancellation_details.reason}` : 'canceled' };
    // waiting_for_capture: held, not yet ours; its notification's consumer captures it.
    default:
      return { status: 'pending', providerPaymentId: p.id, ...(p.confirmation?.confirmation_url ? { payUrl: p.confirmation.confirmation_url } : {}) };
  }
}

export function yookassaProvider(client: YookassaClient, opts: { clock?: () => Date } = {}): PaymentProvider {
  const clock = opts.clock ?? (() => new Date());
  return {
    name: 'yookassa',
    currencies: ['RUB'],
    async start(req) {
      const payment = await client.createPayment(req.attemptId, paymentBody(req));
      const payUrl = payment.confirmation?.confirmation_url;
      if (payment.status === 'canceled') throw new ProviderRefused('yookassa', `payment ${payment.id} canceled at once (${payment.cancellation_details?.reason ?? 'no reason given'})`);
      if (!payUrl) throw new Error(`yookassa: payment ${payment.id} has no confirmation_url`);
      return { payUrl, providerPaymentId: payment.id };
    },
    async lookup(attempt) {
      if (attempt.providerPaymentId) return attemptStateOf(await client.getPayment(attempt.providerPaymentId));
      // The creation's answer was lost. Within a day YooKassa answers the same key and body
      // with the same payment; past that it would make a new one. By then nobody can have
      // paid it: its confirmation_url was never given to the payer (only this answer holds it).
      const ageHours = (clock().getTime() - attempt.createdAt.getTime()) / 3_600_000;
      if (!attempt.request || ageHours >= YOOKASSA_KEY_HOURS) {
        return { status: 'failed', reason: 'creation unanswered for a day: its pay URL never reached the payer, so it cannot have been paid' };
      }
      // The repeat answers the payment as it was when made; what became of it is read by its id.
      let made;
      try {
        made = await client.createPayment(attempt.attemptId, paymentBody(attempt.request));
      } catch (e) {
        // The same key and body answer the first answer: a refusal now was a refusal then, and nothing was made.
        if (e instanceof ProviderRefused) return { status: 'failed', reason: e.message };
        throw e;
      }
      return attemptStateOf(await client.getPayment(made.id));
    },
    async refund(r) {
      const refund = await client.createRefund(r.refundId, { payment_id: r.providerPaymentId, amount: { value: valueOfMinor(r.amountMinor), currency: r.currency }, description: r.reason.slice(0, 250) });
      return {
        providerRefundId: refund.id,
        status: refund.status === 'canceled' ? 'failed' : refund.status,
        refundedAt: new Date(refund.created_at),
        ...(refund.cancellation_details ? { reason: `${refund.cancellation_details.party}: ${refund.cancellation_details.reason}` } : {}),
      };
    },
  };
}
