import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { PostHog } from 'posthog-node';
import { inTransaction } from '../../kernel/db.ts';
import { startLoop, type Loop } from '../../kernel/loop.ts';

/**
 * Forwarding of ledger lines to PostHog: the only call site of posthog-node in points.
 * It reads the ledger after the fact (a cursor over line ids) and is never on the
 * counting path: PostHog being down or slow changes nothing about points, it only delays
 * analytics. The distinct id is the person's identity id.
 */

/** The part of posthog-node's client this uses (tests pass a recorder). */
export interface PostHogLike {
  capture(message: { distinctId: string; event: string; properties?: Record<string, unknown>; timestamp?: Date; uuid?: string }): void;
  flush(): Promise<void>;
  shutdown?(timeoutMs?: number): Promise<void>;
}

/** A client only when a key is configured; without one nothing is forwarded. */
export function createPostHog(opts: { apiKey?: string; host: string }): PostHogLike | undefined {
  if (!opts.apiKey) return undefined;
  return new PostHog(opts.apiKey, { host: opts.host, flushAt: 1000, fetchRetryCount: 2, disableGeoip: true });
}

export const POINTS_EVENT = 'points line booked';

/** Deterministic UUID of a line, so a batch sent twice is de-duplicated by PostHog. */
export function lineUuid(lineId: string): string {
  const h = createHash('sha256').update(`points_ledger:${lineId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

export interface ForwarderDeps {
  db: Pool;
  log: Logger;
  posthog: PostHogLike;
  batchSize?: number;
  /**
   * Lines younger than this are left for the next pass: ids are handed out before commit,
   * so a line of a transaction still running can get a smaller id than one already seen.
   */
  settleSeconds?: number;
}

interface LineRow {
  id: string; person_id: string; role: string; kind: string; day: string; points: number; actions: number; characters: number;
  seconds: number; note: string | null; rule_id: number | null; rule_version: number | null; compensates: string | null; recorded_at: Date;
}

/** One pass: up to batchSize lines captured, flushed, and only then the cursor moves. */
export async function forwardOnce(deps: ForwarderDeps): Promise<number> {
  return inTransaction(deps.db, async (tx) => {
    const { rows: lock } = await tx.query<{ ok: boolean }>(`select pg_try_advisory_xact_lock(hashtext('points.analytics')) as ok`);
    if (!lock[0]?.ok) return 0;
    const { rows } = await tx.query<LineRow>(`
      select l.id::text, l.person_id, l.role, l.kind, to_char(l.day, 'YYYY-MM-DD') as day, l.points, l.actions, l.characters, l.seconds,
        l.note, l.rule_id, l.rule_version, l.compensates::text, l.recorded_at
      from points_ledger l
      where l.id > coalesce((select last_line_id from points_analytics_cursor where name = 'posthog'), 0)
        and l.recorded_at < now() - make_interval(secs => $2)
      order by l.id limit $1`, [deps.batchSize ?? 500, deps.settleSeconds ?? 120]);
    if (rows.length === 0) return 0;
    for (const r of rows) {
      deps.posthog.capture({
        distinctId: r.person_id,
        event: POINTS_EVENT,
        uuid: lineUuid(r.id),
        timestamp: r.recorded_at,
        properties: {
          kind: r.kind, role: r.role, day: r.day, points: r.points, actions: r.actions, characters: r.characters, seconds: r.seconds,
          note: r.note, rule_id: r.rule_id, rule_version: r.rule_version, reversal: r.compensates !== null, line_id: r.id,
        },
      });
    }
    await deps.posthog.flush();
    await tx.query(`insert into points_analytics_cursor (name, last_line_id) values ('posthog', $1)
      on conflict (name) do update set last_line_id = excluded.last_line_id, updated_at = now()`, [rows.at(-1)!.id]);
    return rows.length;
  });
}

/**
 * Forwards in the background every `intervalMs` (the first time after one interval), at
 * once again while full batches come; a failed pass is logged and tried on the next.
 */
export async function startForwarder(deps: ForwarderDeps & { intervalMs: number }): Promise<Pick<Loop, 'stop'>> {
  const loop = await startLoop({
    name: 'points.analytics', log: deps.log, intervalMs: deps.intervalMs, runAtStart: false, exclusive: deps.db,
    run: async () => (await forwardOnce(deps)) === (deps.batchSize ?? 500),
  });
  return {
    async stop() {
      await loop.stop();
      await deps.posthog.flush().catch(() => {});
    },
  };
}
