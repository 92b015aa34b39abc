import type pg from 'pg';
import type { Logger } from 'pino';
import { processCheck, type CheckDeps } from './check-answer.ts';
import { claimDueChecks } from './checks-store.ts';

/**
 * The capability's background work, queued in PostgreSQL (ai_check, ai_outbox) rather than
 * in Redis so that queuing commits with the event that caused it. A loop drains what is
 * due every `pollMs`, and at once when a transaction that queued a check commits
 * (LISTEN ai_check; enqueueCheck sends the NOTIFY).
 */
export async function drainChecks(deps: CheckDeps, opts: { batch?: number; maxBatches?: number } = {}): Promise<number> {
  const batch = opts.batch ?? 4;
  let processed = 0;
  for (let i = 0; i < (opts.maxBatches ?? 1000); i++) {
    const rows = await claimDueChecks(deps.db, deps.clock(), deps.settings.jobs.leaseMs, batch);
    if (rows.length === 0) break;
    await Promise.all(rows.map((row) => processCheck(deps, row)));
    processed += rows.length;
  }
  return processed;
}

/** Claims one check now (an API call waits for its own check); false when another worker holds it. */
export async function runCheckNow(deps: CheckDeps, checkId: string): Promise<boolean> {
  const [row] = await claimDueChecks(deps.db, deps.clock(), deps.settings.jobs.leaseMs, 1, checkId);
  if (!row) return false;
  await processCheck(deps, row);
  return true;
}

export interface WorkLoop {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function workLoop(opts: { db: pg.Pool; log: Logger; pollMs: number; channel: string; tick: () => Promise<void> }): WorkLoop {
  const { db, log, pollMs, channel, tick } = opts;
  let timer: NodeJS.Timeout | null = null;
  let listener: pg.PoolClient | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = true;

  const run = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) clearTimeout(timer);
    running = tick()
      .catch((e: Error) => log.error({ component: 'ai-check', err: e.message }, 'background work failed'))
      .finally(() => {
        running = null;
        if (stopped) return;
        if (again) {
          again = false;
          setImmediate(run);
        } else timer = setTimeout(run, pollMs);
      });
  };

  return {
    async start() {
      stopped = false;
      listener = await db.connect();
      listener.on('notification', run);
      // A held connection has no pool to catch its errors: PostgreSQL stopping (Ctrl-C
      // reaches it with the service) would otherwise crash the process. Polling goes on.
      listener.on('error', (e) => {
        log.warn({ component: 'ai-check', err: e.message }, 'lost the connection that listens for checks; polling only');
        const lost = listener;
        listener = null;
        lost?.release(e);
      });
      await listener.query(`listen ${channel}`);
      run();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (listener) {
        listener.removeAllListeners('notification');
        await listener.query(`unlisten ${channel}`).catch(() => {});
        listener.release();
        listener = null;
      }
      await running;
    },
  };
}
