import type { PoolClient } from 'pg';
import { badRequest, conflict, notFound } from '../../kernel/errors.ts';
import { currentVersion, planById } from './catalog-store.ts';
import { addDays } from './days.ts';
import { postTransfer } from './ledger.ts';
import { periodFrom } from './periods.ts';
import { openSubscription, subscriptionBySource, transition } from './subscriptions-store.ts';

/**
 * The one function payment providers call (issue 14): a payment that arrived, booked and
 * turned into a paid period in the caller's transaction, so that money and access commit
 * together or not at all. Idempotent by `paymentId` (a repeated notification books nothing
 * and extends nothing).
 *
 * What it costs: the price the plan sells at today, or for a renewal of a plan that keeps
 * the price bought at, that price. Less than that is booked (money is never dropped) but
 * gives no period: it stays on the person's receivable for staff to settle.
 */
export interface IncomingPayment {
  paymentId: string;
  provider: string;
  personId: string;
  planId: number;
  amountMinor: number;
  currency: string;
  feeMinor?: number;
  paidAt: Date;
  /** The school's date today (its zone). */
  today: string;
}

export type PaymentOutcome =
  | { type: 'period'; subscriptionId: number; startsOn: string; endsOn: string; renewed: boolean }
  | { type: 'short'; expectedMinor: number }
  | { type: 'repeat' };

export async function recordPayment(tx: PoolClient, p: IncomingPayment): Promise<PaymentOutcome> {
  if (!Number.isSafeInteger(p.amountMinor) || p.amountMinor <= 0) throw badRequest('REQUEST_INVALID', 'a payment is a positive whole number of minor units');
  const plan = await planById(tx, p.planId);
  if (!plan || plan.deleted || plan.productId === null) throw notFound('PLAN_NOT_FOUND', `no plan ${p.planId} for sale`);
  if (plan.currency !== p.currency) throw conflict('REQUEST_INVALID', `plan ${p.planId} is sold in ${plan.currency}, not ${p.currency}`);
  const source = `paid:${p.personId}:${p.planId}`;
  const existing = await subscriptionBySource(tx, source, true);
  // An archived plan is not sold, but its holders renew it.
  if (plan.archived && !existing) throw conflict('PLAN_ARCHIVED', `plan ${p.planId} is archived: no longer sold`);
  const version = await currentVersion(tx, plan.id, p.today);
  if (!version) throw conflict('PRICE_NOT_SET', `plan ${p.planId} has no price`);
  const expected = existing && plan.renewalKeepsPrice && existing.priceMinor !== null ? existing.priceMinor : version.amountMinor;
  const product = `${plan.productId}`;
  const memo = { provider: p.provider, plan: plan.id, version: version.id, expectedMinor: expected };
  const invoiced = await postTransfer(tx, {
    id: `invoice:${p.paymentId}`, kind: 'invoice', occurredAt: p.paidAt, personId: p.personId, memo,
    entries: [
      { account: `person:${p.personId}:receivable`, currency: p.currency, amountMinor: Math.min(expected, p.amountMinor) },
      { account: `revenue:${product}`, currency: p.currency, amountMinor: -Math.min(expected, p.amountMinor) },
    ],
  });
  await postTransfer(tx, {
    id: `payment:${p.paymentId}`, kind: 'payment', occurredAt: p.paidAt, personId: p.personId, memo,
    entries: [
      { account: `provider:${p.provider}:${p.currency}`, currency: p.currency, amountMinor: p.amountMinor },
      { account: `person:${p.personId}:receivable`, currency: p.currency, amountMinor: -p.amountMinor },
    ],
  });
  if (p.feeMinor) {
    await postTransfer(tx, {
      id: `fee:${p.paymentId}`, kind: 'fee', occurredAt: p.paidAt, personId: p.personId, memo,
      entries: [
        { account: `expense:fees:${p.provider}`, currency: p.currency, amountMinor: p.feeMinor },
        { account: `provider:${p.provider}:${p.currency}`, currency: p.currency, amountMinor: -p.feeMinor },
      ],
    });
  }
  if (!invoiced) return { type: 'repeat' };
  if (p.amountMinor < expected) return { type: 'short', expectedMinor: expected };

  const trial = existing?.kind === 'trial';
  const cause = trial ? `bought after its trial: payment ${p.paymentId}` : existing ? `renewed by payment ${p.paymentId}` : `bought: payment ${p.paymentId}`;
  const change = { cause, actor: `payment:${p.provider}:${p.paymentId}`, key: `payment:${p.paymentId}` };
  if (existing) {
    // The next period follows the last one, or starts today if that one has lapsed. A trial
    // paid while it runs keeps its days: the paid period starts the day after its last day
    // (paying early must not cost the days the trial promised, and access runs on without a
    // gap); a trial that ended is paid from today.
    const from = existing.endsOn && existing.endsOn >= p.today ? addDays(existing.endsOn, 1) : p.today;
    const period = periodFrom(plan, from);
    const runs = (existing.status === 'active' || existing.status === 'trial') && existing.startsOn <= from;
    const startsOn = runs ? existing.startsOn : period.startsOn;
    const s = await transition(tx, existing, { status: 'active', startsOn, endsOn: period.endsOn, ...(trial ? { kind: 'paid' as const } : {}) }, change);
    // The price bought at is the price of this first payment.
    if (trial) await tx.query('update billing_subscription set price_version_id = $2, price_minor = $3 where id = $1', [s.id, version.id, expected]);
    return { type: 'period', subscriptionId: s.id, startsOn: s.startsOn, endsOn: s.endsOn!, renewed: !trial };
  }
  const period = periodFrom(plan, p.today);
  const { subscription } = await openSubscription(tx, {
    personId: p.personId, planId: plan.id, productId: plan.productId, kind: 'paid', status: 'active', startsOn: period.startsOn, endsOn: period.endsOn,
    priceVersionId: version.id, priceMinor: expected, currency: p.currency, renewalKeepsPrice: plan.renewalKeepsPrice, source,
  }, change);
  return { type: 'period', subscriptionId: subscription.id, startsOn: period.startsOn, endsOn: period.endsOn, renewed: false };
}
