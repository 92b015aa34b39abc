import type pg from 'pg';
import { inTransaction } from '../../kernel/db.ts';
import { AppError } from '../../kernel/errors.ts';
import type { AttemptMeter, Usage } from './openrouter.ts';

/**
 * The school-wide monthly budget for AI calls (checks and embeddings alike), as a ledger in
 * integer micro-units: before each provider attempt, a reservation of its worst-case cost
 * (refused when it would exceed the budget); after it, a settlement to the cost the provider
 * reports, or to the whole reservation when the attempt failed or reported nothing (it may
 * be billed all the same). The sum of a month's entries is what was spent, reservations in
 * flight included.
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
export async function reserveBudget(tx: pg.PoolClient, r: { key: string; checkId: string | null; amount: number; budget: number; now: Date }): Promise<boolean> {
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
export async function settleBudget(db: Queryable, s: { key: string; checkId: string | null; cost: number; now: Date }): Promise<void> {
  await db.query(`insert into ai_budget_ledger (month, check_id, entry_key, kind, amount_micros, created_at)
    select r.month, $2, $3, $4, $5 - r.amount_micros, $6 from ai_budget_ledger r where r.entry_key = $1
    on conflict (entry_key) do nothing`,
  [`reserve:${s.key}`, s.checkId, `settle:${s.key}`, s.cost > 0 ? 'settle' : 'release', s.cost, s.now]);
}

/**
 * The month's budget cannot pay for one more attempt. (A code of its own belongs in
 * kernel/errors.ts; until then it is a 503 that says why in its message and details.)
 */
export class BudgetRefused extends AppError {
  constructor(what: string) {
    super('AI_PROVIDER_UNAVAILABLE', 503, `the month's AI budget cannot pay for ${what}`, { reason: 'BUDGET_EXHAUSTED' });
  }
}

export const isBudgetRefused = (e: unknown): e is BudgetRefused => e instanceof BudgetRefused;

export interface MeterOptions {
  db: pg.Pool;
  now: () => Date;
  /** Read at each attempt: the setting may change while the service runs. */
  budgetMicros: () => number;
  /** Ledger key of attempt 0; attempt n books under `${key}/${n}`. */
  key: string;
  checkId: string | null;
  /** What one attempt can cost at most. */
  reserved: number;
  cost: (usage: Usage) => number;
  what: string;
  /** Attempt 0 was reserved by the caller already (a check: with its quota, in one transaction). */
  firstReserved?: boolean;
  /** After each attempt is booked, with what it cost. */
  booked?: (b: { attempt: number; cost: number; usage: Usage | null }) => Promise<void>;
}

export const attemptKey = (key: string, attempt: number) => (attempt === 0 ? key : `${key}/${attempt}`);

/** Books every attempt of one provider call in the ledger: reserved before it, settled after. */
export function budgetMeter(o: MeterOptions): AttemptMeter {
  return {
    async before(attempt) {
      if (attempt === 0 && o.firstReserved) return;
      const fits = await inTransaction(o.db, (tx) => reserveBudget(tx, {
        key: attemptKey(o.key, attempt), checkId: o.checkId, amount: o.reserved, budget: o.budgetMicros(), now: o.now(),
      }));
      if (!fits) throw new BudgetRefused(o.what);
    },
    async after(attempt, outcome) {
      const usage = outcome.ok ? outcome.usage : null;
      const cost = usage ? o.cost(usage) : o.reserved;
      await settleBudget(o.db, { key: attemptKey(o.key, attempt), checkId: o.checkId, cost, now: o.now() });
      await o.booked?.({ attempt, cost, usage });
    },
  };
}
