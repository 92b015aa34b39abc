/**
 * Days and streaks. A day is a calendar date `YYYY-MM-DD` in a person's IANA time zone;
 * instants are UTC. Pure: no I/O, no clock (callers pass "now").
 */

/** Formatters cost far more to build than to use: one per zone and shape, kept (zones are few). */
const formats = new Map<string, Intl.DateTimeFormat>();
function partsIn(instant: Date, timeZone: string, withTime: boolean): (type: string) => string {
  const id = `${timeZone}|${withTime}`;
  let f = formats.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
      ...(withTime ? { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' } as const : {}),
    });
    formats.set(id, f);
  }
  const parts = f.formatToParts(instant);
  return (type) => parts.find((p) => p.type === type)?.value ?? '';
}

/** The calendar date of an instant in a time zone, e.g. 2025-03-01T15:30Z in Asia/Vladivostok is 2025-03-02. */
export function localDay(instant: Date, timeZone: string): string {
  // Since 1970 every zone's offset is a whole number of quarter hours (local mean times of
  // the 19th century are not), so a day never changes inside one: the answer is remembered
  // per zone and quarter hour (counting a batch asks the same few thousand times, and
  // formatting costs microseconds each).
  const ms = instant.getTime();
  const key = ms >= 0 ? `${timeZone}|${Math.floor(ms / QUARTER_HOUR)}` : '';
  const known = key ? dayMemo.get(key) : undefined;
  if (known) return known;
  const get = partsIn(instant, timeZone, false);
  const day = `${get('year')}-${get('month')}-${get('day')}`;
  if (dayMemo.size >= 50_000) dayMemo.clear();
  if (key) dayMemo.set(key, day);
  return day;
}

const QUARTER_HOUR = 15 * 60_000;
const dayMemo = new Map<string, string>();

/** Local wall time `YYYY-MM-DD HH:MM:SS` of an instant in a zone (statements show bookings so). */
export function localDateTime(instant: Date, timeZone: string): string {
  const get = partsIn(instant, timeZone, true);
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

const DAY_MS = 86_400_000;
const toUtcMs = (day: string) => Date.parse(`${day}T00:00:00Z`);
const fromUtcMs = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function isDay(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(toUtcMs(value)) && fromUtcMs(toUtcMs(value)) === value;
}

export function addDays(day: string, n: number): string {
  return fromUtcMs(toUtcMs(day) + n * DAY_MS);
}

/** Whole days from `a` to `b` (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((toUtcMs(b) - toUtcMs(a)) / DAY_MS);
}

/** 0 = Monday ... 6 = Sunday. */
export function weekday(day: string): number {
  return (new Date(toUtcMs(day)).getUTCDay() + 6) % 7;
}

/** Every date of a year, in order. */
export function daysOfYear(year: number): string[] {
  const days: string[] = [];
  for (let d = `${year}-01-01`; d.startsWith(String(year)); d = addDays(d, 1)) days.push(d);
  return days;
}

export interface Streaks {
  /** Consecutive active days ending today, or ending yesterday while today is still open. */
  current: number;
  longest: number;
  /** The last day of the current streak, if any. */
  currentEnds?: string;
}

/**
 * Streaks over the days a person was active (any order, duplicates allowed). Today does not
 * break a streak before it ends: active yesterday and not yet today still counts.
 */
export function streaks(activeDays: Iterable<string>, today: string): Streaks {
  const days = [...new Set(activeDays)].filter((d) => d <= today).sort();
  let longest = 0;
  let run = 0;
  let previous: string | undefined;
  for (const day of days) {
    run = previous !== undefined && daysBetween(previous, day) === 1 ? run + 1 : 1;
    longest = Math.max(longest, run);
    previous = day;
  }
  if (previous === undefined || daysBetween(previous, today) > 1) return { current: 0, longest };
  return { current: run, longest, currentEnds: previous };
}

/** The first day of the week (Monday) and of the month containing `day`. */
export function weekStart(day: string): string {
  return addDays(day, -weekday(day));
}
export function monthStart(day: string): string {
  return `${day.slice(0, 7)}-01`;
}
