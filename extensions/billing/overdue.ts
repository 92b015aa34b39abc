import { z } from 'zod';

/**
 * What an unpaid instalment leads to, after Kill Bill's overdue states: a part's lateness in
 * days (0 on its due day) gives its stage, and the stage gives the subscription's status,
 * which is what access follows (billing_entitlement holds for 'active' and 'past_due', not
 * for 'suspended' or 'cancelled'). Pure.
 *
 *   days late  0 .. grace-1          reminder    access holds (the person is told)
 *              grace .. suspend-1    past_due    access still holds
 *              suspend .. cancel-1   suspended   access withheld until the part is paid
 *              cancel ..             cancelled   what was paid is kept, the unpaid rest is written off
 *
 * A school declares its own thresholds (billing_setting 'overdue_policy', JSON, any of the
 * three); what it leaves out keeps the default.
 */
export type OverdueStage = 'current' | 'reminder' | 'past_due' | 'suspended' | 'cancelled';
export type AccessStatus = 'active' | 'past_due' | 'suspended' | 'cancelled';

export interface OverduePolicy {
  /** Days after the due day that the reminder alone covers. */
  graceDays: number;
  suspendAfterDays: number;
  cancelAfterDays: number;
}

export const DEFAULT_OVERDUE_POLICY: OverduePolicy = { graceDays: 3, suspendAfterDays: 10, cancelAfterDays: 30 };

const days = z.number().int().min(0).max(366);
const declared = z.object({ graceDays: days, suspendAfterDays: days, cancelAfterDays: days.min(1) }).partial().strict();

/** The school's policy from what it declared (null: nothing declared). Refuses thresholds out of order. */
export function overduePolicy(declaredJson: string | null): OverduePolicy {
  if (declaredJson === null) return DEFAULT_OVERDUE_POLICY;
  let parsed: unknown;
  try {
    parsed = JSON.parse(declaredJson);
  } catch {
    throw new Error(`billing_setting overdue_policy is not JSON: ${declaredJson}`);
  }
  const result = declared.safeParse(parsed);
  if (!result.success) throw new Error(`billing_setting overdue_policy is not a policy: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const policy = { ...DEFAULT_OVERDUE_POLICY, ...result.data };
  if (!(policy.graceDays <= policy.suspendAfterDays && policy.suspendAfterDays <= policy.cancelAfterDays)) {
    throw new Error(`billing_setting overdue_policy: grace (${policy.graceDays}) <= suspension (${policy.suspendAfterDays}) <= cancellation (${policy.cancelAfterDays}) days, in that order`);
  }
  return policy;
}

const DAY_MS = 86_400_000;
/** Whole days from the due day to `today` (both `YYYY-MM-DD`): negative before it is due. */
export const daysLate = (dueOn: string, today: string) => Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${dueOn}T00:00:00Z`)) / DAY_MS);

export function stageOf(late: number, policy: OverduePolicy): OverdueStage {
  if (late < 0) return 'current';
  if (late >= policy.cancelAfterDays) return 'cancelled';
  if (late >= policy.suspendAfterDays) return 'suspended';
  if (late >= policy.graceDays) return 'past_due';
  return 'reminder';
}

/** The subscription status a schedule's latest stage gives. */
export const accessOf = (stage: OverdueStage): AccessStatus =>
  stage === 'current' || stage === 'reminder' ? 'active' : stage;

const SAYS: Record<OverdueStage, string> = {
  current: 'not due yet',
  reminder: 'reminded, access holds',
  past_due: 'past due, access still holds',
  suspended: 'access suspended until it is paid',
  cancelled: 'cancelled: what was paid is kept, the unpaid rest written off',
};
export const stageSays = (stage: OverdueStage) => SAYS[stage];
