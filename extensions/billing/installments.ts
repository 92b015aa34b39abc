import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../kernel/db.ts';
import { badRequest, conflict, notFound } from '../../kernel/errors.ts';
import { currentVersion, planById } from './catalog-store.ts';
import { addMonths } from './days.ts';
import { postTransfer } from './ledger.ts';
import { accessOf, daysLate, overduePolicy, stageOf, stageSays, type OverduePolicy, type OverdueStage } from './overdue.ts';
import { periodFrom } from './periods.ts';
import { openSubscription, subscriptionBySource, transition, type Change, type Subscription, type SubscriptionStatus } from './subscriptions-store.ts';

/**
 * A plan sold in parts (Plans.Installments, issue 13): the price of the day split into N
 * monthly parts, the first due on the day of the order; the subscription holds for the plan's
 * whole period while the parts are paid on time, and an unpaid part follows the school's
 * overdue policy (overdue.ts). Payments for such an order come in through payInstallment.
 *
 * Each part is an invoice (receivable debit, revenue credit) booked on its due day, not all
 * at the start: the person's receivable is then what is owed now, so a part not yet due is
 * neither shown as a debt nor has to be reversed when a schedule is cancelled. A part paid
 * before its day (early payment of the rest) is invoiced when the payment covers it.
 *
 * Cancellation keeps what was paid (no refund) and writes the unpaid rest of the parts fallen
 * due off against revenue (one correction, `writeoff:<order>`), so revenue is what was paid
 * and the person owes nothing more; parts not yet due are void, never invoiced.
 */
const SOURCE = 'installments:';
const LIVE: string[] = ['active', 'past_due', 'suspended'];
const BATCH = 500;

export type PartState = 'scheduled' | 'reminder' | 'past_due' | 'suspended' | 'paid' | 'written_off' | 'void';
export interface Part { n: number; dueOn: string; amountMinor: number; currency: string; state: PartState; invoiceTransferId: string | null; paidTransferId: string | null }

/**
 * `totalMinor` in `parts` whole minor units that differ by one at most and sum to it exactly
 * (largest remainder: every share has the same remainder, so the first parts take the extra
 * unit: 100000 in 3 is 33334, 33333, 33333).
 */
