import type { PoolClient } from 'pg';
import type { z } from 'zod';
import type { grantRow } from '../../schemas/events/billing.ts';
import { currentVersion, planById, type PlanRecord } from './catalog-store.ts';
import { postTransfer, reverseTransfer } from './ledger.ts';
import { periodFrom } from './periods.ts';
import { openSubscription, subscriptionBySource, transition, type Change, type Subscription } from './subscriptions-store.ts';

/**
 * A staff grant (NocoDB Grants row) becomes a free subscription, and a revocation cancels
 * it. A row without a reason, a person or a plan grants nothing: its outcome says why, in
 * billing_grant (shown to staff as billing_grants). The list value of the period is booked
 * as a grant transfer (expense:grants / granted:<product>), reversed on revocation.
 */
export type GrantOutcome = 'granted' | 'changed' | 'revoked' | 'unchanged' | `refused: ${string}`;

export interface GrantInput {
  op: 'insert' | 'update' | 'delete';
  row: z.infer<typeof grantRow>;
  /** The Ory identity of the People row linked (null: none, or that person has no identity). */
  personId: string | null;
  today: string;
  now: Date;
}

const actorOf = (rowId: number) => `staff:nocodb:grants:${rowId}`;

export async function applyGrant(tx: PoolClient, g: GrantInput): Promise<{ outcome: GrantOutcome; subscriptionId: number | null; productId: number | null }> {
  const { row } = g;
  const source = `grant:${row.Id}`;
  const existing = await subscriptionBySource(tx, source, true);
  const key = (what: string) => `${source}:${what}:${row.UpdatedAt ?? g.now.toISOString()}`;
  const finish = async (outcome: GrantOutcome, subscriptionId: number | null, productId: number | null) => {
    await tx.query(
      `insert into billing_grant (row_id, person_id, plan_id, kind, reason, outcome, subscription_id, updated_at) values ($1, $2, $3, $4, $5, $6, $7, now())
       on conflict (row_id) do update set person_id = excluded.person_id, plan_id = excluded.plan_id, kind = excluded.kind, reason = excluded.reason,
         outcome = case when excluded.outcome = 'unchanged' then billing_grant.outcome else excluded.outcome end,
         subscription_id = coalesce(excluded.subscription_id, billing_grant.subscription_id), updated_at = now()`,
      [row.Id, g.personId, row.plans_id, row.Kind, row.Reason, outcome, subscriptionId ?? existing?.id ?? null]);
    return { outcome, subscriptionId: subscriptionId ?? existing?.id ?? null, productId };
  };

  // Taken back: the row deleted, or Revoked ticked with a reason.
  if (g.op === 'delete' || row.Revoked) {
    if (g.op !== 'delete' && !row.RevokeReason) return finish('refused: a revocation needs RevokeReason', null, existing?.productId ?? null);
    if (!existing || existing.status === 'cancelled') return finish(existing ? 'revoked' : 'unchanged', null, existing?.productId ?? null);
    await transition(tx, existing, { status: 'cancelled' }, {
      cause: g.op === 'delete' ? 'the grant row was deleted in NocoDB' : `revoked: ${row.RevokeReason}`, actor: actorOf(row.Id), key: key('revoked'),
    });
    const booked = await tx.query('select 1 from billing_transfer where id = $1', [source]);
    if (booked.rowCount) await reverseTransfer(tx, source, { id: `${source}:revoked`, kind: 'reversal', occurredAt: g.now, memo: { reason: row.RevokeReason ?? 'deleted' } });
    return finish('revoked', existing.id, existing.productId);
  }

  if (!row.Reason) return finish('refused: a grant needs a Reason', null, null);
  if (!g.personId) return finish('refused: link a person who has signed up (People with an identity)', null, null);
  if (!row.plans_id) return finish('refused: link a plan', null, null);
  const plan = await planById(tx, row.plans_id);
  // Not mirrored yet (its own webhook is behind this one): retried with backoff, not refused.
  if (!plan) throw new Error(`plan ${row.plans_id} is not mirrored yet`);
  if (plan.deleted || plan.productId === null) return finish('refused: the plan is deleted or has no product', null, null);
  const productId = plan.productId;

  const startsOn = row.StartsOn ?? existing?.startsOn ?? g.today;
  let endsOn: string;
  try {
    endsOn = row.EndsOn ?? periodFrom(plan, startsOn).endsOn;
  } catch (e) {
    return finish(`refused: ${(e as Error).message}`, null, null);
  }
  if (endsOn < startsOn) return finish('refused: EndsOn is before StartsOn', null, null);
  const kind = row.Kind ?? 'free';

  if (existing) {
    const changed = await transition(tx, existing, { status: 'active', startsOn, endsOn, personId: g.personId }, {
      cause: `changed by staff: ${row.Reason}`, actor: actorOf(row.Id), key: key('changed'),
    });
    return finish(changed === existing ? 'unchanged' : 'changed', existing.id, existing.productId);
  }
  const { subscription } = await grantFree(tx, {
    source, personId: g.personId, plan: { ...plan, productId }, kind, startsOn, endsOn, reason: row.Reason, now: g.now, today: g.today,
    change: { cause: `granted by staff: ${row.Reason}`, actor: actorOf(row.Id), key: key('granted') },
  });
  return finish('granted', subscription.id, plan.productId);
}

export interface FreeGrant {
  /** What makes it, one subscription each: `grant:<row>`, `grant-file:<row>:<person>`. */
  source: string;
  personId: string;
  plan: PlanRecord & { productId: number };
  kind: 'free' | 'free corporate';
  startsOn: string;
  endsOn: string;
  reason: string;
  now: Date;
  today: string;
  change: Change;
}

/**
 * A free subscription given by staff (a Grants row, a line of a grant file): opened once per
 * source, and the list value of the plan today booked as a grant transfer (expense:grants /
 * granted:<product>) under the source's id. A second call with the same source changes nothing.
 */
export async function grantFree(tx: PoolClient, g: FreeGrant): Promise<{ subscription: Subscription; created: boolean }> {
  const version = await currentVersion(tx, g.plan.id, g.today);
  const opened = await openSubscription(tx, {
    personId: g.personId, planId: g.plan.id, productId: g.plan.productId, kind: g.kind, status: 'active', startsOn: g.startsOn, endsOn: g.endsOn,
    priceVersionId: version?.id ?? null, priceMinor: 0, currency: g.plan.currency, renewalKeepsPrice: g.plan.renewalKeepsPrice, source: g.source,
  }, g.change);
  if (opened.created && version && version.amountMinor > 0) {
    await postTransfer(tx, {
      id: g.source, kind: 'grant', occurredAt: g.now, personId: g.personId, memo: { plan: g.plan.id, reason: g.reason },
      entries: [
        { account: 'expense:grants', currency: version.currency, amountMinor: version.amountMinor },
        { account: `granted:${g.plan.productId}`, currency: version.currency, amountMinor: -version.amountMinor },
      ],
    });
  }
  return opened;
}
