import type { Pool } from 'pg';
import { addDays, localDateTime } from './calendar.ts';
import { CSV_HEADERS, kindName, noteText, text, type Lang } from './messages.ts';

/**
 * A person's account statement, like a bank's: the balance before the period, every line
 * booked in it (with the rule that produced it, and reversals as their own lines) and the
 * balance after. Lines are taken by booking time, so a statement once issued never
 * changes: a later correction of an old day is booked, and shown, when it is made.
 */

export interface StatementLine {
  id: string;
  bookedAt: Date;
  /** Activity day the line counts for. */
  day: string;
  role: 'own' | 'ambassador';
  kind: string;
  ruleId: number | null;
  ruleVersion: number | null;
  points: number;
  actions: number;
  characters: number;
  seconds: number;
  note: string | null;
  compensates: string | null;
  fromPersonId: string | null;
  eventKey: string;
  recomputeId: string | null;
}

export interface Statement {
  personId: string;
  timeZone: string;
  /** First and last day of the period, inclusive, in timeZone. */
  from: string;
  to: string;
  opening: number;
  lines: (StatementLine & { balance: number })[];
  credited: number;
  debited: number;
  closing: number;
}

export function buildStatement(input: { personId: string; timeZone: string; from: string; to: string; opening: number; lines: StatementLine[] }): Statement {
  let balance = input.opening;
  let credited = 0;
  let debited = 0;
  const lines = input.lines.map((l) => {
    balance += l.points;
    if (l.points >= 0) credited += l.points;
    else debited -= l.points;
    return { ...l, balance };
  });
  return { personId: input.personId, timeZone: input.timeZone, from: input.from, to: input.to, opening: input.opening, lines, credited, debited, closing: balance };
}

/** "Club post, 120 characters; rule 3 v2; daily limit reached" */
export function describeLine(line: StatementLine, lang: Lang): string {
  const what = line.role === 'ambassador' ? `${text('ambassador', lang)}: ${kindName(line.kind, lang)}` : kindName(line.kind, lang);
  const parts = [what];
  if (line.characters) parts.push(`${Math.abs(line.characters)} ${text('characters', lang)}`);
  if (line.seconds) parts.push(`${Math.round(Math.abs(line.seconds) / 60)} ${text('minutes', lang)}`);
  const head = parts.join(', ');
  return line.compensates ? `${text('reversal', lang)} ${line.compensates}: ${head}` : head;
}

const ruleLabel = (l: StatementLine, lang: Lang) => (l.ruleId === null ? '' : `${text('rule', lang)} ${l.ruleId} v${l.ruleVersion}`);

/**
 * RFC 4180 CSV (CRLF, quotes doubled). Text that a spreadsheet would run as a formula
 * (starting with = + - @) is prefixed with an apostrophe.
 */
export function statementCsv(s: Statement, lang: Lang): string {
  const rows: (string | number)[][] = [CSV_HEADERS[lang]];
  rows.push(['', '', s.from, text('opening', lang), '', '', '', '', s.opening, '', '', '']);
  for (const l of s.lines) {
    rows.push([
      l.id, localDateTime(l.bookedAt, s.timeZone), l.day, describeLine(l, lang), ruleLabel(l, lang), l.characters, l.seconds,
      l.points, l.balance, noteText(l.note, lang), l.compensates ?? '', l.eventKey,
    ]);
  }
  rows.push(['', '', s.to, text('closing', lang), '', '', '', '', s.closing, '', '', '']);
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Reads a statement: the period's bounds are local midnights in the person's zone. */
export async function loadStatement(db: Pool, personId: string, from: string, to: string, timeZone: string): Promise<Statement> {
  const bounds = [personId, from, addDays(to, 1), timeZone];
  const opening = await db.query<{ opening: number }>(`select coalesce(sum(points), 0)::float8 as opening from points_ledger
    where person_id = $1 and recorded_at < ($2::date)::timestamp at time zone $3`, [personId, from, timeZone]);
  const { rows } = await db.query<{
    id: string; recorded_at: Date; day: string; role: 'own' | 'ambassador'; kind: string; rule_id: number | null; rule_version: number | null;
    points: number; actions: number; characters: number; seconds: number; note: string | null; compensates: string | null;
    from_person_id: string | null; key: string; recompute_id: string | null;
  }>(`select l.id::text, l.recorded_at, to_char(l.day, 'YYYY-MM-DD') as day, l.role, l.kind, l.rule_id, l.rule_version, l.points, l.actions,
      l.characters, l.seconds, l.note, l.compensates::text, l.from_person_id, e.key, l.recompute_id::text
    from points_ledger l join points_event e on e.id = l.event_id
    where l.person_id = $1 and l.recorded_at >= ($2::date)::timestamp at time zone $4 and l.recorded_at < ($3::date)::timestamp at time zone $4
    order by l.recorded_at, l.id`, bounds);
  return buildStatement({
    personId, timeZone, from, to, opening: opening.rows[0]?.opening ?? 0,
    lines: rows.map((r) => ({
      id: r.id, bookedAt: r.recorded_at, day: r.day, role: r.role, kind: r.kind, ruleId: r.rule_id, ruleVersion: r.rule_version,
      points: r.points, actions: r.actions, characters: r.characters, seconds: r.seconds, note: r.note, compensates: r.compensates,
      fromPersonId: r.from_person_id, eventKey: r.key, recomputeId: r.recompute_id,
    })),
  });
}
