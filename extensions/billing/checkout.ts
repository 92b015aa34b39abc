import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { inTransaction } from '../../kernel/db.ts';
import { AppError, conflict, notFound, unavailable } from '../../kernel/errors.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { minorOf, type MonetaNotification } from '../../schemas/events/moneta.ts';
import { currentVersion, planById } from './catalog-store.ts';
import { localDay } from './days.ts';
import { recordPayment, type PaymentOutcome } from './paid-periods.ts';
import { ProviderRefused, type PaymentProvider, type PayRequest } from './providers/provider.ts';
import { subscriptionBySource } from './subscriptions-store.ts';
import { queuePaidNotice } from './notices-store.ts';

/**
 * What the site sells, and a checkout (issue 14): an order and its payment attempt, whose id
 * is the idempotency key the provider carries back; a second checkout of the same plan while
 * one is open answers the open one. Providers plug in as PaymentProvider (providers/).
 */
export interface CheckoutDeps {
  db: Pool;
  clock: () => Date;
  timeZone: string;
  publicUrl: string;
  /** In order of preference: a plan goes to the first that takes its currency, unless the payer names one. */
  providers: readonly PaymentProvider[];
  log?: Logger;
}

export async function catalog(db: Pool, jurisdiction: 'ru' | 'world' | undefined, today: string) {
  const { rows } = await db.query(
    `select p.id as product_id, p.title as product, p.kind, p.guides, pl.id as plan_id, pl.title as plan, pl.duration,
       to_char(pl.starts_on, 'YYYY-MM-DD') as starts_on, to_char(pl.ends_on, 'YYYY-MM-DD') as ends_on, pl.jurisdiction, pl.currency, pl.installments
     from billing_plan pl join billing_product p on p.id = pl.product_id
     where not pl.deleted and not pl.archived and not p.deleted and ($1::text is null or pl.jurisdiction = $1)
       and (pl.duration <> 'fixed dates' or pl.ends_on >= $2::date)
     order by p.kind, p.id, pl.id`, [jurisdiction ?? null, today]);
  const out = [];
  for (const r of rows) {
    const price = await inTransaction(db, (tx) => currentVersion(tx, r.plan_id, today));
    if (price) out.push({ ...r, amountMinor: price.amountMinor, priceFrom: price.validFrom });
  }
  return out;
}

export interface CheckoutAnswer { orderId: string; attemptId: string; provider: string; payUrl: string; amountMinor: number; currency: string; reused: boolean }

/** The thank-you page of an order: where every provider sends the payer back. */
export const orderPagePath = (orderId: string) => `/billing/orders/${orderId}`;

interface Prepared { reuse?: CheckoutAnswer; attemptId: string; orderId: string; amountMinor: number; currency: string; provider: PaymentProvider; request: PayRequest }

/**
 * The order and its attempt are written first (committed), then the provider is asked: a
 * provider that answers gives the pay URL; one that refuses fails the attempt (a new
 * checkout tries again); one that does not answer leaves the outcome unknown, which blocks
 * further attempts of the order until the reconciliation pass learns what happened.
 */
export async function checkout(deps: CheckoutDeps, p: { personId: string; planId: number; locale?: 'ru' | 'en'; provider?: string; installments?: boolean }): Promise<CheckoutAnswer> {
  const today = localDay(deps.clock(), deps.timeZone);
  const prepared = await inTransaction(deps.db, (tx) => prepare(tx, deps, p, today));
  if (prepared.reuse) return prepared.reuse;
  const { provider, attemptId, orderId } = prepared;
  try {
    const started = await provider.start(prepared.request);
    await deps.db.query(`update billing_attempt set pay_url = $2, provider_payment_id = coalesce($3, provider_payment_id), updated_at = now() where id = $1`,
      [attemptId, started.payUrl, started.providerPaymentId ?? null]);
    return { orderId, attemptId, provider: provider.name, payUrl: started.payUrl, amountMinor: prepared.amountMinor, currency: prepared.currency, reused: false };
  } catch (e) {
    const refused = e instanceof ProviderRefused;
    await deps.db.query(`update billing_attempt set status = $2, updated_at = now() where id = $1 and status = 'created'`, [attemptId, refused ? 'failed' : 'unknown']);
    deps.log?.warn({ component: 'billing', provider: provider.name, attempt: attemptId, err: (e as Error).message }, refused ? 'payment provider refused the payment' : 'payment provider did not answer: outcome unknown');
    if (refused) throw new AppError('PAYMENT_PROVIDER_REFUSED', 502, `${provider.name} refused the payment: try again later or another way to pay`);
    throw new AppError('PAYMENT_OUTCOME_UNKNOWN', 503, `${provider.name} did not answer: the payment is being checked with it; try again in a few minutes`);
  }
}

