import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../kernel/db.ts';
import { conflict, notFound, unavailable } from '../../kernel/errors.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { minorOf, type MonetaNotification } from '../../schemas/events/moneta.ts';
import { currentVersion, planById } from './catalog-store.ts';
import { localDay } from './days.ts';
import { recordPayment, type PaymentOutcome } from './paid-periods.ts';
import { monetaPayUrl, type MonetaAccount } from './providers/moneta.ts';
import { subscriptionBySource } from './subscriptions-store.ts';

/**
 * What the site sells, and a checkout (issue 14): an order and its payment attempt, whose id
 * is the idempotency key the provider carries back; a second checkout of the same plan while
 * one is open answers the open one. Today Moneta (roubles); YooKassa and Stripe plug in here.
 */
export interface CheckoutDeps {
  db: Pool;
  clock: () => Date;
  timeZone: string;
  publicUrl: string;
  moneta?: MonetaAccount;
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

export async function checkout(deps: CheckoutDeps, p: { personId: string; planId: number; locale?: 'ru' | 'en' }): Promise<CheckoutAnswer> {
  const today = localDay(deps.clock(), deps.timeZone);
  return inTransaction(deps.db, async (tx) => {
    // One checkout per person at a time: a double click gets the same order.
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`checkout:${p.personId}`]);
    const plan = await planById(tx, p.planId);
    if (!plan || plan.deleted || plan.productId === null) throw notFound('PLAN_NOT_FOUND', `no plan ${p.planId} for sale`);
    const holder = await subscriptionBySource(tx, `paid:${p.personId}:${p.planId}`);
    if (plan.archived && !holder) throw conflict('PLAN_ARCHIVED', 'this plan is no longer sold');
    const open = (await tx.query<{ order_id: string; attempt_id: string; provider: string; status: string; pay_url: string; amount_minor: string; currency: string }>(
      `select o.id as order_id, a.id as attempt_id, a.provider, a.status, a.pay_url, o.amount_minor, o.currency
       from billing_order o join billing_attempt a on a.order_id = o.id and a.status in ('created', 'unknown')
       where o.person_id = $1 and o.plan_id = $2 and o.status = 'open'`, [p.personId, p.planId])).rows[0];
    if (open) {
      if (open.status === 'unknown') throw conflict('PAYMENT_OUTCOME_UNKNOWN', 'the last payment attempt has no known outcome yet: it is being checked with the provider');
      return { orderId: open.order_id, attemptId: open.attempt_id, provider: open.provider, payUrl: open.pay_url, amountMinor: Number(open.amount_minor), currency: open.currency, reused: true };
    }
    const version = await currentVersion(tx, plan.id, today);
    if (!version) throw conflict('PRICE_NOT_SET', 'this plan has no price yet');
    const amountMinor = holder && plan.renewalKeepsPrice && holder.priceMinor ? holder.priceMinor : version.amountMinor;
    if (plan.currency !== 'RUB' || !deps.moneta) throw unavailable('PAYMENTS_NOT_CONFIGURED', `no payment provider for ${plan.currency} is configured`);
    const orderId = randomUUID();
    const attemptId = randomUUID();
    const payUrl = monetaPayUrl(deps.moneta, {
      transactionId: attemptId, amountMinor, currency: plan.currency, subscriberId: p.personId, description: plan.title,
      successUrl: `${deps.publicUrl}/subscriptions?paid=${orderId}`, failUrl: `${deps.publicUrl}/subscriptions?failed=${orderId}`, locale: p.locale,
    });
    await tx.query('insert into billing_order (id, person_id, plan_id, amount_minor, currency, status) values ($1, $2, $3, $4, $5, $6)',
      [orderId, p.personId, plan.id, amountMinor, plan.currency, 'open']);
    await tx.query(`insert into billing_attempt (id, order_id, provider, status, pay_url) values ($1, $2, 'moneta', 'created', $3)`, [attemptId, orderId, payUrl]);
    return { orderId, attemptId, provider: 'moneta', payUrl, amountMinor, currency: plan.currency, reused: false };
  });
}

/**
 * A Moneta payment as its Pay URL told it (already signature-checked by hooks/moneta.ts):
 * the attempt it names succeeds, its order is paid, and recordPayment books the money and
 * the period, all in the worker's transaction. A test payment while the shop is live, or a
 * payment for no attempt of ours, is never a period: it becomes an invalid job for staff.
 */
export async function applyMonetaPayment(tx: PoolClient, n: MonetaNotification, opts: { testMode: boolean; today: string; now: Date }): Promise<PaymentOutcome> {
  if (n.MNT_TEST_MODE === '1' && !opts.testMode) throw new InvalidPayload([{ path: 'MNT_TEST_MODE', message: 'a test payment while the shop is live' }], 'Moneta test payment ignored');
  const attempt = (await tx.query<{ id: string; order_id: string; status: string; person_id: string; plan_id: number; currency: string }>(
    `select a.id, a.order_id, a.status, o.person_id, o.plan_id, o.currency from billing_attempt a join billing_order o on o.id = a.order_id
     where a.id::text = $1 and a.provider = 'moneta' for update of a, o`, [n.MNT_TRANSACTION_ID])).rows[0];
  if (!attempt) throw new InvalidPayload([{ path: 'MNT_TRANSACTION_ID', message: 'no payment attempt of ours has this id' }], 'Moneta payment for an unknown attempt');
  if (n.MNT_CURRENCY_CODE !== attempt.currency) throw new InvalidPayload([{ path: 'MNT_CURRENCY_CODE', message: `the order is in ${attempt.currency}` }], 'Moneta payment in another currency');
  await tx.query(`update billing_attempt set status = 'succeeded', provider_payment_id = $2, updated_at = now() where id = $1`, [attempt.id, n.MNT_OPERATION_ID]);
  await tx.query(`update billing_order set status = 'paid', updated_at = now() where id = $1`, [attempt.order_id]);
  return recordPayment(tx, {
    paymentId: `moneta:${n.MNT_OPERATION_ID}`, provider: 'moneta', personId: attempt.person_id, planId: attempt.plan_id,
    amountMinor: minorOf(n.MNT_AMOUNT), currency: n.MNT_CURRENCY_CODE, paidAt: opts.now, today: opts.today,
  });
}
