import type { PoolClient } from 'pg';
import { openSubscription, subscriptionsBySourcePrefix, transition } from './subscriptions-store.ts';

/**
 * The students of a group hold the plan staff linked to it (Plans.Groups in NocoDB) while
 * they are members: membership is identity's record (identity_group_member, NocoDB's
 * Groups.Members as written to Keto), never a table of billing's. Each member's
 * subscription (source `group:<group>:<person>`, free, open-ended) opens when they join and
 * is cancelled when they leave or the group no longer gives the plan; joining again
 * re-activates it. One idempotent step of the pass.
 */
export async function syncGroupSubscriptions(tx: PoolClient, today: string): Promise<{ opened: number; closed: number }> {
  const { rows: wanted } = await tx.query<{ group_id: number; person_id: string; plan_id: number; product_id: number; currency: string; renewal_keeps_price: boolean }>(
    `select gp.group_id, m.identity_id::text as person_id, p.id as plan_id, p.product_id, p.currency, p.renewal_keeps_price
     from billing_group_plan gp
     join billing_plan p on p.id = gp.plan_id and not p.deleted and p.product_id is not null
     join identity_group_member m on m.group_row_id = gp.group_id`);
  const want = new Map(wanted.map((w) => [`group:${w.group_id}:${w.person_id}`, w]));
  const current = new Map((await subscriptionsBySourcePrefix(tx, 'group:')).map((s) => [s.source, s]));
  let opened = 0;
  let closed = 0;
  for (const [source, w] of want) {
    const s = current.get(source);
    const group = source.split(':')[1];
    if (!s) {
      await openSubscription(tx, {
        personId: w.person_id, planId: w.plan_id, productId: w.product_id, kind: 'free', status: 'active', startsOn: today, endsOn: null,
        priceVersionId: null, priceMinor: 0, currency: w.currency, renewalKeepsPrice: w.renewal_keeps_price, source,
      }, { cause: `member of group ${group}`, actor: `system:groups`, key: `${source}:joined:${today}` });
      opened++;
    } else if (s.status === 'cancelled' || s.status === 'expired') {
      await transition(tx, s, { status: 'active', startsOn: today, endsOn: null }, { cause: `member of group ${group} again`, actor: 'system:groups', key: `${source}:rejoined:${today}` });
      opened++;
    }
  }
  for (const [source, s] of current) {
    if (want.has(source) || s.status === 'cancelled' || s.status === 'expired') continue;
    await transition(tx, s, { status: 'cancelled', endsOn: today < s.startsOn ? s.startsOn : today }, {
      cause: `no longer in group ${source.split(':')[1]} (or the group no longer gives the plan)`, actor: 'system:groups', key: `${source}:left:${today}`,
    });
    closed++;
  }
  return { opened, closed };
}