async function prepare(tx: PoolClient, deps: CheckoutDeps, p: { personId: string; planId: number; provider?: string; locale?: 'ru' | 'en'; installments?: boolean }, today: string): Promise<Prepared> {
  // One checkout per person at a time: a double click gets the same order.
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`checkout:${p.personId}`]);
  const plan = await planById(tx, p.planId);
  if (!plan || plan.deleted || plan.productId === null) throw notFound('PLAN_NOT_FOUND', `no plan ${p.planId} for sale`);
  const holder = await subscriptionBySource(tx, `paid:${p.personId}:${p.planId}`);
  if (plan.archived && !holder) throw conflict('PLAN_ARCHIVED', 'this plan is no longer sold');
  const open = (await tx.query<{ order_id: string; attempt_id: string | null; provider: string | null; status: string | null; pay_url: string | null; amount_minor: string; currency: string }>(
    `select o.id as order_id, a.id as attempt_id, a.provider, a.status, a.pay_url, o.amount_minor, o.currency
     from billing_order o left join billing_attempt a on a.order_id = o.id and a.status in ('created', 'unknown')
     where o.person_id = $1 and o.plan_id = $2 and o.status = 'open'`, [p.personId, p.planId])).rows[0];
  if (open?.status === 'unknown') throw conflict('PAYMENT_OUTCOME_UNKNOWN', 'the last payment attempt has no known outcome yet: it is being checked with the provider');
  if (open?.attempt_id && !open.pay_url) throw conflict('CHECKOUT_IN_PROGRESS', 'the payment is being prepared: try again in a moment');
  if (open?.attempt_id && open.pay_url && (!p.provider || p.provider === open.provider)) {
    return { reuse: { orderId: open.order_id, attemptId: open.attempt_id, provider: open.provider!, payUrl: open.pay_url, amountMinor: Number(open.amount_minor), currency: open.currency, reused: true } } as Prepared;
  }
  if (p.installments && !(plan.installments > 1)) throw conflict('INSTALLMENTS_INVALID', 'this plan is not sold in parts');
  const version = await currentVersion(tx, plan.id, today);
  if (!version) throw conflict('PRICE_NOT_SET', 'this plan has no price yet');
  const provider = deps.providers.find((x) => x.currencies.includes(plan.currency) && (!p.provider || x.name === p.provider));
  if (!provider) throw unavailable('PAYMENTS_NOT_CONFIGURED', p.provider ? `${p.provider} does not take ${plan.currency} here` : `no payment provider for ${plan.currency} is configured`);
  if (open?.attempt_id) {
    // The payer chose another way to pay: the open attempt is abandoned. If it is paid after
    // all, its money is still booked (applyProviderPayment finds it whatever its status).
    await tx.query(`update billing_attempt set status = 'failed', updated_at = now() where id = $1 and status = 'created'`, [open.attempt_id]);
  }
  const amountMinor = open ? Number(open.amount_minor)
    : holder && plan.renewalKeepsPrice && holder.priceMinor ? holder.priceMinor : version.amountMinor;
  const orderId = open?.order_id ?? randomUUID();
  const attemptId = randomUUID();
  if (!open) {
    await tx.query('insert into billing_order (id, person_id, plan_id, amount_minor, currency, status) values ($1, $2, $3, $4, $5, $6)',
      [orderId, p.personId, plan.id, amountMinor, plan.currency, 'open']);
  }
  const request: PayRequest = {
    attemptId, orderId, personId: p.personId, planId: plan.id, amountMinor, currency: plan.currency,
    description: plan.title, returnUrl: `${deps.publicUrl}${orderPagePath(orderId)}`, locale: p.locale ?? 'ru', ...(p.installments ? { installments: true } : {}),
  };
  // What the provider is asked is kept: a provider that needs the same body to repeat the creation (reconcile.ts) has it.
  await tx.query(`insert into billing_attempt (id, order_id, provider, status, request) values ($1, $2, $3, 'created', $4)`, [attemptId, orderId, provider.name, request]);
  return { attemptId, orderId, amountMinor, currency: plan.currency, provider, request };
}

