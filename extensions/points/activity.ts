import type { Pool } from 'pg';
import { localDay, streaks, type Streaks } from './calendar.ts';

/**
 * A person's activity by day (value date, in the zone each event was counted in): what
 * students see as their days and their calendar. Reads the ledger, so corrections are
 * already netted in.
 */

export interface KindTotals {
  actions: number;
  characters: number;
  seconds: number;
  points: number;
}

export interface DayActivity extends KindTotals {
  day: string;
  /** Own actions by kind. */
  kinds: Record<string, KindTotals>;
  /** Points received as an ambassador that day. */
  ambassadorPoints: number;
}

export async function activityByDay(db: Pool, personId: string, from: string, to: string): Promise<DayActivity[]> {
  const { rows } = await db.query<{ day: string; role: string; kind: string } & KindTotals>(`
    select to_char(day, 'YYYY-MM-DD') as day, role, kind, sum(actions)::float8 as actions, sum(characters)::float8 as characters,
      sum(seconds)::float8 as seconds, sum(points)::float8 as points
    from points_ledger where person_id = $1 and day between $2::date and $3::date
    group by day, role, kind order by day, role, kind`, [personId, from, to]);
  const days = new Map<string, DayActivity>();
  for (const r of rows) {
    let d = days.get(r.day);
    if (!d) days.set(r.day, (d = { day: r.day, actions: 0, characters: 0, seconds: 0, points: 0, kinds: {}, ambassadorPoints: 0 }));
    d.points += r.points;
    if (r.role === 'ambassador') {
      d.ambassadorPoints += r.points;
      continue;
    }
    d.actions += r.actions;
    d.characters += r.characters;
    d.seconds += r.seconds;
    d.kinds[r.kind] = { actions: r.actions, characters: r.characters, seconds: r.seconds, points: r.points };
  }
  return [...days.values()].filter((d) => d.actions !== 0 || d.points !== 0 || d.characters !== 0);
}

export interface YearCalendar {
  year: number;
  timeZone: string;
  today: string;
  streaks: Streaks;
  /** Days of the year with activity: points (own and ambassador) and own actions. */
  days: { day: string; points: number; actions: number }[];
  total: number;
}

/**
 * A day is active when the person's own actions earned points that day (an ambassador's
 * share is not their activity). Streaks look at every year, not only this one.
 */
export async function yearCalendar(db: Pool, personId: string, year: number, timeZone: string, now: Date): Promise<YearCalendar> {
  const { rows } = await db.query<{ day: string; points: number; actions: number; own_points: number }>(`
    select to_char(day, 'YYYY-MM-DD') as day, sum(points)::float8 as points, sum(actions) filter (where role = 'own')::float8 as actions,
      coalesce(sum(points) filter (where role = 'own'), 0)::float8 as own_points
    from points_ledger where person_id = $1 group by day order by day`, [personId]);
  const today = localDay(now, timeZone);
  const inYear = rows.filter((r) => r.day.startsWith(`${year}-`) && (r.points !== 0 || (r.actions ?? 0) !== 0));
  return {
    year, timeZone, today,
    streaks: streaks(rows.filter((r) => r.own_points > 0).map((r) => r.day), today),
    days: inYear.map((r) => ({ day: r.day, points: r.points, actions: r.actions ?? 0 })),
    total: inYear.reduce((s, r) => s + r.points, 0),
  };
}

export async function balanceOf(db: Pool, personId: string): Promise<{ points: number; characters: number; seconds: number }> {
  const { rows } = await db.query<{ points: number; characters: number; seconds: number }>(`
    select coalesce(sum(points), 0)::float8 as points, coalesce(sum(characters), 0)::float8 as characters, coalesce(sum(seconds), 0)::float8 as seconds
    from points_ledger where person_id = $1`, [personId]);
  return rows[0]!;
}
