import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { Consumer } from '../../kernel/capability.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { issuesOf } from '../../kernel/validation.ts';
import type { NocoRows } from '../../nocodb/client.ts';
import { minorOfValue, yookassaNotification, type YookassaPayment } from '../../schemas/events/yookassa.ts';
import { applyProviderPayment } from './checkout.ts';
import { localDay } from './days.ts';
import { ProviderRefused } from './providers/provider.ts';
import { attemptStateOf } from './providers/yookassa.ts';
import type { YookassaClient } from './providers/yookassa-client.ts';
import { applyProviderRefund } from './refunds.ts';
import { confirmStaffRefund } from './staff-refunds.ts';

/**
 * YooKassa's notifications (hooks/yookassa.ts stored them; they carry no signature), in the
 * worker's transaction. Nothing in the body is believed but the object's id: the payment or
 * refund is read again from YooKassa by it, and what YooKassa says now is what is done. So a
 * forged "succeeded" for an unpaid payment books nothing, and a late payment.canceled after
 * payment.succeeded finds the payment succeeded and undoes nothing.
 *   succeeded            applyProviderPayment, the amount and currency as re-read (once per payment)
 *   canceled             the attempt fails (if still open); the order stays open for a new checkout
 *   waiting_for_capture  we sell with capture: true, so this is a safety net: captured when it
 *                        pays its own open order in full, else cancelled (the hold is released)
 *   refund succeeded     applyProviderRefund (once per refund), and the Refunds row that asked says so
 * It calls YooKassa while the transaction is open: callsOut. No answer from YooKassa is an
 * error (the job is retried); YooKassa not knowing the id is an invalid job for staff.
 */
export interface YookassaConsumerDeps { client: YookassaClient; nocodb: NocoRows; clock: () => Date; timeZone: string }

export function yookassaConsumer(deps: YookassaConsumerDeps): Consumer {
  return {
    name: 'billing.yookassa',
    topics: ['yookassa.notification'],
    callsOut: true,
    async handle(event, { tx, log }) {
      const n = yookassaNotification.safeParse(event.payload);
      if (!n.success) throw new InvalidPayload(issuesOf(n.error), 'YooKassa notification is not valid');
      const now = deps.clock();
      const opts = { today: localDay(now, deps.timeZone), now };
      if (n.data.event === 'refund.succeeded') {
        const refund = await reread(() => deps.client.getRefund(n.data.object.id), 'refund', n.data.object.id);
        if (refund.status === 'pending') { log.info({ component: 'billing', provider: 'yookassa', refund: refund.id }, 'refund still pending at YooKassa'); return; }
        if (refund.status === 'canceled') {
          await confirmStaffRefund(tx, deps.nocodb, 'yookassa', refund.id, 'failed', refund.cancellation_details?.reason ?? 'canceled');
          return;
        }
        const outcome = await applyProviderRefund(tx, {
          provider: 'yookassa', providerPaymentId: refund.payment_id, providerRefundId: refund.id,
          amountMinor: minorOfValue(refund.amount.value), currency: refund.amount.currency, refundedAt: new Date(refund.created_at),
        }, opts);
        await confirmStaffRefund(tx, deps.nocodb, 'yookassa', refund.id, 'succeeded');
        log.info({ component: 'billing', provider: 'yookassa', refund: refund.id, outcome: outcome.type }, 'refund booked');
        return;
      }
      const payment = await reread(() => deps.client.getPayment(n.data.object.id), 'payment', n.data.object.id);
      await settlePayment(tx, deps, payment, opts, log);
    },
  };
}

async function reread<T>(read: () => Promise<T>, what: string, id: string): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof ProviderRefused) throw new InvalidPayload([{ path: 'object.id', message: `YooKassa has no ${what} ${id}: ${e.message}` }], `YooKassa notification of a ${what} it does not know`);
    throw e;
  }
}

async function attemptOf(tx: PoolClient, p: YookassaPayment): Promise<{ id: string; status: string; order_id: string; order_status: string; amount_minor: string; currency: string } | undefined> {
  const { rows } = await tx.query(
    `select a.id, a.status, a.order_id, o.status as order_status, o.amount_minor, o.currency
     from billing_attempt a join billing_order o on o.id = a.order_id
     where a.provider = 'yookassa' and (a.id::text = $1 or a.provider_payment_id = $2) for update of a, o`, [p.metadata?.attempt_id ?? '', p.id]);
  return rows[0];
}

async function settlePayment(tx: PoolClient, deps: YookassaConsumerDeps, payment: YookassaPayment, opts: { today: string; now: Date }, log: Logger): Promise<void> {
  const attempt = await attemptOf(tx, payment);
  if (!attempt) throw new InvalidPayload([{ path: 'object.metadata.attempt_id', message: `payment ${payment.id} belongs to no YooKassa attempt of ours` }], 'YooKassa payment for an unknown attempt');
  if (payment.status === 'waiting_for_capture') {
    const whole = minorOfValue(payment.amount.value) === Number(attempt.amount_minor) && payment.amount.currency === attempt.currency;
    if (whole && attempt.order_status === 'open') {
      payment = await deps.client.capturePayment(payment.id, payment.amount);
      log.info({ component: 'billing', provider: 'yookassa', payment: payment.id, status: payment.status }, 'held payment captured');
    } else {
      payment = await deps.client.cancelPayment(payment.id);
      log.warn({ component: 'billing', provider: 'yookassa', payment: payment.id, order: attempt.order_id }, 'held payment cancelled: not the whole amount of an open order');
    }
  }
  const state = attemptStateOf(payment);
  if (state.status === 'succeeded') {
    const outcome = await applyProviderPayment(tx, { provider: 'yookassa', attemptId: attempt.id, ...state }, opts);
    log.info({ component: 'billing', provider: 'yookassa', payment: payment.id, outcome: outcome.type }, 'payment booked');
  } else if (state.status === 'failed') {
    await tx.query(`update billing_attempt set status = 'failed', provider_payment_id = coalesce(provider_payment_id, $2), updated_at = now() where id = $1 and status in ('created', 'unknown')`, [attempt.id, payment.id]);
    log.info({ component: 'billing', provider: 'yookassa', payment: payment.id, reason: state.reason }, 'payment canceled at YooKassa');
  } else {
    // Told of an outcome YooKassa does not confirm (a forged or early notification): nothing happens.
    log.warn({ component: 'billing', provider: 'yookassa', payment: payment.id, status: payment.status }, 'notification not confirmed by YooKassa: nothing booked');
  }
}
