import type { PoolClient } from 'pg';
import type { Consumer } from '../../kernel/capability.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { issuesOf } from '../../kernel/validation.ts';
import { stripeConsumedEvent, type StripeConsumedEvent } from '../../schemas/events/stripe.ts';
import { applyProviderPayment } from './checkout.ts';
import { localDay } from './days.ts';
import type { RefundSeen, StripeGateway } from './providers/stripe.ts';
import { applyProviderRefund } from './refunds.ts';

/**
 * Stripe's events (hooks/stripe.ts stores them as `stripe.event`, one per event id) turned
 * into money. An event only says which object changed: the object is read again from Stripe
 * now, since events come out of order and their copies may be stale. So a stale
 * `checkout.session.expired` of a session since paid books the payment, and one after the
 * payment changes nothing; an attempt fails only while it is still open. It calls Stripe inside
 * the worker's transaction (callsOut): a crash or a Stripe outage rolls the event back and it
 * is handled again.
 */
export function stripeConsumer(deps: { stripe: StripeGateway; clock: () => Date; timeZone: string }): Consumer {
  return {
    name: 'billing.stripe',
    topics: ['stripe.event'],
    callsOut: true,
    async handle(event, { tx, log }) {
      const e = stripeConsumedEvent.safeParse(event.payload);
      if (!e.success) throw new InvalidPayload(issuesOf(e.error), 'Stripe event is not one billing acts on');
      const type = e.data.type as StripeConsumedEvent;
      const id = e.data.data.object.id;
      const now = deps.clock();
      const today = localDay(now, deps.timeZone);
      const outcome = type === 'charge.refunded' ? await bookRefunds(tx, deps.stripe, await deps.stripe.refundsOfCharge(id), today)
        : type === 'refund.updated' ? await bookRefunds(tx, deps.stripe, [await deps.stripe.refund(id)], today)
          : await settleSession(tx, deps.stripe, id, { today, now });
      log.info({ component: 'billing', provider: 'stripe', event: e.data.id, type, object: id, outcome }, 'Stripe event handled');
    },
  };
}

async function settleSession(tx: PoolClient, stripe: StripeGateway, sessionId: string, opts: { today: string; now: Date }): Promise<string> {
  const session = await stripe.session(sessionId);
  if (!session) throw new InvalidPayload([{ path: 'data.object.id', message: `Stripe has no Checkout Session ${sessionId}` }], 'Stripe event of an unknown session');
  if (!session.attemptId) throw new InvalidPayload([{ path: 'data.object.client_reference_id', message: `session ${sessionId} names no attempt of ours` }], 'Stripe session not made by our checkout');
  const { state } = session;
  if (state.status === 'succeeded') {
    const booked = await applyProviderPayment(tx, { provider: 'stripe', attemptId: session.attemptId, ...state }, opts);
    return `paid (${booked.type})`;
  }
  if (state.status === 'failed') {
    const failed = await tx.query(`update billing_attempt set status = 'failed', provider_payment_id = coalesce(provider_payment_id, $2), updated_at = now()
      where id::text = $1 and provider = 'stripe' and status in ('created', 'unknown')`, [session.attemptId, sessionId]);
    return failed.rowCount ? 'attempt failed' : 'attempt already settled';
  }
  return 'still pending';
}

/** Each succeeded refund once (by its Stripe id), against the session its payment intent was paid through. */
async function bookRefunds(tx: PoolClient, stripe: StripeGateway, refunds: RefundSeen[], today: string): Promise<string> {
  const done: string[] = [];
  for (const r of refunds) {
    if (r.status !== 'succeeded') continue;
    const sessionId = r.paymentIntentId ? await stripe.sessionOfPaymentIntent(r.paymentIntentId) : null;
    if (!sessionId) throw new InvalidPayload([{ path: 'refund', message: `refund ${r.id} is of a payment not made through our checkout` }], 'Stripe refund of an unknown payment');
    const outcome = await applyProviderRefund(tx, {
      provider: 'stripe', providerPaymentId: sessionId, providerRefundId: r.id, amountMinor: r.amountMinor, currency: r.currency, refundedAt: r.createdAt,
    }, { today });
    done.push(`${r.id} ${outcome.type}`);
  }
  return done.length ? done.join(', ') : 'no succeeded refund';
}
