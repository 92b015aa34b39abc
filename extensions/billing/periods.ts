import { addDays, addMonths } from './days.ts';

/** How long a plan runs. Pure. */
export type Duration = 'month' | 'quarter' | 'year' | '2 years' | 'fixed dates';
const MONTHS: Record<Exclude<Duration, 'fixed dates'>, number> = { month: 1, quarter: 3, year: 12, '2 years': 24 };

export interface PlanPeriod { duration: Duration; startsOn?: string | null; endsOn?: string | null }

/**
 * The days a period bought or granted on `from` covers: [startsOn, endsOn], both included:
 * up to the day before the same day N months later (15 March -> 14 April). Where that month
 * is too short (31 January + 1 month), to its last day (28 or 29 February); the next period
 * then starts on the 1st.
 */
export function periodFrom(plan: PlanPeriod, from: string): { startsOn: string; endsOn: string } {
  if (plan.duration === 'fixed dates') {
    if (!plan.startsOn || !plan.endsOn) throw new Error('a plan with fixed dates needs StartsOn and EndsOn');
    return { startsOn: plan.startsOn, endsOn: plan.endsOn };
  }
  const later = addMonths(from, MONTHS[plan.duration]);
  const clamped = Number(later.slice(8)) < Number(from.slice(8));
  return { startsOn: from, endsOn: clamped ? later : addDays(later, -1) };
}

/** The period after one that ends on `endsOn`. */
export function nextPeriod(plan: PlanPeriod, endsOn: string): { startsOn: string; endsOn: string } {
  return periodFrom(plan, addDays(endsOn, 1));
}

/** Access holds on `today` (school zone) while the period covers it. */
export const covers = (p: { startsOn: string; endsOn: string | null }, today: string) => p.startsOn <= today && (p.endsOn === null || p.endsOn >= today);
