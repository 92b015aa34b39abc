import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { inTransaction } from '../../kernel/db.ts';
import { startLoop, type Loop } from '../../kernel/loop.ts';
import {
  claimJob, failJob, finishJob, lockChunk, peopleOfJob, recomputeJob, recordChunkDone, type ClaimedJob, type RecomputeJob,
} from './recompute-store.ts';
import { recomputeScope } from './settle-store.ts';

/**
 * Recomputation jobs: a rule change (rule-mirror.ts) schedules one; this runs them in the
 * background, a chunk of people per transaction, with settle-store.ts's statement. Their
 * table's SQL is recompute-store.ts's.
 */

// What callers of recomputation import from here (rule-mirror.ts, routes.ts, registration.ts, scripts/bench).

export interface RunnerDeps {
  db: Pool;
  log: Logger;
  clock: () => Date;
  /**
   * People per transaction (default 2000): progress is reported per chunk and each chunk
   * holds one advisory lock per person. A person's events are spread over the whole
   * table, so every chunk reads most of it: fewer, larger chunks are faster.
   */
  chunkSize?: number;
  /** Chunks run at once, each on its own connection. */
  parallel?: number;
  /** A running job whose heartbeat is older than this is taken over (its runner died). */
  staleSeconds?: number;
}

/** Runs pending jobs until there are none; returns how many ran. */
export async function runPendingRecomputes(deps: RunnerDeps): Promise<number> {
  const claim = () => claimJob(deps.db, deps.staleSeconds ?? 300);
  let ran = 0;
  for (let job = await claim(); job; job = await claim()) {
    const done = await runJob(deps, job);
    deps.log.info({ component: 'points.recompute', job: done.id, status: done.status, people: done.total, lines: done.linesAdded }, 'recomputation finished');
    ran += 1;
  }
  return ran;
}

/** Looks for jobs every `intervalMs` (the first time after one interval); nudge() looks now. */
export function startRecomputeLoop(deps: RunnerDeps & { intervalMs: number }): Promise<Loop> {
  return startLoop({
    name: 'points.recompute', log: deps.log, intervalMs: deps.intervalMs, runAtStart: false,
    run: async () => { await runPendingRecomputes(deps); },
  });
}

/**
 * Runs one job: the people it touches are split in chunks; each chunk is one transaction
 * that takes its people's locks (without waiting: busy people go to a later chunk, so a
 * job does not deadlock with event counting), recomputes them and advances `done`.
 */
export async function runJob(deps: RunnerDeps, job: ClaimedJob): Promise<RecomputeJob> {
  const { db, log } = deps;
  const parallel = Math.max(1, deps.parallel ?? 2);
  try {
    const people = await peopleOfJob(db, job);
    // As many chunks as keep every connection busy to the end, none above chunkSize people.
    const chunks = parallel * Math.ceil(people.length / (parallel * (deps.chunkSize ?? 2000)));
    const size = Math.max(1, Math.ceil(people.length / Math.max(1, chunks)));
    const queue: { people: string[]; round: number }[] = [];
    for (let i = 0; i < people.length; i += size) queue.push({ people: people.slice(i, i + size), round: 0 });
    const worker = async () => {
      for (let chunk = queue.shift(); chunk; chunk = queue.shift()) {
        const busy = await runChunk(deps, job, chunk.people, chunk.round >= 20);
        if (busy.length) {
          await new Promise((r) => setTimeout(r, 50 * Math.min(chunk!.round + 1, 10)));
          queue.push({ people: busy, round: chunk.round + 1 });
        }
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    await finishJob(db, job.id);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    log.error({ component: 'points.recompute', job: job.id, err: message }, 'recomputation failed');
    await failJob(db, job.id, message);
  }
  return (await recomputeJob(db, job.id))!;
}

/** One chunk in one transaction; returns the people that were busy (not done). */
async function runChunk(deps: RunnerDeps, job: RecomputeJob, people: string[], wait: boolean): Promise<string[]> {
  return inTransaction(deps.db, async (tx) => {
    // Waiting for locks only after many rounds of trying: a chunk that waits could deadlock
    // with a batch of events holding one of its people while waiting for another.
    const { locked, busy } = await lockChunk(tx, people, wait);
    if (locked.length) {
      const added = await recomputeScope(tx, { personIds: locked, kinds: job.kinds, fromDay: job.fromDay }, deps.clock(), job.id);
      await recordChunkDone(tx, job.id, locked.length, added);
    }
    return busy;
  });
}
