import type { Pool, PoolClient } from 'pg';
import { conflict, notFound } from '../../kernel/errors.ts';
import { planById } from './catalog-store.ts';
import { addDays } from './days.ts';
import { openSubscription, type Subscription } from './subscriptions-store.ts';

/**
 * A plan's trial (Plans.TrialDays): once per person and product, ever (billing_trial, 0520).
 * The trial is the subscription a payment of the plan renews (source `paid:<person>:<plan>`),
 * kind and status 'trial', for TrialDays days from today; it opens what the product opens
 * (billing_entitlement counts status 'trial') and the pass expires it after its last day.
 * A payment turns it paid and active (paid-periods.ts). It is not for someone who holds the
 * product now or bought it before: a trial is for trying, not a free extra period.
 */
export interface TrialStart { personId: string; planId: number; today: string }

export async function startTrial(tx: PoolClient, t: TrialStart): Promise<Subscription> {
  const plan = await planById(tx, t.planId);
  if (!plan || plan.deleted || plan.productId === null) throw notFound('PLAN_NOT_FOUND', `no plan ${t.planId} for sale`);
  if (plan.archived) throw conflict('PLAN_ARCHIVED', `plan ${t.planId} is archived: no longer sold`);
  if (plan.trialDays <= 0) throw conflict('TRIAL_NOT_OFFERED', `plan ${t.planId} has no trial`);
  const had = await tx.query<{ started: string }>(
    `select to_char(started_at, 'YYYY-MM-DD') as started from billing_trial where person_id = $1 and product_id = $2`, [t.personId, plan.productId]);
  if (had.rows[0]) throw conflict('TRIAL_USED', `a trial of this product was started on ${had.rows[0].started}: there is one trial per product`);
  const held = await tx.query<{ kind: string; status: string }>(
    `select kind, status from billing_subscription where person_id = $1 and product_id = $2
       and (kind in ('paid', 'corporate') or (status in ('active', 'past_due') and starts_on <= $3 and (ends_on is null or ends_on >= $3)))
     limit 1`, [t.personId, plan.productId, t.today]);
  if (held.rows[0]) throw conflict('TRIAL_NOT_AVAILABLE', 'you hold this product now or have bought it before: a trial is for trying it first');

  const endsOn = addDays(t.today, plan.trialDays - 1);
  const { subscription, created } = await openSubscription(tx, {
    personId: t.personId, planId: plan.id, productId: plan.productId, kind: 'trial', status: 'trial', startsOn: t.today, endsOn,
    priceVersionId: null, priceMinor: null, currency: plan.currency, renewalKeepsPrice: plan.renewalKeepsPrice, source: `paid:${t.personId}:${plan.id}`,
  }, { cause: `trial started: ${plan.trialDays} days of plan ${plan.id}`, actor: `person:${t.personId}`, key: `trial:${t.personId}:${plan.productId}` });
  // Two clicks at once: the source (same plan) or the primary key (another plan of the product)
  // lets one in; the other rolls back with what it wrote.
  if (!created) throw conflict('TRIAL_USED', 'a trial of this product was started already: there is one trial per product');
  const inserted = await tx.query(
    `insert into billing_trial (person_id, product_id, plan_id, subscription_id) values ($1, $2, $3, $4) on conflict do nothing`,
    [t.personId, plan.productId, plan.id, subscription.id]);
  if (!inserted.rowCount) throw conflict('TRIAL_USED', 'a trial of this product was started already: there is one trial per product');
  return subscription;
}

/** The plans whose trial this person may start now, for the /subscriptions page. */
export async function trialsOffered(db: Pool, personId: string, today: string) {
  const { rows } = await db.query<{ plan_id: number; plan: string; product: string; trial_days: number }>(
    `select pl.id as plan_id, pl.title as plan, p.title as product, pl.trial_days
     from billing_plan pl join billing_product p on p.id = pl.product_id
     where pl.trial_days > 0 and not pl.archived and not pl.deleted and not p.deleted
       and not exists (select 1 from billing_trial t where t.person_id = $1 and t.product_id = pl.product_id)
       and not exists (select 1 from billing_subscription s where s.person_id = $1 and s.product_id = pl.product_id
         and (s.kind in ('paid', 'corporate') or (s.status in ('active', 'past_due') and s.starts_on <= $2 and (s.ends_on is null or s.ends_on >= $2))))
     order by p.id, pl.id`, [personId, today]);
  return rows.map((r) => ({ planId: r.plan_id, plan: r.plan, product: r.product, trialDays: r.trial_days }));
}
