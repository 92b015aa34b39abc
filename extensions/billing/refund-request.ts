import type { Pool } from 'pg';
import { inTransaction } from '../../kernel/db.ts';
import { AppError, notFound } from '../../kernel/errors.ts';
import { localDay } from './days.ts';
import { ProviderRefused, type PaymentProvider } from './providers/provider.ts';
import { applyProviderRefund, type RefundOutcome } from './refunds.ts';

/**
 * Asking a payment's provider to return money (issue 14), then booking what it confirmed
 * through applyProviderRefund (once per provider refund id, never more than is left). A
 * provider that says pending books later, from its notification or a lookup.
 */
export interface RefundRequestDeps { db: Pool; clock: () => Date; timeZone: string; providers: readonly PaymentProvider[] }

export type RefundRequestOutcome = RefundOutcome | { type: 'pending'; providerRefundId: string };

export async function refundThroughProvider(deps: RefundRequestDeps, r: { provider: string; providerPaymentId: string; amountMinor?: number; reason: string; refundId: string }): Promise<RefundRequestOutcome> {
  const provider = deps.providers.find((p) => p.name === r.provider);
  if (!provider?.refund) throw new AppError('PAYMENT_PROVIDER_REFUSED', 409, `${r.provider} cannot refund from here`);
  const paid = (await deps.db.query<{ amount_minor: string; currency: string }>(
    `select e.amount_minor::text as amount_minor, e.currency from billing_entry e
     where e.transfer_id = $1 and e.account like 'provider:%'`, [`payment:${r.provider}:${r.providerPaymentId}`])).rows[0];
  if (!paid) throw notFound('PAYMENT_NOT_FOUND', `no ${r.provider} payment ${r.providerPaymentId} is booked`);
  const amountMinor = r.amountMinor ?? Number(paid.amount_minor);
  let answer;
  try {
    answer = await provider.refund({ refundId: r.refundId, providerPaymentId: r.providerPaymentId, amountMinor, currency: paid.currency, reason: r.reason });
  } catch (e) {
    if (e instanceof ProviderRefused) throw new AppError('PAYMENT_PROVIDER_REFUSED', 502, e.message);
    throw e;
  }
  if (answer.status === 'failed') throw new AppError('PAYMENT_PROVIDER_REFUSED', 502, `${r.provider} did not refund the payment`);
  if (answer.status === 'pending') return { type: 'pending', providerRefundId: answer.providerRefundId };
  const refundedAt = answer.refundedAt ?? deps.clock();
  return inTransaction(deps.db, (tx) => applyProviderRefund(tx, {
    provider: r.provider, providerPaymentId: r.providerPaymentId, providerRefundId: answer.providerRefundId, amountMinor, currency: paid.currency, refundedAt, reason: r.reason,
  }, { today: localDay(deps.clock(), deps.timeZone) }));
}
