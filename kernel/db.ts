import pg from 'pg';

// bigint (int8) and numeric come back as strings by default; our money and counters fit
// in a JS number only when we say so, so keep strings and convert where the meaning is known.
/**
 * Bounded waits: a connection is given within `connectMs` or the request fails (503 where
 * the caller maps it), a statement runs at most `statementMs`, and a transaction left idle
 * (a caller waiting on something outside) is ended by PostgreSQL after `idleInTxMs`.
 */
export function createPool(url: string, max = 20, limits: { connectMs?: number; statementMs?: number; idleInTxMs?: number } = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url, max, idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: limits.connectMs ?? 10_000,
    statement_timeout: limits.statementMs ?? 120_000,
    idle_in_transaction_session_timeout: limits.idleInTxMs ?? 600_000,
  });
  // A client losing its connection (server restart) must not crash the process: idle ones
  // are the pool's 'error'; one checked out between two queries (a transaction waiting on its
  // next step) emits on itself. Its next query fails, and the pool drops it when released.
  pool.on('error', () => {});
  pool.on('connect', (client) => { client.on('error', () => {}); });
  return pool;
}

/**
 * Whether `e` says PostgreSQL cannot be reached or went away (refused, reset, shutting down,
 * a connection exception of class 08, a terminated connection), not that a statement was wrong.
 */
export function isDatabaseDown(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : '';
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03'].includes(code)) return true;
  if (code.startsWith('08')) return true;
  const message = typeof err?.message === 'string' ? err.message : '';
  return /Connection terminated|connection timeout|not queryable|timeout exceeded when trying to connect/i.test(message);
}

export async function inTransaction<T>(pool: pg.Pool, fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const tx = await pool.connect();
  try {
    await tx.query('begin');
    const result = await fn(tx);
    await tx.query('commit');
    return result;
  } catch (e) {
    await tx.query('rollback').catch(() => {});
    throw e;
  } finally {
    tx.release();
  }
}