/** A payment a provider confirmed (its notification verified, or the payment re-read from it). */
export interface ConfirmedPayment {
  provider: string;
  /** Our attempt's id, as the provider carries it back. */
  attemptId: string;
  /** The provider's own id of the payment: the booking's idempotency key. */
  providerPaymentId: string;
  amountMinor: number;
  currency: string;
  feeMinor?: number;
  paidAt: Date;
}

/**
 * The one way a provider's confirmed payment is booked, in the worker's transaction: the
 * attempt succeeds, its order is paid, recordPayment books the money and the period, and the
 * payer's what-next message is queued (notice-sender.ts delivers it).
 * Once per provider payment id, whatever the number and order of deliveries. An attempt
 * abandoned or failed that is paid after all is still booked: money is never dropped. A
 * payment for no attempt of ours, or in another currency, is an invalid job for staff.
 */
export async function applyProviderPayment(tx: PoolClient, c: ConfirmedPayment, opts: { today: string; now: Date }): Promise<PaymentOutcome> {
  const attempt = (await tx.query<{ id: string; order_id: string; person_id: string; plan_id: number; currency: string }>(
    `select a.id, a.order_id, o.person_id, o.plan_id, o.currency from billing_attempt a join billing_order o on o.id = a.order_id
     where a.id::text = $1 and a.provider = $2 for update of a, o`, [c.attemptId, c.provider])).rows[0];
  if (!attempt) throw new InvalidPayload([{ path: 'attempt', message: `no ${c.provider} payment attempt of ours has the id ${c.attemptId}` }], `${c.provider} payment for an unknown attempt`);
  if (c.currency !== attempt.currency) throw new InvalidPayload([{ path: 'currency', message: `the order is in ${attempt.currency}, the payment in ${c.currency}` }], `${c.provider} payment in another currency`);
  await tx.query(`update billing_attempt set status = 'succeeded', provider_payment_id = $2, updated_at = now() where id = $1`, [attempt.id, c.providerPaymentId]);
  await tx.query(`update billing_order set status = 'paid', updated_at = now() where id = $1`, [attempt.order_id]);
  const outcome = await recordPayment(tx, {
    paymentId: `${c.provider}:${c.providerPaymentId}`, provider: c.provider, personId: attempt.person_id, planId: attempt.plan_id,
    amountMinor: c.amountMinor, currency: c.currency, ...(c.feeMinor ? { feeMinor: c.feeMinor } : {}), paidAt: c.paidAt, today: opts.today,
  });
  // What next, told at once: written with the booking (a crash loses neither), once per order.
  if (outcome.type === 'period') await queuePaidNotice(tx, { orderId: attempt.order_id, personId: attempt.person_id });
  return outcome;
}

/**
 * A Moneta payment as its Pay URL told it (already signature-checked by hooks/moneta.ts). A
 * test payment while the shop is live is never a period: it becomes an invalid job for staff.
 */
export async function applyMonetaPayment(tx: PoolClient, n: MonetaNotification, opts: { testMode: boolean; today: string; now: Date }): Promise<PaymentOutcome> {
  if (n.MNT_TEST_MODE === '1' && !opts.testMode) throw new InvalidPayload([{ path: 'MNT_TEST_MODE', message: 'a test payment while the shop is live' }], 'Moneta test payment ignored');
  return applyProviderPayment(tx, {
    provider: 'moneta', attemptId: n.MNT_TRANSACTION_ID, providerPaymentId: n.MNT_OPERATION_ID,
    amountMinor: minorOf(n.MNT_AMOUNT), currency: n.MNT_CURRENCY_CODE, paidAt: opts.now,
  }, opts);
}
