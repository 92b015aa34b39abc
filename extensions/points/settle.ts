import type { PoolClient } from 'pg';
import { appendLines, loadGroup, lockForCounting, type GroupState } from './ledger.ts';
import { evaluateDay, planChanges, type Group, type Line } from './rules.ts';

/**
 * Brings the ledger of some person-kind-days in line with their events and rules: the
 * incremental path, run for each new event. Caps and cooldowns depend on the whole day,
 * so the day is evaluated from its start and only lines that differ are corrected; an
 * event arriving late (earlier in the day than ones already counted) is handled the same
 * way as one arriving in order.
 */
export function changesFor(group: Group, state: GroupState): Line[] {
  const target = evaluateDay(group, state.live, state.rule, state.ambassadorId);
  return planChanges(state.eventIds, state.active, target);
}

/**
 * Settles days read now (`groups`) and days whose state the caller already has (`known`);
 * a day in both is read again (something was added to it since). One append.
 */
export async function settleGroups(tx: PoolClient, groups: Group[], at: Date, known: { group: Group; state: GroupState }[] = []): Promise<number> {
  const key = (g: Group) => `${g.personId}|${g.kind}|${g.day}`;
  const rest = [...new Map(groups.map((g) => [key(g), g])).values()];
  const reread = new Set(rest.map(key));
  const changes: Line[] = known.filter((k) => !reread.has(key(k.group))).flatMap((k) => changesFor(k.group, k.state));
  if (rest.length) {
    await lockForCounting(tx, rest.map((g) => g.personId));
    for (const g of rest) changes.push(...changesFor(g, await loadGroup(tx, g)));
  }
  return appendLines(tx, changes, at);
}