export function splitEvenly(totalMinor: number, parts: number): number[] {
  const base = Math.floor(totalMinor / parts);
  const extra = totalMinor - base * parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/** The parts of `totalMinor` due monthly from `firstDue` (the 31st falls on a shorter month's last day). */
export function scheduleOf(totalMinor: number, parts: number, firstDue: string): { n: number; dueOn: string; amountMinor: number }[] {
  return splitEvenly(totalMinor, parts).map((amountMinor, i) => ({ n: i + 1, dueOn: addMonths(firstDue, i), amountMinor }));
}

/** How many parts, whole and in order, `paidMinor` (all paid to the schedule so far) covers. */
export function partsCovered(amounts: number[], paidMinor: number): number {
  let covered = 0;
  let left = paidMinor;
  for (const a of amounts) {
    if (left < a) break;
    left -= a;
    covered++;
  }
  return covered;
}

export interface InstallmentOrder {
  orderId: string;
  personId: string;
  planId: number;
  /** Fewer parts than the plan allows, if the buyer chose so. Default: Plans.Installments. */
  parts?: number;
  /** The school's date today (its zone): the first part is due on it. */
  today: string;
}

export interface InstallmentSchedule {
  subscriptionId: number; created: boolean; totalMinor: number; currency: string; startsOn: string; endsOn: string | null;
  parts: { n: number; dueOn: string; amountMinor: number; state: PartState }[];
}

/**
 * Opens an instalment order: its schedule at the plan's price today and its subscription
 * (active for the plan's whole period). The first part is invoiced at once; the provider
 * pays it with payInstallment in the same transaction. Idempotent by `orderId`.
 */
export async function startInstallments(tx: PoolClient, o: InstallmentOrder): Promise<InstallmentSchedule> {
  if (!o.orderId) throw badRequest('REQUEST_INVALID', 'an instalment order needs an id');
  const source = `${SOURCE}${o.orderId}`;
  const existing = await subscriptionBySource(tx, source, true);
  if (existing) {
    const parts = await partsOf(tx, existing.id);
    if (existing.personId !== o.personId || existing.planId !== o.planId || (o.parts !== undefined && o.parts !== parts.length)) {
      throw conflict('ORDER_ID_REUSED', `order ${o.orderId} was opened before for another person, plan or number of parts`);
    }
    return describe(existing, parts, false);
  }
  const plan = await planById(tx, o.planId);
  if (!plan || plan.deleted || plan.productId === null) throw notFound('PLAN_NOT_FOUND', `no plan ${o.planId} for sale`);
  if (plan.archived) throw conflict('PLAN_ARCHIVED', `plan ${o.planId} is archived: no longer sold`);
  const count = o.parts ?? plan.installments;
  if (plan.installments < 2) throw badRequest('INSTALLMENTS_INVALID', `plan ${o.planId} is not sold in parts`);
  if (!Number.isInteger(count) || count < 2 || count > plan.installments) throw badRequest('INSTALLMENTS_INVALID', `plan ${o.planId} is sold in 2 to ${plan.installments} parts, not ${count}`);
  const version = await currentVersion(tx, plan.id, o.today);
  if (!version) throw conflict('PRICE_NOT_SET', `plan ${o.planId} has no price`);
  if (version.amountMinor < count) throw badRequest('INSTALLMENTS_INVALID', `${version.amountMinor} minor units do not make ${count} parts`);
  const period = periodFrom(plan, o.today);
  const schedule = scheduleOf(version.amountMinor, count, o.today);
  const last = schedule.at(-1)!.dueOn;
  if (last > period.endsOn) throw badRequest('INSTALLMENTS_INVALID', `the last of ${count} monthly parts (${last}) would fall after the period bought ends (${period.endsOn})`);

  const { subscription, created } = await openSubscription(tx, {
    personId: o.personId, planId: plan.id, productId: plan.productId, kind: 'paid', status: 'active', startsOn: period.startsOn, endsOn: period.endsOn,
    priceVersionId: version.id, priceMinor: version.amountMinor, currency: version.currency, renewalKeepsPrice: plan.renewalKeepsPrice, source,
  }, { cause: `bought in ${count} parts: order ${o.orderId}`, actor: `order:${o.orderId}`, key: `${source}:opened` });
  // Opened by a concurrent call since we looked: its schedule stands.
  if (!created) return describe(subscription, await partsOf(tx, subscription.id), false);
  await tx.query(
    `insert into billing_installment (subscription_id, n, due_on, amount_minor, currency)
     select $1, n, d, a, $5 from unnest($2::int[], $3::date[], $4::bigint[]) as p(n, d, a)`,
    [subscription.id, schedule.map((p) => p.n), schedule.map((p) => p.dueOn), schedule.map((p) => p.amountMinor), version.currency]);
  const parts = await partsOf(tx, subscription.id);
  await settle(tx, subscription, parts, o.today, await policyOf(tx), null);
  return describe(subscription, parts, true);
}

export interface InstallmentPayment {
  paymentId: string;
  provider: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  paidAt: Date;
  /** The school's date today (its zone). */
  today: string;
}

export type InstallmentPaymentOutcome =
  /** Parts paid in order; `restMinor` is still to pay, `creditMinor` was paid beyond whole parts (it counts toward the next). */
  | { type: 'applied'; subscriptionId: number; paidParts: number[]; restMinor: number; creditMinor: number; closed: boolean; status: string }
  /** The schedule was cancelled before: the money is booked on the person's account, for staff to settle. */
  | { type: 'cancelled'; subscriptionId: number }
  | { type: 'repeat' };

/**
 * The function providers call for a payment of an instalment order (issue 14), in their
 * transaction: booked (provider cash debit, receivable credit), then the parts it covers
 * together with what was paid before are paid in order, whether due or not (all the rest at
 * once closes the schedule early); paying an overdue part restores access. Less than a part
 * is booked and counts toward it. Idempotent by `paymentId`.
 */
export async function payInstallment(tx: PoolClient, p: InstallmentPayment): Promise<InstallmentPaymentOutcome> {
  if (!Number.isSafeInteger(p.amountMinor) || p.amountMinor <= 0) throw badRequest('REQUEST_INVALID', 'a payment is a positive whole number of minor units');
  const s = await subscriptionBySource(tx, `${SOURCE}${p.orderId}`, true);
  if (!s) throw notFound('INSTALLMENTS_NOT_FOUND', `no instalment order ${p.orderId}`);
  if (s.currency !== p.currency) throw conflict('REQUEST_INVALID', `order ${p.orderId} is paid in ${s.currency}, not ${p.currency}`);
  const paymentId = `payment:${p.paymentId}`;
  const booked = await postTransfer(tx, {
    id: paymentId, kind: 'payment', occurredAt: p.paidAt, personId: s.personId, memo: { provider: p.provider, order: p.orderId, plan: s.planId },
    entries: [
      { account: `provider:${p.provider}:${p.currency}`, currency: p.currency, amountMinor: p.amountMinor },
      { account: receivable(s), currency: p.currency, amountMinor: -p.amountMinor },
    ],
  });
  if (!booked) {
    const link = await tx.query('select 1 from billing_installment_payment where transfer_id = $1 and subscription_id = $2', [paymentId, s.id]);
    if (!link.rowCount) throw conflict('TRANSFER_ID_REUSED', `payment ${p.paymentId} was booked before for something else`);
    return { type: 'repeat' };
  }
  await tx.query('insert into billing_installment_payment (transfer_id, subscription_id) values ($1, $2)', [paymentId, s.id]);
  const parts = await partsOf(tx, s.id);
  if (isCancelled(parts)) return { type: 'cancelled', subscriptionId: s.id };

  const paid = await paidTo(tx, s);
  const covered = parts.slice(0, partsCovered(parts.map((x) => x.amountMinor), paid));
  const paidParts: number[] = [];
  for (const part of covered.filter((x) => x.state !== 'paid')) {
    if (!part.invoiceTransferId) await invoice(tx, s, part, part.dueOn <= p.today ? dueDay(part.dueOn) : p.paidAt);
    await setState(tx, s, part, 'paid', paymentId);
    paidParts.push(part.n);
  }
  const after = await settle(tx, s, parts, p.today, await policyOf(tx), { paymentId: p.paymentId, provider: p.provider, paidParts });
  const total = parts.reduce((sum, x) => sum + x.amountMinor, 0);
  const matched = covered.reduce((sum, x) => sum + x.amountMinor, 0);
  return {
    type: 'applied', subscriptionId: s.id, paidParts, restMinor: Math.max(0, total - paid), creditMinor: paid - matched,
    closed: covered.length === parts.length, status: after.status,
  };
}

/**
 * The overdue step of the billing pass: parts fallen due are invoiced, and those whose
 * lateness reached a further stage move on, with their subscription. Only what must change
 * is read, so a second run the same day changes nothing (and the transitions' keys say so).
 */
export async function installmentsPass(db: Pool, today: string): Promise<{ changed: number; more: boolean }> {
  return inTransaction(db, async (tx) => {
    const policy = await policyOf(tx);
    const { rows } = await tx.query<{ source: string }>(
      `select s.source from billing_subscription s where s.id in (
         select subscription_id from billing_installment
         where (state = 'scheduled' and due_on <= $1::date)
            or (state = 'reminder' and due_on <= $1::date - $2::int)
            or (state = 'past_due' and due_on <= $1::date - $3::int)
            or (state = 'suspended' and due_on <= $1::date - $4::int))
       order by s.id limit $5 for update skip locked`,
      [today, policy.graceDays, policy.suspendAfterDays, policy.cancelAfterDays, BATCH]);
    for (const r of rows) {
      const s = (await subscriptionBySource(tx, r.source))!;
      await settle(tx, s, await partsOf(tx, s.id), today, policy, null);
    }
    return { changed: rows.length, more: rows.length >= BATCH };
  });
}

interface PaidBy { paymentId: string; provider: string; paidParts: number[] }

/** Invoices the parts fallen due, moves each unpaid one to its stage and the subscription to the status the oldest gives. */
async function settle(tx: PoolClient, s: Subscription, parts: Part[], today: string, policy: OverduePolicy, by: PaidBy | null): Promise<Subscription> {
  if (isCancelled(parts)) return s;
  const late = () => {
    const unpaid = parts.filter((x) => x.state !== 'paid' && x.invoiceTransferId !== null);
    return { unpaid, oldest: unpaid[0], stage: unpaid[0] ? stageOf(daysLate(unpaid[0].dueOn, today), policy) : 'current' as OverdueStage };
  };
  // A schedule cancelled today is cancelled before the day's part is invoiced: that part is void.
  if (late().stage !== 'cancelled') {
    for (const part of parts) if (part.state === 'scheduled' && part.dueOn <= today) await invoice(tx, s, part, dueDay(part.dueOn));
  }
  const { unpaid, oldest, stage } = late();
  if (stage === 'cancelled') return cancel(tx, s, parts, oldest!, today, by);
  for (const part of unpaid) {
    const own = stageOf(daysLate(part.dueOn, today), policy);
    if (own !== 'current' && own !== 'cancelled' && own !== part.state) await setState(tx, s, part, own, null);
  }
  const status = accessOf(stage);
  if (!LIVE.includes(s.status) || s.status === status) return s;
  const says = oldest ? `part ${oldest.n} of ${parts.length} (${oldest.amountMinor} ${oldest.currency}, due ${oldest.dueOn}) unpaid ${daysLate(oldest.dueOn, today)} days: ${stageSays(stage)}` : 'every part due is paid: access holds';
  const change: Change = by
    ? { cause: `payment ${by.paymentId} ${by.paidParts.length ? `paid part ${by.paidParts.join(', ')}` : 'paid toward a part'}; ${says}`, actor: `payment:${by.provider}:${by.paymentId}`, key: `${s.source}:payment:${by.paymentId}` }
    : { cause: says, actor: 'system:overdue', key: `${s.source}:${oldest?.n ?? 0}:${stage}` };
  // 'suspended' is a status of 0505 that subscriptions-store's type does not name yet.
  return transition(tx, s, { status: status as SubscriptionStatus }, change);
}

async function cancel(tx: PoolClient, s: Subscription, parts: Part[], oldest: Part, today: string, by: PaidBy | null): Promise<Subscription> {
  const orderId = s.source.slice(SOURCE.length);
  const unpaid = parts.filter((x) => x.state !== 'paid' && x.invoiceTransferId !== null);
  const credit = (await paidTo(tx, s)) - parts.filter((x) => x.state === 'paid').reduce((sum, x) => sum + x.amountMinor, 0);
  const owed = unpaid.reduce((sum, x) => sum + x.amountMinor, 0) - credit;
  if (owed > 0) {
    await postTransfer(tx, {
      id: `writeoff:${orderId}`, kind: 'correction', occurredAt: dueDay(today), personId: s.personId,
      memo: { order: orderId, writtenOff: unpaid.map((x) => x.n), creditKeptMinor: credit },
      entries: [
        { account: `revenue:${s.productId}`, currency: oldest.currency, amountMinor: owed },
        { account: receivable(s), currency: oldest.currency, amountMinor: -owed },
      ],
    });
  }
  for (const part of parts) {
    if (part.state === 'paid') continue;
    await setState(tx, s, part, part.invoiceTransferId ? 'written_off' : 'void', null);
  }
  if (!LIVE.includes(s.status)) return s;
  const cause = `part ${oldest.n} of ${parts.length} (due ${oldest.dueOn}) unpaid ${daysLate(oldest.dueOn, today)} days: ${stageSays('cancelled')} (${Math.max(0, owed)} ${oldest.currency})`;
  return transition(tx, s, { status: 'cancelled' }, by
    ? { cause, actor: `payment:${by.provider}:${by.paymentId}`, key: `${s.source}:cancelled` }
    : { cause, actor: 'system:overdue', key: `${s.source}:cancelled` });
}

const receivable = (s: Subscription) => `person:${s.personId}:receivable`;
const isCancelled = (parts: Part[]) => parts.some((x) => x.state === 'written_off');
// Noon UTC is the due day itself in every zone the school may be in: the month the revenue figures count it in.
const dueDay = (day: string) => new Date(`${day}T12:00:00Z`);

async function invoice(tx: PoolClient, s: Subscription, part: Part, occurredAt: Date): Promise<void> {
  const orderId = s.source.slice(SOURCE.length);
  const id = `installment:${orderId}:${part.n}`;
  await postTransfer(tx, {
    id, kind: 'invoice', occurredAt, personId: s.personId, memo: { order: orderId, part: part.n, plan: s.planId, version: s.priceVersionId },
    entries: [
      { account: receivable(s), currency: part.currency, amountMinor: part.amountMinor },
      { account: `revenue:${s.productId}`, currency: part.currency, amountMinor: -part.amountMinor },
    ],
  });
  await tx.query('update billing_installment set invoice_transfer_id = $3, updated_at = now() where subscription_id = $1 and n = $2', [s.id, part.n, id]);
  part.invoiceTransferId = id;
}

async function setState(tx: PoolClient, s: Subscription, part: Part, state: PartState, paidTransferId: string | null): Promise<void> {
  await tx.query(
    'update billing_installment set state = $3, paid_transfer_id = coalesce($4, paid_transfer_id), updated_at = now() where subscription_id = $1 and n = $2',
    [s.id, part.n, state, paidTransferId]);
  part.state = state;
  part.paidTransferId = paidTransferId ?? part.paidTransferId;
}

async function partsOf(tx: PoolClient, subscriptionId: number): Promise<Part[]> {
  const { rows } = await tx.query(
    `select n, to_char(due_on, 'YYYY-MM-DD') as due_on, amount_minor, currency, state, invoice_transfer_id, paid_transfer_id
     from billing_installment where subscription_id = $1 order by n`, [subscriptionId]);
  return rows.map((r) => ({
    n: r.n, dueOn: r.due_on, amountMinor: Number(r.amount_minor), currency: r.currency, state: r.state,
    invoiceTransferId: r.invoice_transfer_id, paidTransferId: r.paid_transfer_id,
  }));
}

/** All the payments booked to this schedule, from the ledger. */
async function paidTo(tx: PoolClient, s: Subscription): Promise<number> {
  const { rows } = await tx.query<{ paid: string }>(
    `select coalesce(-sum(e.amount_minor), 0)::text as paid from billing_installment_payment p
     join billing_entry e on e.transfer_id = p.transfer_id and e.account = $2 where p.subscription_id = $1`, [s.id, receivable(s)]);
  return Number(rows[0]!.paid);
}

async function policyOf(tx: PoolClient): Promise<OverduePolicy> {
  const { rows } = await tx.query<{ value: string }>(`select value from billing_setting where key = 'overdue_policy'`);
  return overduePolicy(rows[0]?.value ?? null);
}

function describe(s: Subscription, parts: Part[], created: boolean): InstallmentSchedule {
  return {
    subscriptionId: s.id, created, totalMinor: parts.reduce((sum, x) => sum + x.amountMinor, 0), currency: s.currency!, startsOn: s.startsOn, endsOn: s.endsOn,
    parts: parts.map((x) => ({ n: x.n, dueOn: x.dueOn, amountMinor: x.amountMinor, state: x.state })),
  };
}
