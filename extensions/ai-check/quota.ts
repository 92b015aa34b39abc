import type pg from 'pg';

/**
 * Per-person limits on AI checks, in fixed UTC windows (this hour, this day), counted in
 * PostgreSQL so that the count and the check it admits commit or roll back together.
 */
export interface QuotaLimits {
  perHour: number;
  perDay: number;
}

export type QuotaResult = { ok: true } | { ok: false; window: 'hour' | 'day'; limit: number; resetsAt: Date };

export function windowStart(now: Date, window: 'hour' | 'day'): Date {
  const d = new Date(now);
  d.setUTCMinutes(0, 0, 0);
  if (window === 'day') d.setUTCHours(0);
  return d;
}

function windowEnd(start: Date, window: 'hour' | 'day'): Date {
  return new Date(start.getTime() + (window === 'hour' ? 3_600_000 : 86_400_000));
}

/** Counts one check against both windows, or none when either is full. Run inside the admitting transaction. */
export async function consumeQuota(tx: pg.PoolClient, identityId: string, limits: QuotaLimits, now: Date): Promise<QuotaResult> {
  for (const [window, limit] of [['day', limits.perDay], ['hour', limits.perHour]] as const) {
    const start = windowStart(now, window);
    const refused = { ok: false as const, window, limit, resetsAt: windowEnd(start, window) };
    if (limit <= 0) return refused;
    const { rowCount } = await tx.query(`insert into ai_quota_counter (identity_id, window_kind, window_start, used)
      values ($1, $2, $3, 1)
      on conflict (identity_id, window_kind, window_start) do update set used = ai_quota_counter.used + 1
      where ai_quota_counter.used < $4`, [identityId, window, start, limit]);
    if (!rowCount) return refused;
  }
  return { ok: true };
}

/**
 * Whether a check would be admitted now, without counting it: asked before the search, whose
 * query embedding costs money, so a student past their quota spends none. `consumeQuota`
 * still decides, in the admitting transaction.
 */
export async function quotaAllows(db: pg.Pool, identityId: string, limits: QuotaLimits, now: Date): Promise<QuotaResult> {
  const used = await quotaUsed(db, identityId, now);
  for (const [window, limit] of [['day', limits.perDay], ['hour', limits.perHour]] as const) {
    if (used[window] >= limit) return { ok: false, window, limit, resetsAt: windowEnd(windowStart(now, window), window) };
  }
  return { ok: true };
}

export async function quotaUsed(db: pg.Pool, identityId: string, now: Date): Promise<{ hour: number; day: number }> {
  const { rows } = await db.query<{ window_kind: 'hour' | 'day'; used: number }>(`select window_kind, used from ai_quota_counter
    where identity_id = $1 and ((window_kind = 'hour' and window_start = $2) or (window_kind = 'day' and window_start = $3))`,
  [identityId, windowStart(now, 'hour'), windowStart(now, 'day')]);
  return { hour: rows.find((r) => r.window_kind === 'hour')?.used ?? 0, day: rows.find((r) => r.window_kind === 'day')?.used ?? 0 };
}
