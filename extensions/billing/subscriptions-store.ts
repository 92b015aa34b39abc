import type { PoolClient } from 'pg';

/**
 * Subscriptions and their transitions (0502). Every change is an event with its cause and
 * actor under an idempotency key (the same cause twice is one event), written in the same
 * transaction as the subscription and as a row of billing_entitlement_change, which tells
 * identity to write the product's holders to Keto again (an outbox: nothing is lost if the
 * process dies after the commit).
 */
export type SubscriptionStatus = 'pending' | 'trial' | 'active' | 'past_due' | 'suspended' | 'expired' | 'cancelled';
export type SubscriptionKind = 'paid' | 'free' | 'corporate' | 'free corporate' | 'trial';

export interface Subscription {
  id: number; personId: string; planId: number; productId: number; kind: SubscriptionKind; status: SubscriptionStatus;
  startsOn: string; endsOn: string | null; priceVersionId: number | null; priceMinor: number | null; currency: string | null;
  renewalKeepsPrice: boolean; source: string;
}

const COLUMNS = `id, person_id, plan_id, product_id, kind, status, to_char(starts_on, 'YYYY-MM-DD') as starts_on,
  to_char(ends_on, 'YYYY-MM-DD') as ends_on, price_version_id, price_minor, currency, renewal_keeps_price, source`;

const toSubscription = (r: Record<string, unknown>): Subscription => ({
  id: Number(r.id), personId: r.person_id as string, planId: r.plan_id as number, productId: r.product_id as number,
  kind: r.kind as SubscriptionKind, status: r.status as SubscriptionStatus, startsOn: r.starts_on as string,
  endsOn: (r.ends_on as string | null) ?? null, priceVersionId: r.price_version_id === null ? null : Number(r.price_version_id),
  priceMinor: r.price_minor === null ? null : Number(r.price_minor), currency: (r.currency as string | null) ?? null,
  renewalKeepsPrice: r.renewal_keeps_price as boolean, source: r.source as string,
});

/** Tells identity that `productId`'s holders may have changed (after commit, through the outbox). */
export async function entitlementsChanged(tx: PoolClient, productIds: number[]): Promise<void> {
  const unique = [...new Set(productIds)];
  if (unique.length === 0) return;
  await tx.query('insert into billing_entitlement_change (product_id) select unnest($1::int[])', [unique]);
  await tx.query(`select pg_notify('billing_entitlements', '')`);
}

export async function subscriptionBySource(tx: Pick<PoolClient, 'query'>, source: string, lock = false): Promise<Subscription | null> {
  const { rows } = await tx.query(`select ${COLUMNS} from billing_subscription where source = $1${lock ? ' for update' : ''}`, [source]);
  return rows[0] ? toSubscription(rows[0]) : null;
}

export async function subscriptionById(tx: Pick<PoolClient, 'query'>, id: number, lock = false): Promise<Subscription | null> {
  const { rows } = await tx.query(`select ${COLUMNS} from billing_subscription where id = $1${lock ? ' for update' : ''}`, [id]);
  return rows[0] ? toSubscription(rows[0]) : null;
}

/** Every subscription whose source starts with `prefix` (e.g. `group:`), locked for the caller's transaction. */
export async function subscriptionsBySourcePrefix(tx: PoolClient, prefix: string): Promise<Subscription[]> {
  const { rows } = await tx.query(`select ${COLUMNS} from billing_subscription where starts_with(source, $1) for update`, [prefix]);
  return rows.map(toSubscription);
}

export async function subscriptionsOf(db: Pick<PoolClient, 'query'>, personId: string): Promise<Subscription[]> {
  const { rows } = await db.query(`select ${COLUMNS} from billing_subscription where person_id = $1 order by starts_on desc, id desc`, [personId]);
  return rows.map(toSubscription);
}

export interface Change { cause: string; actor: string; key: string }

/** A new subscription, or the one `source` made already (then unchanged). */
export async function openSubscription(
  tx: PoolClient,
  s: Omit<Subscription, 'id'>,
  change: Change,
): Promise<{ subscription: Subscription; created: boolean }> {
  const { rows } = await tx.query(
    `insert into billing_subscription (person_id, plan_id, product_id, kind, status, starts_on, ends_on, price_version_id, price_minor, currency, renewal_keeps_price, source)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) on conflict (source) do nothing returning ${COLUMNS}`,
    [s.personId, s.planId, s.productId, s.kind, s.status, s.startsOn, s.endsOn, s.priceVersionId, s.priceMinor, s.currency, s.renewalKeepsPrice, s.source]);
  if (!rows[0]) return { subscription: (await subscriptionBySource(tx, s.source))!, created: false };
  const subscription = toSubscription(rows[0]);
  await recordEvent(tx, subscription, change);
  await entitlementsChanged(tx, [subscription.productId]);
  return { subscription, created: true };
}

/** Moves a subscription to a new status and/or period; no-op when nothing changes or the key was used. */
export async function transition(
  tx: PoolClient,
  current: Subscription,
  next: Partial<Pick<Subscription, 'status' | 'startsOn' | 'endsOn' | 'personId' | 'kind'>>,
  change: Change,
): Promise<Subscription> {
  const merged = { ...current, ...next };
  if (merged.status === current.status && merged.startsOn === current.startsOn && merged.endsOn === current.endsOn && merged.personId === current.personId
    && merged.kind === current.kind) return current;
  const used = await tx.query('select 1 from billing_subscription_event where key = $1', [change.key]);
  if (used.rowCount) return current;
  const { rows } = await tx.query(
    `update billing_subscription set status = $2, starts_on = $3, ends_on = $4, person_id = $5, kind = $6, updated_at = now() where id = $1 returning ${COLUMNS}`,
    [current.id, merged.status, merged.startsOn, merged.endsOn, merged.personId, merged.kind]);
  const updated = toSubscription(rows[0]!);
  await recordEvent(tx, updated, change);
  await entitlementsChanged(tx, [updated.productId]);
  return updated;
}

async function recordEvent(tx: PoolClient, s: Subscription, change: Change): Promise<void> {
  await tx.query(
    `insert into billing_subscription_event (subscription_id, status, starts_on, ends_on, cause, actor, key) values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (key) do nothing`,
    [s.id, s.status, s.startsOn, s.endsOn, change.cause, change.actor, change.key]);
}
