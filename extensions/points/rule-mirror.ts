import type { PoolClient } from 'pg';
import { nocodbRulePayload, type PointsKind } from '../../schemas/events/points.ts';
import { parseInstant } from './events.ts';
import { LOCK_RULES } from './ledger.ts';
import { scheduleRecompute } from './recompute-store.ts';
import { issuesOf } from '../../kernel/validation.ts';

/**
 * Staff edit the rules in NocoDB (table points_rules, schemas/nocodb/points-rules.ts); each row change
 * arrives as nocodb.points_rules.<insert|update|delete> and becomes a new version in
 * points_rule. A change schedules a recomputation of the kinds it touches, from the
 * earlier of the old and new effective_from.
 */

export type MirrorOutcome =
  | { type: 'changed'; ruleId: number; version: number; recomputeId: string }
  | { type: 'unchanged'; reason: string }
  | { type: 'invalid'; reason: string; details?: unknown };

interface RuleFields {
  kind: PointsKind;
  points: number;
  perCharacter: string;
  perMinute: string;
  minLength: number;
  dailyCap: number | null;
  cooldownSeconds: number;
  effectiveFrom: string;
  ambassadorShare: string;
}

interface StoredRule extends RuleFields {
  version: number;
  deleted: boolean;
  sourceUpdatedAt: Date | null;
}

/** Rules with no start apply from the first day anyone could have been active. */
const BEGINNING = '2000-01-01';

const decimal = (v: number | null | undefined) => (v ?? 0).toFixed(3);
const whole = (v: number | null | undefined) => Math.max(0, Math.trunc(v ?? 0));

export async function mirrorRule(tx: PoolClient, operation: string, payload: unknown): Promise<MirrorOutcome> {
  const parsed = nocodbRulePayload.safeParse(payload);
  if (!parsed.success) {
    return { type: 'invalid', reason: 'points_rules row is not valid', details: issuesOf(parsed.error) };
  }
  const row = parsed.data.row;
  // Counting holds this lock shared: a batch counts wholly before or wholly after the change.
  await tx.query(`select pg_advisory_xact_lock(${LOCK_RULES}, 0)`);
  const latest = await latestVersion(tx, row.Id);
  const updatedAt = row.UpdatedAt ? parseInstant(row.UpdatedAt) : null;
  if (latest?.sourceUpdatedAt && updatedAt && updatedAt < latest.sourceUpdatedAt) {
    return { type: 'unchanged', reason: 'an older change than the one mirrored' };
  }
  let next: RuleFields & { deleted: boolean };
  if (operation === 'delete') {
    if (!latest || latest.deleted) return { type: 'unchanged', reason: 'already deleted' };
    next = { ...latest, deleted: true };
  } else {
    if (!row.Kind) return { type: 'invalid', reason: 'points_rules row has no Kind' };
    // Bounds (schemas/events/points.ts) keep every line within PostgreSQL's integer.
    const share = row.AmbassadorShare ?? 0;
    next = {
      kind: row.Kind, points: Math.trunc(row.Points ?? 0), perCharacter: decimal(row.PerCharacter), perMinute: decimal(row.PerMinute),
      minLength: whole(row.MinLength), dailyCap: row.DailyCap && row.DailyCap > 0 ? Math.trunc(row.DailyCap) : null,
      cooldownSeconds: whole(row.CooldownSeconds), effectiveFrom: row.EffectiveFrom?.slice(0, 10) ?? BEGINNING,
      ambassadorShare: decimal(share), deleted: false,
    };
    if (latest && !latest.deleted && sameRule(latest, next)) return { type: 'unchanged', reason: 'same as the mirrored version' };
  }
  const version = (latest?.version ?? 0) + 1;
  await tx.query(`insert into points_rule (rule_id, version, kind, points, per_character, per_minute, min_length, daily_cap,
      cooldown_seconds, effective_from, ambassador_share, deleted, source_updated_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, [
    row.Id, version, next.kind, next.points, next.perCharacter, next.perMinute, next.minLength, next.dailyCap,
    next.cooldownSeconds, next.effectiveFrom, next.ambassadorShare, next.deleted, updatedAt,
  ]);
  const kinds = [...new Set([next.kind, ...(latest && !latest.deleted ? [latest.kind] : [])])].sort();
  const fromDay = latest && !latest.deleted && latest.effectiveFrom < next.effectiveFrom ? latest.effectiveFrom : next.effectiveFrom;
  const recomputeId = await scheduleRecompute(tx, {
    reason: `rule ${row.Id} v${version}${next.deleted ? ' deleted' : ''}`, kinds, fromDay,
  });
  return { type: 'changed', ruleId: row.Id, version, recomputeId };
}

function sameRule(a: RuleFields, b: RuleFields): boolean {
  return a.kind === b.kind && a.points === b.points && a.perCharacter === b.perCharacter && a.perMinute === b.perMinute
    && a.minLength === b.minLength && a.dailyCap === b.dailyCap && a.cooldownSeconds === b.cooldownSeconds
    && a.effectiveFrom === b.effectiveFrom && a.ambassadorShare === b.ambassadorShare;
}

async function latestVersion(tx: PoolClient, ruleId: number): Promise<StoredRule | undefined> {
  const { rows } = await tx.query<{
    version: number; kind: PointsKind; points: number; per_character: string; per_minute: string; min_length: number; daily_cap: number | null;
    cooldown_seconds: number; effective_from: string; ambassador_share: string; deleted: boolean; source_updated_at: Date | null;
  }>(`select version, kind, points, per_character::text, per_minute::text, min_length, daily_cap, cooldown_seconds,
      to_char(effective_from, 'YYYY-MM-DD') as effective_from, ambassador_share::text, deleted, source_updated_at
    from points_rule where rule_id = $1 order by version desc limit 1`, [ruleId]);
  const r = rows[0];
  if (!r) return undefined;
  return {
    version: r.version, kind: r.kind, points: r.points, perCharacter: r.per_character, perMinute: r.per_minute, minLength: r.min_length,
    dailyCap: r.daily_cap, cooldownSeconds: r.cooldown_seconds, effectiveFrom: r.effective_from, ambassadorShare: r.ambassador_share,
    deleted: r.deleted, sourceUpdatedAt: r.source_updated_at,
  };
}
