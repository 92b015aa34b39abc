import type { Pool, PoolClient } from 'pg';

/**
 * SQL of billing_notice (0560): messages written in the transaction that decides them, once
 * per key, and leased by the sender (notice-sender.ts) while it delivers them.
 */
type Queryable = Pool | PoolClient;

export const NOTICE_CHANNEL = 'billing_notices';

/** What next after paying: once per order, whatever the number of deliveries of its payment. */
export async function queuePaidNotice(tx: PoolClient, order: { orderId: string; personId: string }): Promise<boolean> {
  const { rowCount } = await tx.query(
    `insert into billing_notice (key, kind, person_id, order_id) values ($1, 'paid', $2, $3) on conflict (key) do nothing`,
    [`paid:${order.orderId}`, order.personId, order.orderId]);
  if (rowCount) await tx.query(`select pg_notify('${NOTICE_CHANNEL}', '')`);
  return (rowCount ?? 0) > 0;
}

/**
 * Reminders due today, in one statement: each subscription that still holds and ends within
 * the largest offset gets the reminder of the smallest offset not below its days left (7 and
 * 1: at 7 days or less the 7-day one, at 1 day or less the 1-day one), once per
 * subscription, last day and offset. A pass that did not run for days sends one reminder,
 * not a burst; a renewal moves the last day, so the old one is never announced. Seminars
 * (fixed dates) are not renewed, so they get none.
 */
export async function queueReminders(tx: PoolClient, today: string, offsets: readonly number[], limit: number): Promise<number> {
  if (offsets.length === 0) return 0;
  const { rowCount } = await tx.query(
    `insert into billing_notice (key, kind, person_id, subscription_id, ends_on, days_before)
     select 'remind:' || s.id || ':' || to_char(s.ends_on, 'YYYY-MM-DD') || ':' || o.n, 'reminder', s.person_id, s.id, s.ends_on, o.n
     from billing_subscription s
     join billing_plan pl on pl.id = s.plan_id
     cross join lateral (select min(n) as n from unnest($2::int[]) n where n >= s.ends_on - $1::date) o
     where s.status in ('trial', 'active', 'past_due') and s.ends_on >= $1::date and s.ends_on <= $1::date + $3::int
       and s.starts_on <= $1::date and pl.duration <> 'fixed dates' and o.n is not null
       and not exists (select 1 from billing_notice n where n.key = 'remind:' || s.id || ':' || to_char(s.ends_on, 'YYYY-MM-DD') || ':' || o.n)
     order by s.ends_on, s.id
     limit $4
     on conflict (key) do nothing`,
    [today, [...offsets], Math.max(...offsets), limit]);
  if (rowCount) await tx.query(`select pg_notify('${NOTICE_CHANNEL}', '')`);
  return rowCount ?? 0;
}

export interface DueNotice {
  id: string;
  kind: 'paid' | 'reminder';
  personId: string;
  orderId: string | null;
  subscriptionId: string | null;
  endsOn: string | null;
  attempts: number;
}

export async function claimDueNotices(db: Queryable, now: Date, leaseMs: number, limit: number): Promise<DueNotice[]> {
  const { rows } = await db.query<{ id: string; kind: 'paid' | 'reminder'; person_id: string; order_id: string | null; subscription_id: string | null; ends_on: string | null; attempts: number }>(
    `update billing_notice set lease_until = $1::timestamptz + make_interval(secs => $2::float8 / 1000), attempts = attempts + 1
     where id in (select id from billing_notice where status = 'pending' and next_attempt_at <= $1 and (lease_until is null or lease_until < $1)
                  order by id limit $3 for update skip locked)
     returning id::text, kind, person_id, order_id::text, subscription_id::text, to_char(ends_on, 'YYYY-MM-DD') as ends_on, attempts`, [now, leaseMs, limit]);
  return rows.map((r) => ({ id: r.id, kind: r.kind, personId: r.person_id, orderId: r.order_id, subscriptionId: r.subscription_id, endsOn: r.ends_on, attempts: r.attempts }));
}

export async function markNoticeSent(db: Queryable, id: string, sent: { channel: 'telegram' | 'email'; recipient: string; messageId: string }, now: Date): Promise<void> {
  await db.query(`update billing_notice set status = 'sent', channel = $2, recipient = $3, provider_message_id = $4, sent_at = $5, lease_until = null, last_error = null
    where id = $1 and status = 'pending'`, [id, sent.channel, sent.recipient, sent.messageId, now]);
}

export async function markNoticeFailed(db: Queryable, id: string, error: string, next: Date | 'dead'): Promise<void> {
  await db.query(`update billing_notice set lease_until = null, last_error = $2,
      status = case when $3::timestamptz is null then 'dead' else status end, next_attempt_at = coalesce($3::timestamptz, next_attempt_at)
    where id = $1`, [id, error.slice(0, 2000), next === 'dead' ? null : next]);
}

export async function markNoticeSkipped(db: Queryable, id: string, why: string): Promise<void> {
  await db.query(`update billing_notice set status = 'skipped', lease_until = null, last_error = $2 where id = $1 and status = 'pending'`, [id, why]);
}

/** What a paid order's message says: the order, its plan and product with staff's next steps. */
export async function orderView(db: Queryable, orderId: string) {
  const { rows } = await db.query<{ id: string; person_id: string; plan_id: number; status: string; amount_minor: string; currency: string;
    plan: string | null; product_id: number | null; product: string | null; next_steps_ru: string | null; next_steps_en: string | null; attempt_status: string | null }>(
    `select o.id, o.person_id, o.plan_id, o.status, o.amount_minor, o.currency, pl.title as plan, p.id as product_id, p.title as product,
       p.next_steps_ru, p.next_steps_en,
       (select a.status from billing_attempt a where a.order_id = o.id order by (a.status = 'succeeded') desc, a.created_at desc limit 1) as attempt_status
     from billing_order o left join billing_plan pl on pl.id = o.plan_id left join billing_product p on p.id = pl.product_id
     where o.id::text = $1`, [orderId]);
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id, personId: r.person_id, planId: r.plan_id, status: r.status as 'open' | 'paid' | 'cancelled', amountMinor: Number(r.amount_minor), currency: r.currency,
    plan: r.plan ?? `#${r.plan_id}`, productId: r.product_id, product: r.product ?? r.plan ?? `#${r.plan_id}`,
    nextSteps: { ru: r.next_steps_ru, en: r.next_steps_en }, attemptStatus: r.attempt_status as 'created' | 'unknown' | 'succeeded' | 'failed' | null,
  };
}
export type OrderView = NonNullable<Awaited<ReturnType<typeof orderView>>>;

/** What a reminder says: the subscription, its plan and product. */
export async function reminderView(db: Queryable, subscriptionId: string) {
  const { rows } = await db.query<{ id: string; person_id: string; plan_id: number; product_id: number; kind: string; status: string; ends_on: string | null; plan: string | null; product: string | null }>(
    `select s.id::text, s.person_id, s.plan_id, s.product_id, s.kind, s.status, to_char(s.ends_on, 'YYYY-MM-DD') as ends_on, pl.title as plan, p.title as product
     from billing_subscription s left join billing_plan pl on pl.id = s.plan_id left join billing_product p on p.id = s.product_id where s.id = $1`, [subscriptionId]);
  const r = rows[0];
  if (!r) return null;
  return { id: r.id, personId: r.person_id, planId: r.plan_id, productId: r.product_id, kind: r.kind, status: r.status, endsOn: r.ends_on, plan: r.plan ?? `#${r.plan_id}`, product: r.product ?? `#${r.product_id}` };
}
