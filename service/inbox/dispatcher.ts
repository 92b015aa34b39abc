import type pg from 'pg';
import type { Logger } from 'pino';
import { withTimeout, type InboxQueue } from './queues.ts';

const CLAIM_SQL = `
update inbox_job j set enqueued_at = now()
from (
  select event_id from inbox_job
  where consumer = $1 and status = 'pending' and next_attempt_at <= now()
    and (enqueued_at is null or enqueued_at < now() - make_interval(secs => $2))
  order by event_id
  limit $3
  for update skip locked
) c
where j.event_id = c.event_id and j.consumer = $1
returning j.event_id::text as id`;

const RELEASE_SQL = `update inbox_job set enqueued_at = null where consumer = $1 and event_id = any($2::bigint[]) and status = 'pending'`;

export interface Dispatcher {
  /** Ask for a dispatch soon (coalesced): called after every accepted delivery. */
  nudge(): void;
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Moves pending inbox jobs into the consumers' bull queues, in batches. The inbox row is
 * the record: if Redis is down the rows simply stay pending and are dispatched when it
 * returns; a job lost with a killed worker is dispatched again once it is stale.
 */
export function createDispatcher(deps: {
  db: pg.Pool;
  queues: Map<string, InboxQueue>;
  log: Logger;
  staleSeconds: number;
  batchSize?: number;
  intervalMs?: number;
  nudgeDelayMs?: number;
  /** Jobs a consumer may have waiting for a worker before the dispatcher holds back (default 1). */
  maxWaiting?: number;
}): Dispatcher {
  const { db, queues, log, staleSeconds } = deps;
  const batchSize = deps.batchSize ?? 500;
  const maxWaiting = deps.maxWaiting ?? 1;
  let running: Promise<number> | undefined;
  let again = false;
  let redisDown = false;
  const unreachable = (e: unknown) => {
    if (!redisDown) log.warn({ component: 'dispatcher', err: (e as Error).message }, 'queue unreachable; deliveries stay in the inbox');
    redisDown = true;
  };

  async function dispatchConsumer(name: string, queue: InboxQueue): Promise<number> {
    let total = 0;
    // A job still waiting for a free worker: let deliveries gather in the inbox meanwhile, so
    // the next claim is one larger batch instead of many small ones (under load, batches
    // grow by themselves; when idle, a delivery still goes out within the nudge delay).
    try {
      if (await withTimeout(queue.getWaitingCount(), 2_000, `waiting jobs of ${name}`) >= maxWaiting) return 0;
    } catch (e) {
      unreachable(e);
      return 0;
    }
    for (;;) {
      const { rows } = await db.query<{ id: string }>(CLAIM_SQL, [name, staleSeconds, batchSize]);
      if (rows.length === 0) return total;
      const eventIds = rows.map((r) => r.id);
      try {
        await withTimeout(queue.add({ consumer: name, eventIds }), 2_000, `enqueue on ${name}`);
        if (redisDown) log.info({ component: 'dispatcher' }, 'queue reachable again, dispatching the backlog');
        redisDown = false;
      } catch (e) {
        await db.query(RELEASE_SQL, [name, eventIds]);
        unreachable(e);
        return total;
      }
      total += eventIds.length;
      if (rows.length < batchSize) return total;
    }
  }

  async function runOnce(): Promise<number> {
    let total = 0;
    for (const [name, queue] of queues) total += await dispatchConsumer(name, queue);
    return total;
  }

  function loop(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = runOnce()
      .catch((e) => {
        log.error({ component: 'dispatcher', err: e }, 'dispatch failed');
        return 0;
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          void loop();
        }
      });
    return running;
  }

  const timer = setInterval(() => void loop(), deps.intervalMs ?? 1_000);
  // Deliveries arrive in bursts: wait a moment after a nudge so one claim takes many.
  let nudged: NodeJS.Timeout | undefined;
  const nudge = () => {
    nudged ??= setTimeout(() => {
      nudged = undefined;
      void loop();
    }, deps.nudgeDelayMs ?? 20);
  };
  return {
    nudge,
    runOnce: loop,
    async stop() {
      clearInterval(timer);
      clearTimeout(nudged);
      await running;
    },
  };
}
