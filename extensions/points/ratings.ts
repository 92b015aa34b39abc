import type { Pool } from 'pg';
import { localDay, monthStart, weekStart } from './calendar.ts';

/**
 * Ratings: people ranked by points or by characters written, over this week (from
 * Monday), this month or all time, for the whole school or one group. Periods are days
 * in the school's zone; each line's day is the person's own (value date).
 */

export type Period = 'week' | 'month' | 'all';
export type Measure = 'points' | 'characters';

export function periodStart(period: Period, now: Date, timeZone: string): string | null {
  const today = localDay(now, timeZone);
  if (period === 'week') return weekStart(today);
  if (period === 'month') return monthStart(today);
  return null;
}

export interface RatingRow {
  rank: number;
  personId: string;
  displayName: string | null;
  value: number;
}

export async function rating(db: Pool, opts: { period: Period; by: Measure; now: Date; timeZone: string; groupId?: string; limit: number }): Promise<{ from: string | null; rows: RatingRow[] }> {
  const from = periodStart(opts.period, opts.now, opts.timeZone);
  const measure = opts.by === 'points' ? 'sum(l.points)' : `sum(l.characters) filter (where l.role = 'own')`;
  const { rows } = await db.query<{ rank: string; person_id: string; display_name: string | null; value: string }>(`
    with totals as (
      select l.person_id, coalesce(${measure}, 0) as value
      from points_ledger l
      where ($1::date is null or l.day >= $1::date)
        and ($2::text is null or l.person_id in (select identity_id from identity_group_member where group_object = $2))
      group by l.person_id
    )
    select rank() over (order by t.value desc) as rank, t.person_id, p.display_name, t.value
    from totals t left join points_person p on p.person_id = t.person_id
    where t.value > 0
    order by t.value desc, t.person_id limit $3`, [from, opts.groupId ?? null, opts.limit]);
  return { from, rows: rows.map((r) => ({ rank: Number(r.rank), personId: r.person_id, displayName: r.display_name, value: Number(r.value) })) };
}
