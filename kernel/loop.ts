import type pg from 'pg';
import type { Logger } from 'pino';

/**
 * The one way background work runs: a round every `intervalMs`, at once when nudged or
 * when PostgreSQL NOTIFYs `listen.channel`, never two rounds at a time, and a failed round
 * logged and tried again later (never thrown: a loop cannot stop the service). A round that
 * returns true says there is more to do now, and the next one follows at once.
 *
 * What a round works on keeps its own lease and attempts in its table; `retryPlan` is the
 * one policy for what happens after a failure: try again after a backoff, or dead.
 */
export interface LoopOptions {
  name: string;
  log: Logger;
  intervalMs: number;
  run: () => Promise<boolean | void>;
  /** Wake up on NOTIFY: one held connection, LISTEN channel; polling goes on if it is lost. */
  listen?: { db: pg.Pool; channel: string };
  /** The first round at once (default), or after the first interval. */
  runAtStart?: boolean;
  /**
   * Work that must run once however many instances of the service run on one PostgreSQL
   * (the sweeps, reconciliation, forwarding to PostHog): a round runs only while this
   * instance holds the PostgreSQL advisory lock named by the loop's name, taken for the
   * round on a connection of its own (released when the round ends, or when the process
   * dies: PostgreSQL ends the session). Another instance skips that round.
   */
  exclusive?: pg.Pool;
}

/** Runs `work` while holding the session advisory lock `name`; null when another session holds it. */
export async function withExclusiveLock<T>(db: pg.Pool, name: string, work: () => Promise<T>): Promise<T | null> {
  const client = await db.connect();
  // The lock's connection may die while the round runs (PostgreSQL restarted): that must
  // not crash the process; the lock is gone with it, and the connection is thrown away.
  let lost: Error | undefined;
  const onError = (e: Error) => { lost = e; };
  client.on('error', onError);
  try {
    const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [`loop:${name}`]);
    if (!rows[0]?.ok) return null;
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [`loop:${name}`]).catch((e: Error) => { lost ??= e; });
    }
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}

export interface Loop {
  /** Run a round as soon as the current one (if any) is done. */
  nudge(): void;
  /** Waits for the round in flight; no round starts afterwards. */
  stop(): Promise<void>;
}

export async function startLoop(opts: LoopOptions): Promise<Loop> {
  const { log, name } = opts;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let listener: pg.PoolClient | undefined;
  // Once stopped, the connection goes back to the pool: its errors are the pool's again.
  let onStop = () => {};

  const schedule = (ms: number) => {
    if (timer) clearTimeout(timer);
    timer = stopped ? undefined : setTimeout(round, ms);
  };
  function round(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    const run = opts.exclusive
      ? async () => {
        const r = await withExclusiveLock(opts.exclusive!, name, opts.run);
        if (r === null) log.debug({ loop: name }, 'another instance runs this round');
        return r ?? undefined;
      }
      : opts.run;
    running = Promise.resolve()
      .then(run)
      .then((more) => { if (more === true) again = true; })
      .catch((e: unknown) => log.error({ loop: name, err: e instanceof Error ? e.message : String(e) }, 'background round failed; trying again later'))
      .finally(() => {
        running = undefined;
        schedule(again ? 0 : opts.intervalMs);
        again = false;
      });
  }

  if (opts.listen) {
    const { db, channel } = opts.listen;
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
    listener = await db.connect();
    listener.on('notification', () => round());
    // A held connection has no pool to catch its errors: PostgreSQL stopping must not crash
    // the process. Polling goes on without it.
    const held = listener;
    const lostIt = (e: Error) => {
      held.removeListener('error', lostIt);
      log.warn({ loop: name, err: e.message }, 'lost the connection that listens for work; polling only');
      if (listener === held) listener = undefined;
      held.release(e);
    };
    listener.on('error', lostIt);
    onStop = () => held.removeListener('error', lostIt);
    await listener.query(`listen ${channel}`);
  }
  if (opts.runAtStart === false) schedule(opts.intervalMs);
  else round();

  return {
    nudge() {
      if (running) again = true;
      else schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const l = listener;
      listener = undefined;
      if (l) {
        l.removeAllListeners('notification');
        await l.query(`unlisten ${opts.listen!.channel}`).catch(() => {});
        onStop();
        l.release();
      }
      await running;
    },
  };
}

/** After a failed attempt: when to try again (exponential backoff), or dead after the last. */
export function retryPlan(attempts: number, opts: { maxAttempts: number; backoffMs: number; maxBackoffMs?: number; now: Date }): { dead: true } | { dead: false; at: Date } {
  if (attempts >= opts.maxAttempts) return { dead: true };
  const delay = Math.min(opts.backoffMs * 2 ** Math.max(0, attempts - 1), opts.maxBackoffMs ?? 60 * 60_000);
  return { dead: false, at: new Date(opts.now.getTime() + delay) };
}
