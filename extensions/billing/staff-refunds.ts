import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { NocoRows } from '../../nocodb/client.ts';
import type { RefundRow } from '../../schemas/nocodb/billing-refunds.ts';
import { refundProblem, type RefundProblem } from './messages.ts';
import { ProviderRefused, type PaymentProvider } from './providers/provider.ts';
import { applyProviderRefund } from './refunds.ts';

/**
 * A refund staff ask for in the Refunds grid (issue 14), in the worker's transaction: the
 * payment is found among the booked ones, the amount checked against what is left of it, and
 * its provider asked with an idempotency key derived from the row, so the row handled again
 * (a crash, a repeated webhook, the sweep, the service's own write-back) asks for the same
 * refund, never a second. A refund the provider answers as final books at once
 * (applyProviderRefund); a pending one books when the provider confirms it
 * (confirmStaffRefund, from its notification). What became of the row is written back into
 * its Status, ProviderRefundId and Problem cells, in Russian.
 */
export interface StaffRefundDeps {
  nocodb: NocoRows;
  providers: readonly PaymentProvider[];
}

export interface StaffRefundOutcome { status: 'pending' | 'succeeded' | 'failed' | 'refused'; providerRefundId: string | null; problem: string | null }

interface Request { row_id: number; status: 'pending' | 'succeeded' | 'failed'; provider_refund_id: string | null; problem: string | null }

/** The provider's idempotency key of a row's refund: the row's id and when it was made (a row id alone repeats across bases). */
export const refundKeyOf = (row: { Id: number; CreatedAt?: string | null }) =>
  `refunds-${row.Id}-${createHash('sha256').update(String(row.CreatedAt ?? '')).digest('hex').slice(0, 16)}`;

const refused = (p: RefundProblem): StaffRefundOutcome => ({ status: 'refused', providerRefundId: null, problem: refundProblem(p, 'ru') });
const outcomeOf = (r: Request): StaffRefundOutcome => ({ status: r.status, providerRefundId: r.provider_refund_id, problem: r.problem });

export async function handleRefundRow(tx: PoolClient, deps: StaffRefundDeps, row: RefundRow & { CreatedAt?: string | null }, opts: { today: string; now: Date }): Promise<StaffRefundOutcome> {
  const outcome = await decide(tx, deps, row, opts);
  await writeBack(deps.nocodb, row, outcome);
  return outcome;
}

async function decide(tx: PoolClient, deps: StaffRefundDeps, row: RefundRow & { CreatedAt?: string | null }, opts: { today: string; now: Date }): Promise<StaffRefundOutcome> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`refund-row:${row.Id}`]);
  // Asked once: the row is that refund from then on, whatever is edited in it.
  const asked = (await tx.query<Request>('select row_id, status, provider_refund_id, problem from billing_refund_request where row_id = $1', [row.Id])).rows[0];
  if (asked?.status === 'pending' && asked.provider_refund_id) {
    // Its confirmation may have been booked before this row's request committed.
    const provider = (await tx.query<{ provider: string }>('select provider from billing_refund_request where row_id = $1', [row.Id])).rows[0]!.provider;
    const booked = await tx.query('select 1 from billing_transfer where id = $1', [`refund:${provider}:${asked.provider_refund_id}`]);
    if (booked.rowCount) {
      await tx.query(`update billing_refund_request set status = 'succeeded', updated_at = now() where row_id = $1`, [row.Id]);
      return { ...outcomeOf(asked), status: 'succeeded' };
    }
  }
  if (asked) return outcomeOf(asked);
  if (!row.Reason) return refused({ kind: 'reason_required' });
  if (!row.Payment) return refused({ kind: 'payment_required' });
  const named = /^([a-z]{2,20}):(.+)$/.exec(row.Payment);
  const paymentId = named ? named[2]! : row.Payment;
  const found = (await tx.query<{ provider: string; currency: string }>(
    `select distinct a.provider, o.currency from billing_attempt a join billing_order o on o.id = a.order_id
     where a.provider_payment_id = $1 and a.status = 'succeeded' and ($2::text is null or a.provider = $2)`, [paymentId, named?.[1] ?? null])).rows;
  if (!found.length) return refused({ kind: 'payment_unknown', payment: row.Payment });
  if (found.length > 1) return refused({ kind: 'payment_ambiguous', payment: row.Payment, providers: found.map((f) => f.provider) });
  const { provider: providerName, currency } = found[0]!;
  // Refunds of one payment one at a time: what is left is read under this lock.
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`refund-payment:${providerName}:${paymentId}`]);
  const left = await leftOf(tx, providerName, paymentId, currency);
  if (left <= 0) return refused({ kind: 'nothing_left', payment: row.Payment });
  const amountMinor = row.AmountMinor ?? left;
  if (amountMinor <= 0 || amountMinor > left) return refused({ kind: 'amount_invalid', amountMinor, leftMinor: left, currency });
  const provider = deps.providers.find((p) => p.name === providerName);
  if (!provider?.refund) return refused({ kind: 'provider_cannot_refund', provider: providerName });

  const refundKey = refundKeyOf(row);
  let answer: Awaited<ReturnType<NonNullable<PaymentProvider['refund']>>>;
  try {
    answer = await provider.refund({ refundId: refundKey, providerPaymentId: paymentId, amountMinor, currency, reason: row.Reason });
  } catch (e) {
    // A final no is recorded; anything else (no answer) is thrown, and the job asks again with the same key.
    if (!(e instanceof ProviderRefused)) throw e;
    return record(tx, { row, refundKey, providerName, paymentId, amountMinor, currency, status: 'failed', providerRefundId: null,
      problem: refundProblem({ kind: 'provider_refused', provider: providerName, reason: e.message.replace(/^\w+ refused: /, '') }, 'ru') });
  }
  if (answer.status === 'succeeded') {
    await applyProviderRefund(tx, {
      provider: providerName, providerPaymentId: paymentId, providerRefundId: answer.providerRefundId, amountMinor, currency,
      refundedAt: answer.refundedAt ?? opts.now, reason: row.Reason,
    }, { today: opts.today });
  }
  return record(tx, { row, refundKey, providerName, paymentId, amountMinor, currency, status: answer.status, providerRefundId: answer.providerRefundId,
    problem: answer.status === 'failed' ? refundProblem({ kind: 'provider_refused', provider: providerName, reason: answer.reason ?? 'no reason given' }, 'ru') : null });
}

