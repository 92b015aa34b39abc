import type { PointsKind } from '../../schemas/events/points.ts';

/**
 * The counting rules, pure: a person's actions of one kind on one day, the rule in force
 * that day and what was already counted that day give the ledger lines. settle-store.ts
 * does the same in SQL for many people at once; test/points/recompute.test.ts holds the
 * two to the same answers.
 *
 * Points are whole numbers. Factors (per character, per minute, ambassador share) have
 * three decimals and are carried here as thousandths, so the arithmetic is exact and
 * equals PostgreSQL's numeric arithmetic:
 *   raw     = points x actions + floor(characters x perCharacter) + floor(seconds x perMinute / 60)
 *   raw     = 0 when shorter than minLength (note short) or within cooldownSeconds of the
 *             previous action of the kind that day (note cooldown)
 *   awarded = min(raw, dailyCap - raw already counted that day), never below 0 (note cap)
 *   ambassador share = floor(awarded x ambassadorShare), a separate line for the ambassador.
 * Actions on a day are taken in the order of (occurredAt, key) whatever order they arrived in.
 */

export interface Rule {
  ruleId: number;
  version: number;
  kind: PointsKind;
  points: number;
  perCharacterMilli: number;
  perMinuteMilli: number;
  minLength: number;
  /** null: no cap. */
  dailyCap: number | null;
  cooldownSeconds: number;
  /** YYYY-MM-DD */
  effectiveFrom: string;
  ambassadorShareMilli: number;
}

/** One live event of a person, kind and day. */
export interface Action {
  eventId: string;
  key: string;
  /** Milliseconds since the epoch. */
  occurredAt: number;
  actions: number;
  characters: number | null;
  seconds: number | null;
}

/** What was already counted today for the kind: raw points and the time of the last action. */
export interface DayState {
  rawSoFar: number;
  lastAt: number | null;
}
export const startOfDay = (): DayState => ({ rawSoFar: 0, lastAt: null });

export type Note = 'no_rule' | 'short' | 'cooldown' | 'cap';

export interface Award {
  raw: number;
  points: number;
  note: Note | null;
  state: DayState;
}

/** Points for one action given the day so far. */
export function award(action: Action, rule: Rule | undefined, state: DayState): Award {
  const next: DayState = { rawSoFar: state.rawSoFar, lastAt: action.occurredAt };
  if (!rule) return { raw: 0, points: 0, note: 'no_rule', state: next };
  if (rule.minLength > 0 && action.characters !== null && action.characters < rule.minLength) {
    return { raw: 0, points: 0, note: 'short', state: next };
  }
  if (rule.cooldownSeconds > 0 && state.lastAt !== null && action.occurredAt - state.lastAt < rule.cooldownSeconds * 1000) {
    return { raw: 0, points: 0, note: 'cooldown', state: next };
  }
  const raw = rule.points * action.actions
    + Math.floor(((action.characters ?? 0) * rule.perCharacterMilli) / 1000)
    + Math.floor(((action.seconds ?? 0) * rule.perMinuteMilli) / 60_000);
  next.rawSoFar = state.rawSoFar + raw;
  const points = rule.dailyCap === null ? raw : Math.max(0, Math.min(raw, rule.dailyCap - state.rawSoFar));
  return { raw, points, note: points < raw ? 'cap' : null, state: next };
}

export function ambassadorShare(points: number, rule: Rule | undefined): number {
  return rule ? Math.floor((points * rule.ambassadorShareMilli) / 1000) : 0;
}

export interface Group {
  personId: string;
  kind: PointsKind;
  day: string;
}

/** A ledger line as the rules want it; `compensates` only on compensating lines. */
export interface Line {
  eventId: string;
  personId: string;
  role: 'own' | 'ambassador';
  fromPersonId: string | null;
  kind: PointsKind;
  day: string;
  ruleId: number | null;
  ruleVersion: number | null;
  points: number;
  actions: number;
  characters: number;
  seconds: number;
  note: Note | null;
  compensates?: string;
}

