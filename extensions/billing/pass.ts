import type { Pool } from 'pg';
import { inTransaction } from '../../kernel/db.ts';
import { currentVersion } from './catalog-store.ts';
import { entitlementsChanged, transition, type Subscription } from './subscriptions-store.ts';
import { syncGroupSubscriptions } from './group-subscriptions.ts';
import { installmentsPass } from './installments.ts';

/**
 * The daily work as one idempotent pass (run every minute on the kernel's loop, once across
 * instances): price versions whose day has come are recorded; subscriptions whose last day
 * has passed in the school's zone expire; those starting today are announced to identity.
 * Returns true while a batch was full (the loop runs again at once).
 */
const BATCH = 1000;

export async function billingPass(db: Pool, today: string): Promise<{ expired: number; started: number; groups: { opened: number; closed: number }; installments: number; more: boolean }> {
  const plans = await db.query<{ id: number }>('select id from billing_plan where not deleted');
  for (const p of plans.rows) await inTransaction(db, (tx) => currentVersion(tx, p.id, today));

  const expired = await inTransaction(db, async (tx) => {
    const { rows } = await tx.query(
      `select id, person_id, plan_id, product_id, kind, status, to_char(starts_on, 'YYYY-MM-DD') as starts_on, to_char(ends_on, 'YYYY-MM-DD') as ends_on,
         price_version_id, price_minor, currency, renewal_keeps_price, source
       from billing_subscription where status in ('trial', 'active', 'past_due') and ends_on < $1
       order by ends_on, id limit $2 for update skip locked`, [today, BATCH]);
    for (const r of rows) {
      const s = { id: Number(r.id), personId: r.person_id, planId: r.plan_id, productId: r.product_id, kind: r.kind, status: r.status, startsOn: r.starts_on,
        endsOn: r.ends_on, priceVersionId: r.price_version_id, priceMinor: r.price_minor, currency: r.currency, renewalKeepsPrice: r.renewal_keeps_price, source: r.source } as Subscription;
      await transition(tx, s, { status: 'expired' }, { cause: `its last day (${s.endsOn}) has passed`, actor: 'system:expiry', key: `expire:${s.id}:${s.endsOn}` });
    }
    return rows.length;
  });

  // Members of a group whose plan staff linked hold it while members.
  const groups = await inTransaction(db, (tx) => syncGroupSubscriptions(tx, today));

  // Parts of plans sold in instalments fall due; unpaid ones follow the overdue policy.
  const installments = await installmentsPass(db, today);

  // Starting on a later day than granted: identity hears of it on its first day (once: the
  // day announced up to is kept).
  const started = await inTransaction(db, async (tx) => {
    const since = (await tx.query<{ value: string }>(`select value from billing_setting where key = 'starts_announced_through' for update`)).rows[0]?.value ?? '1970-01-01';
    if (since >= today) return 0;
    const { rows } = await tx.query<{ product_id: number }>(
      `select distinct product_id from billing_subscription where starts_on > $1 and starts_on <= $2 and status in ('trial', 'active', 'past_due')`, [since, today]);
    await entitlementsChanged(tx, rows.map((r) => r.product_id));
    await tx.query(`insert into billing_setting (key, value) values ('starts_announced_through', $1)
      on conflict (key) do update set value = excluded.value, updated_at = now()`, [today]);
    return rows.length;
  });
  return { expired, started, groups, installments: installments.changed, more: expired >= BATCH || installments.more };
}

export async function recordSchoolZone(db: Pool, timeZone: string): Promise<void> {
  await db.query(`insert into billing_setting (key, value) values ('time_zone', $1)
    on conflict (key) do update set value = excluded.value, updated_at = now() where billing_setting.value <> excluded.value`, [timeZone]);
}