/** Paid, less what is refunded and what is asked and not yet confirmed. */
async function leftOf(tx: PoolClient, provider: string, paymentId: string, currency: string): Promise<number> {
  const { rows } = await tx.query<{ paid: string | null; refunded: string; asked: string }>(
    `select (select e.amount_minor from billing_entry e where e.transfer_id = $1 and e.account = $2)::text as paid,
       (select coalesce(sum(-e.amount_minor), 0) from billing_transfer t join billing_entry e on e.transfer_id = t.id and e.account = $2
         where t.kind = 'refund' and t.memo ->> 'payment' = $3)::text as refunded,
       (select coalesce(sum(amount_minor), 0) from billing_refund_request where provider = $4 and provider_payment_id = $5 and status = 'pending')::text as asked`,
    [`payment:${provider}:${paymentId}`, `provider:${provider}:${currency}`, `${provider}:${paymentId}`, provider, paymentId]);
  const r = rows[0]!;
  return Number(r.paid ?? 0) - Number(r.refunded) - Number(r.asked);
}

async function record(tx: PoolClient, r: { row: RefundRow; refundKey: string; providerName: string; paymentId: string; amountMinor: number; currency: string; status: Request['status']; providerRefundId: string | null; problem: string | null }): Promise<StaffRefundOutcome> {
  await tx.query(
    `insert into billing_refund_request (row_id, refund_key, provider, provider_payment_id, amount_minor, currency, reason, status, provider_refund_id, problem)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [r.row.Id, r.refundKey, r.providerName, r.paymentId, r.amountMinor, r.currency, r.row.Reason, r.status, r.providerRefundId, r.problem]);
  return { status: r.status, providerRefundId: r.providerRefundId, problem: r.problem };
}

/** The row's service cells, written only when they differ (the write fires a webhook, which then finds nothing to change). */
async function writeBack(nocodb: NocoRows, row: RefundRow, o: StaffRefundOutcome): Promise<void> {
  const same = (row.Status ?? null) === o.status && (row.ProviderRefundId || null) === o.providerRefundId && (row.Problem || null) === o.problem;
  if (!same) await nocodb.update('refunds', [{ Id: row.Id, Status: o.status, ProviderRefundId: o.providerRefundId, Problem: o.problem }]);
}

/**
 * A refund the provider confirmed later (its notification, re-read): the row that asked for
 * it, if staff asked through the grid, says so. The money is booked by the caller.
 */
export async function confirmStaffRefund(tx: PoolClient, nocodb: NocoRows, provider: string, providerRefundId: string, status: 'succeeded' | 'failed', problem?: string): Promise<void> {
  const { rows } = await tx.query<{ row_id: number }>(
    `update billing_refund_request set status = $3, problem = $4, updated_at = now() where provider = $1 and provider_refund_id = $2 and status = 'pending' returning row_id`,
    [provider, providerRefundId, status, problem ?? null]);
  for (const r of rows) await nocodb.update('refunds', [{ Id: r.row_id, Status: status, ProviderRefundId: providerRefundId, Problem: problem ?? null }]);
}