/** A line already in the ledger and not compensated. */
export interface ActiveLine extends Line {
  id: string;
}

/** The lines of one action: the person's own, and the ambassador's share if any. */
export function linesFor(action: Action, group: Group, rule: Rule | undefined, state: DayState, ambassadorId: string | null): { lines: Line[]; state: DayState } {
  const a = award(action, rule, state);
  const own: Line = {
    eventId: action.eventId, personId: group.personId, role: 'own', fromPersonId: null, kind: group.kind, day: group.day,
    ruleId: rule?.ruleId ?? null, ruleVersion: rule?.version ?? null, points: a.points, actions: action.actions,
    characters: action.characters ?? 0, seconds: action.seconds ?? 0, note: a.note,
  };
  const lines = [own];
  const share = ambassadorId ? ambassadorShare(a.points, rule) : 0;
  if (ambassadorId && share > 0) {
    lines.push({ ...own, personId: ambassadorId, role: 'ambassador', fromPersonId: group.personId, points: share, actions: 0, characters: 0, seconds: 0, note: null });
  }
  return { lines, state: a.state };
}

/** Byte order of the UTF-8 keys: the order of PostgreSQL's `collate "C"`. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function byOccurrence(a: Action, b: Action): number {
  return a.occurredAt - b.occurredAt || compareKeys(a.key, b.key);
}

/** Lines of every live action of a person, kind and day, in occurrence order. */
export function evaluateDay(group: Group, actions: Action[], rule: Rule | undefined, ambassadorId: string | null): Line[] {
  let state = startOfDay();
  const lines: Line[] = [];
  for (const action of [...actions].sort(byOccurrence)) {
    const r = linesFor(action, group, rule, state, ambassadorId);
    state = r.state;
    lines.push(...r.lines);
  }
  return lines;
}

/** The rule of a kind in force on a day: latest effectiveFrom on or before it, then highest id. */
export function ruleInEffect(rules: Rule[], kind: PointsKind, day: string): Rule | undefined {
  let best: Rule | undefined;
  for (const r of rules) {
    if (r.kind !== kind || r.effectiveFrom > day) continue;
    if (!best || r.effectiveFrom > best.effectiveFrom || (r.effectiveFrom === best.effectiveFrom && r.ruleId > best.ruleId)) best = r;
  }
  return best;
}

const signature = (l: Line) => JSON.stringify([l.role, l.personId, l.fromPersonId, l.kind, l.day, l.ruleId, l.ruleVersion, l.points, l.actions, l.characters, l.seconds, l.note]);

/** The line that cancels `line`. */
export function compensation(line: ActiveLine): Line {
  return {
    ...line, points: -line.points, actions: -line.actions, characters: -line.characters, seconds: -line.seconds, compensates: line.id,
  };
}

/**
 * What to append so the ledger says `target` for these events: for each event whose active
 * lines differ from its target lines, compensate all its active lines and add the target
 * ones. An event whose lines are right is left alone, so settling twice appends nothing.
 */
export function planChanges(eventIds: Iterable<string>, active: ActiveLine[], target: Line[]): Line[] {
  const activeBy = groupBy(active);
  const targetBy = groupBy(target);
  const out: Line[] = [];
  for (const eventId of new Set(eventIds)) {
    const has = activeBy.get(eventId) ?? [];
    const want = targetBy.get(eventId) ?? [];
    const same = has.length === want.length && has.map(signature).sort().join('\n') === want.map(signature).sort().join('\n');
    if (same) continue;
    out.push(...has.map((l) => compensation(l as ActiveLine)), ...want);
  }
  return out;
}

function groupBy<L extends Line>(lines: L[]): Map<string, L[]> {
  const m = new Map<string, L[]>();
  for (const l of lines) {
    const list = m.get(l.eventId);
    if (list) list.push(l);
    else m.set(l.eventId, [l]);
  }
  return m;
}
