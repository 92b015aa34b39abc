import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { inTransaction } from '../../kernel/db.ts';
import { startLoop, type Loop } from '../../kernel/loop.ts';
import { syncSlices, type SyncDeps } from './keto-sync.ts';
import { objectSlice } from './slices.ts';

/**
 * Billing writes a row to billing_entitlement_change (and a NOTIFY) in the transaction that
 * changes who holds a product; this loop reads them past its cursor and writes the product's
 * holders and guides to Keto (Subscription slices). The cursor moves in the same
 * transaction as the mirror, so a crash repeats a sync, never skips one. Runs once across
 * instances; the reconciliation repairs anything else.
 */
const BATCH = 500;

export async function syncBillingChanges(deps: SyncDeps & { db: Pool }): Promise<{ products: number; more: boolean }> {
  return inTransaction(deps.db, async (tx) => {
    const cursor = (await tx.query<{ last_id: string }>('select last_id from identity_billing_cursor for update')).rows[0]?.last_id ?? '0';
    const { rows } = await tx.query<{ id: string; product_id: number }>(
      'select id, product_id from billing_entitlement_change where id > $1 order by id limit $2', [cursor, BATCH]);
    if (rows.length === 0) return { products: 0, more: false };
    const products = [...new Set(rows.map((r) => r.product_id))];
    await syncSlices(tx, deps, products.map((id) => objectSlice('Subscription', id)));
    await tx.query('update identity_billing_cursor set last_id = $1, updated_at = now()', [rows.at(-1)!.id]);
    return { products: products.length, more: rows.length === BATCH };
  });
}

export function startBillingSync(deps: SyncDeps & { db: Pool; log: Logger; intervalMs?: number }): Promise<Loop> {
  return startLoop({
    name: 'identity.billing', log: deps.log, intervalMs: deps.intervalMs ?? 10_000, exclusive: deps.db,
    listen: { db: deps.db, channel: 'billing_entitlements' },
    run: async () => (await syncBillingChanges(deps)).more,
  });
}
