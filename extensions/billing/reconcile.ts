import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { inTransaction } from '../../kernel/db.ts';
import { applyProviderPayment } from './checkout.ts';
import { localDay } from './days.ts';
import type { PaymentProvider, PayRequest } from './providers/provider.ts';

/**
 * The reconciliation pass (issue 14): attempts still open (created, or whose outcome is
 * unknown after a timeout) are asked about at their provider, oldest first. A payment the
 * provider confirms is booked as its notification would be (applyProviderPayment, once per
 * provider payment id); a failed or absent one fails the attempt, which unblocks the order;
 * a pending one waits. An attempt whose pay URL was never made (a crash between the order's
 * commit and the provider's answer) and whose provider cannot be asked was shown to nobody:
 * it fails after `staleMinutes`.
 */
export interface ReconcileDeps { db: Pool; log: Logger; clock: () => Date; timeZone: string; providers: readonly PaymentProvider[] }

export interface ReconcileReport { asked: number; booked: number; failed: number; pending: number; errors: number }

export async function reconcileAttempts(deps: ReconcileDeps, opts: { olderThanSeconds?: number; staleMinutes?: number; limit?: number } = {}): Promise<ReconcileReport> {
  const report: ReconcileReport = { asked: 0, booked: 0, failed: 0, pending: 0, errors: 0 };
  const byName = new Map(deps.providers.map((p) => [p.name, p]));
  const { rows } = await deps.db.query<{ id: string; provider: string; status: string; provider_payment_id: string | null; pay_url: string | null; created_at: Date; amount_minor: string; currency: string; request: PayRequest | null }>(
    `select a.id, a.provider, a.status, a.provider_payment_id, a.pay_url, a.created_at, o.amount_minor, o.currency, a.request
     from billing_attempt a join billing_order o on o.id = a.order_id
     where a.status in ('created', 'unknown') and a.updated_at < now() - make_interval(secs => $1)
     order by a.created_at limit $2`, [opts.olderThanSeconds ?? 60, opts.limit ?? 500]);
  for (const a of rows) {
    const provider = byName.get(a.provider);
    if (!provider?.lookup) {
      if (!a.pay_url && a.created_at.getTime() < deps.clock().getTime() - (opts.staleMinutes ?? 10) * 60_000) {
        await deps.db.query(`update billing_attempt set status = 'failed', updated_at = now() where id = $1 and status in ('created', 'unknown')`, [a.id]);
        report.failed++;
      }
      continue;
    }
    report.asked++;
    try {
      const state = await provider.lookup({ attemptId: a.id, providerPaymentId: a.provider_payment_id, createdAt: a.created_at, amountMinor: Number(a.amount_minor), currency: a.currency, ...(a.request ? { request: a.request } : {}) });
      if (state.status === 'succeeded') {
        const now = deps.clock();
        await inTransaction(deps.db, (tx) => applyProviderPayment(tx, { provider: provider.name, attemptId: a.id, ...state }, { today: localDay(now, deps.timeZone), now }));
        report.booked++;
      } else if (state.status === 'failed' || state.status === 'absent') {
        await deps.db.query(`update billing_attempt set status = 'failed', provider_payment_id = coalesce($2, provider_payment_id), updated_at = now() where id = $1 and status in ('created', 'unknown')`,
          [a.id, state.status === 'failed' ? state.providerPaymentId ?? null : null]);
        report.failed++;
      } else {
        // Still payable at the provider: an unknown outcome whose pay URL is known becomes an
        // open attempt again (a checkout answers it); without one it stays unknown.
        await deps.db.query(`update billing_attempt set status = case when coalesce($3, pay_url) is null then status else 'created' end,
            provider_payment_id = coalesce($2, provider_payment_id), pay_url = coalesce($3, pay_url), updated_at = now()
          where id = $1 and status in ('created', 'unknown')`, [a.id, state.providerPaymentId ?? null, state.payUrl ?? null]);
        report.pending++;
      }
    } catch (e) {
      report.errors++;
      deps.log.warn({ component: 'billing', provider: provider.name, attempt: a.id, err: (e as Error).message }, 'reconciliation could not ask the provider; next round');
    }
  }
  return report;
}
