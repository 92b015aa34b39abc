import { processCheck, type CheckDeps } from './check-answer.ts';
import { claimDueChecks } from './checks-store.ts';

/**
 * The capability's background work, queued in PostgreSQL (ai_check, ai_outbox) rather than
 * in Redis so that queuing commits with the event that caused it. The kernel's loop
 * (started in index.ts) drains what is due every `pollMs`, and at once when a transaction
 * that queued a check commits (LISTEN ai_check; enqueueCheck sends the NOTIFY).
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
