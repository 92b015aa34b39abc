import type { PoolClient } from 'pg';
import { InvalidPayload } from '../../kernel/errors.ts';
import { addDays } from './days.ts';
import { postTransfer } from './ledger.ts';
import { subscriptionById, transition } from './subscriptions-store.ts';

/**
 * A refund the provider confirmed (issue 14), booked once per provider refund id in the
 * caller's transaction, against the payment it returns money of:
 *   refund:<provider>:<refund id>   the provider pays the person back (provider -R, receivable +R)
 *   credit:<provider>:<refund id>   the sale is taken back by as much (receivable -R, revenue +R)
 * Never more than was paid and not yet refunded: an excess is an invalid job for staff.
 *
 * Access, as declared here: a full refund takes back the period that payment bought (the
 * first purchase is cancelled; a renewal's period is cut back to where it ended before);
 * a partial refund is a discount after the fact and leaves access as it is.
 */
export interface ConfirmedRefund {
  provider: string;
  /** The provider's id of the payment refunded (as booked: payment:<provider>:<id>). */
  providerPaymentId: string;
  providerRefundId: string;
  amountMinor: number;
  currency: string;
  refundedAt: Date;
  reason?: string;
}

export type RefundOutcome = { type: 'repeat' } | { type: 'refunded'; full: boolean; refundedMinor: number; subscriptionId: number | null };

export async function applyProviderRefund(tx: PoolClient, r: ConfirmedRefund, opts: { today: string }): Promise<RefundOutcome> {
  const paymentId = `${r.provider}:${r.providerPaymentId}`;
  const payment = (await tx.query<{ person_id: string; amount_minor: string; currency: string; product: string | null }>(
    `select t.person_id, e.amount_minor::text as amount_minor, e.currency,
       (select split_part(i.account, ':', 2) from billing_entry i where i.transfer_id = $3 and i.account like 'revenue:%' limit 1) as product
     from billing_transfer t join billing_entry e on e.transfer_id = t.id and e.account = $2
     where t.id = $1 for update of t`, [`payment:${paymentId}`, `provider:${r.provider}:${r.currency}`, `invoice:${paymentId}`])).rows[0];
  if (!payment) throw new InvalidPayload([{ path: 'payment', message: `no ${r.provider} payment ${r.providerPaymentId} in ${r.currency} is booked` }], `${r.provider} refund of an unknown payment`);
  const refundId = `refund:${r.provider}:${r.providerRefundId}`;
  const already = await tx.query('select 1 from billing_transfer where id = $1', [refundId]);
  if (already.rowCount) return { type: 'repeat' };
  const refundedBefore = Number((await tx.query<{ n: string }>(
    `select coalesce(sum(-e.amount_minor), 0)::text as n from billing_transfer t join billing_entry e on e.transfer_id = t.id and e.account like 'provider:%'
     where t.kind = 'refund' and t.memo ->> 'payment' = $1`, [paymentId])).rows[0]!.n);
  const paid = Number(payment.amount_minor);
  if (!Number.isSafeInteger(r.amountMinor) || r.amountMinor <= 0 || refundedBefore + r.amountMinor > paid) {
    throw new InvalidPayload([{ path: 'amount', message: `${r.amountMinor} is more than the ${paid - refundedBefore} left of the payment` }], `${r.provider} refund larger than what is left`);
  }
  const memo = { provider: r.provider, payment: paymentId, ...(r.reason ? { reason: r.reason } : {}) };
  const person = payment.person_id;
  await postTransfer(tx, {
    id: refundId, kind: 'refund', occurredAt: r.refundedAt, personId: person, memo,
    entries: [
      { account: `provider:${r.provider}:${r.currency}`, currency: r.currency, amountMinor: -r.amountMinor },
      { account: `person:${person}:receivable`, currency: r.currency, amountMinor: r.amountMinor },
    ],
  });
  await postTransfer(tx, {
    id: `credit:${r.provider}:${r.providerRefundId}`, kind: 'correction', occurredAt: r.refundedAt, personId: person, memo,
    entries: [
      { account: `person:${person}:receivable`, currency: r.currency, amountMinor: -r.amountMinor },
      { account: `revenue:${payment.product ?? 'unknown'}`, currency: r.currency, amountMinor: r.amountMinor },
    ],
  });
  const full = refundedBefore + r.amountMinor === paid;
  const subscriptionId = full ? await takeBackPeriod(tx, paymentId, refundId, opts.today) : null;
  return { type: 'refunded', full, refundedMinor: refundedBefore + r.amountMinor, subscriptionId };
}

/** The period a payment bought, taken back: the event it made names the subscription and the end before it. */
async function takeBackPeriod(tx: PoolClient, paymentId: string, refundId: string, today: string): Promise<number | null> {
  const made = (await tx.query<{ subscription_id: string; id: string }>(`select subscription_id, id from billing_subscription_event where key = $1`, [`payment:${paymentId}`])).rows[0];
  if (!made) return null;
  const before = (await tx.query<{ status: string; ends_on: string | null }>(
    `select status, to_char(ends_on, 'YYYY-MM-DD') as ends_on from billing_subscription_event where subscription_id = $1 and id < $2 order by id desc limit 1`,
    [made.subscription_id, made.id])).rows[0];
  const current = await subscriptionById(tx, Number(made.subscription_id), true);
  if (!current) return null;
  const change = { cause: `refunded: ${refundId}`, actor: `refund:${refundId}`, key: refundId };
  if (!before || !before.ends_on || before.ends_on < today) {
    await transition(tx, current, { status: 'cancelled', endsOn: before?.ends_on && before.ends_on < today ? before.ends_on : addDays(today, -1) }, change);
  } else {
    await transition(tx, current, { endsOn: before.ends_on }, change);
  }
  return current.id;
}
