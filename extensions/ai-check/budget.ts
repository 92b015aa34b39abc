import type pg from 'pg';

/**
 * The school-wide monthly budget for AI calls, as a ledger in integer micro-units: before a
 * call, a reservation of its worst-case cost (refused when it would exceed the budget);
 * after it, a settlement to the real cost (or a release when the call failed). The sum of
 * a month's entries is what was spent, reservations in flight included.
 */
type Queryable = pg.Pool | pg.PoolClient;

export function budgetMonth(now: Date): string {
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}-01`;
}

export async function spentThisMonth(db: Queryable, now: Date): Promise<number> {
  const { rows } = await db.query<{ spent: string }>('select coalesce(sum(amount_micros), 0)::text as spent from ai_budget_ledger where month = $1', [budgetMonth(now)]);
  return Number(rows[0]?.spent ?? 0);
}

/** Serialised per month by an advisory lock, so two reservations never both fit the last money. */
export async function reserveBudget(tx: pg.PoolClient, r: { key: string; checkId: string; amount: number; budget: number; now: Date }): Promise<boolean> {
  const month = budgetMonth(r.now);
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`ai-budget:${month}`]);
  const existing = await tx.query('select 1 from ai_budget_ledger where entry_key = $1', [`reserve:${r.key}`]);
  if (existing.rowCount) return true;
  if ((await spentThisMonth(tx, r.now)) + r.amount > r.budget) return false;
  await tx.query(`insert into ai_budget_ledger (month, check_id, entry_key, kind, amount_micros, created_at)
    values ($1, $2, $3, 'reserve', $4, $5)`, [month, r.checkId, `reserve:${r.key}`, r.amount, r.now]);
  return true;
}

/** Replaces a reservation by the real cost (or by nothing: cost 0 releases it). Idempotent. */
export async function settleBudget(db: Queryable, s: { key: string; checkId: string; cost: number; now: Date }): Promise<void> {
  await db.query(`insert into ai_budget_ledger (month, check_id, entry_key, kind, amount_micros, created_at)
    select r.month, $2, $3, $4, $5 - r.amount_micros, $6 from ai_budget_ledger r where r.entry_key = $1
    on conflict (entry_key) do nothing`,
  [`reserve:${s.key}`, s.checkId, `settle:${s.key}`, s.cost > 0 ? 'settle' : 'release', s.cost, s.now]);
}
