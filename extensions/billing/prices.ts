import { addMonths } from './days.ts';

/**
 * What a plan costs on a day, from the rules staff keep in NocoDB. Pure.
 *
 * - A price row says "from ValidFrom the price is AmountMinor"; the latest row on or before
 *   the day is the base.
 * - A schedule says "+StepMinor every EveryMonths months from StartsOn" (until EndsOn, at
 *   most CapMinor): each step date after the base's own date and on or before the day adds
 *   one step. A price row on a step date wins over that step (staff said the price then).
 * The answer names the date it holds from and its origin, which become an immutable version
 * (billing_price_version) once the date has come.
 */
export interface PriceRow { rowId: number; amountMinor: number; validFrom: string }
export interface PriceSchedule { rowId: number; stepMinor: number; everyMonths: number; startsOn: string; endsOn?: string | null; capMinor?: number | null }
export interface PriceRules { rows: PriceRow[]; schedules: PriceSchedule[] }
export interface Price { amountMinor: number; validFrom: string; origin: string }

const MAX_STEPS = 1200;

/** The step dates of a schedule up to and including `until`. */
function stepDates(s: PriceSchedule, until: string): string[] {
  const dates: string[] = [];
  const every = Math.max(1, Math.trunc(s.everyMonths));
  for (let j = 0; j < MAX_STEPS; j++) {
    const d = addMonths(s.startsOn, j * every);
    if (d > until || (s.endsOn && d > s.endsOn)) break;
    dates.push(d);
  }
  return dates;
}

export function priceAt(rules: PriceRules, day: string): Price | null {
  const base = [...rules.rows].filter((r) => r.validFrom <= day)
    .sort((a, b) => (a.validFrom < b.validFrom ? -1 : a.validFrom > b.validFrom ? 1 : a.rowId - b.rowId)).at(-1);
  if (!base) return null;
  let amount = base.amountMinor;
  let validFrom = base.validFrom;
  let origin = `price:${base.rowId}`;
  for (const s of [...rules.schedules].sort((a, b) => a.rowId - b.rowId)) {
    const steps = stepDates(s, day).filter((d) => d > base.validFrom);
    if (steps.length === 0) continue;
    const raised = amount + steps.length * s.stepMinor;
    amount = s.capMinor != null ? Math.min(raised, Math.max(s.capMinor, amount)) : raised;
    const last = steps.at(-1)!;
    if (last > validFrom) {
      validFrom = last;
      origin = `schedule:${s.rowId}:${steps.length}`;
    }
  }
  return { amountMinor: Math.max(0, amount), validFrom, origin };
}

/** The next `n` changes of price after `today` (a preview for staff): the day and the new price. */
export function nextChanges(rules: PriceRules, today: string, n = 4): Price[] {
  const horizon = addMonths(today, 12 * 10);
  const candidates = new Set<string>();
  for (const r of rules.rows) if (r.validFrom > today && r.validFrom <= horizon) candidates.add(r.validFrom);
  for (const s of rules.schedules) for (const d of stepDates(s, horizon)) if (d > today) candidates.add(d);
  const out: Price[] = [];
  let previous = priceAt(rules, today);
  for (const day of [...candidates].sort()) {
    const p = priceAt(rules, day);
    if (p && (!previous || p.amountMinor !== previous.amountMinor)) out.push(p);
    if (p) previous = p;
    if (out.length >= n) break;
  }
  return out;
}
