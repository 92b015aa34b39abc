import type { Pool } from 'pg';
import { inTransaction } from '../../kernel/db.ts';
import { currentVersion } from './catalog-store.ts';
import { entitlementsChanged } from './subscriptions-store.ts';
import { syncGroupSubscriptions } from './group-subscriptions.ts';
import { installmentsPass } from './installments.ts';
import { queueReminders } from './notices-store.ts';

/**
 * The daily work as one idempotent pass (run every minute on the kernel's loop, once across
 * instances): price versions whose day has come are recorded; subscriptions whose last day
 * has passed in the school's zone expire; those starting today are announced to identity;
 * holders are reminded before the last day.
 * Returns true while a batch was full (the loop runs again at once).
 */
const BATCH = 1000;

/** Days before a subscription's last day that its holder is reminded (one default for every plan). */
export const DEFAULT_REMINDER_DAYS: readonly number[] = [7, 1];

export async function billingPass(db: Pool, today: string, opts: { reminderDays?: readonly number[] } = {}): Promise<{ expired: number; started: number; groups: { opened: number; closed: number }; installments: number; reminders: number; more: boolean }> {
  const plans = await db.query<{ id: number }>('select id from billing_plan where not deleted');
  for (const p of plans.rows) await inTransaction(db, (tx) => currentVersion(tx, p.id, today));

  // Expired in one statement per batch (measured: one transition per row cost 68x the raw
  // update, npm run bench:billing-pass); a subscription whose key was used is not picked again.
  const expired = await inTransaction(db, async (tx) => {
    const { rows } = await tx.query<{ product_id: number }>(
      `with due as (
         select s.id from billing_subscription s
         where s.status in ('trial', 'active', 'past_due') and s.ends_on < $1
           and not exists (select 1 from billing_subscription_event e where e.key = 'expire:' || s.id || ':' || to_char(s.ends_on, 'YYYY-MM-DD'))
         order by s.ends_on, s.id limit $2 for update skip locked
       ), expired as (
         update billing_subscription s set status = 'expired', updated_at = now() from due where s.id = due.id
         returning s.id, s.status, s.starts_on, s.ends_on, s.product_id
       ), events as (
         insert into billing_subscription_event (subscription_id, status, starts_on, ends_on, cause, actor, key)
         select id, status, starts_on, ends_on, 'its last day (' || to_char(ends_on, 'YYYY-MM-DD') || ') has passed', 'system:expiry',
           'expire:' || id || ':' || to_char(ends_on, 'YYYY-MM-DD') from expired
         on conflict (key) do nothing
       )
       select product_id from expired`, [today, BATCH]);
    await entitlementsChanged(tx, rows.map((r) => r.product_id));
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
  // Reminders before the end (Telegram or e-mail, with the page that pays the next period):
  // one per subscription, last day and offset, however often the pass runs.
  const reminders = await inTransaction(db, (tx) => queueReminders(tx, today, opts.reminderDays ?? DEFAULT_REMINDER_DAYS, BATCH));
  return { expired, started, groups, installments: installments.changed, reminders, more: expired >= BATCH || installments.more || reminders >= BATCH };
}

export async function recordSchoolZone(db: Pool, timeZone: string): Promise<void> {
  await db.query(`insert into billing_setting (key, value) values ('time_zone', $1)
    on conflict (key) do update set value = excluded.value, updated_at = now() where billing_setting.value <> excluded.value`, [timeZone]);
}
