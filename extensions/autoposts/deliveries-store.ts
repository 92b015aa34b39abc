import type pg from 'pg';

/**
 * SQL for autopost_delivery, one row per post and chat (its idempotency key). A row is
 * marked `sending` (committed) before its request leaves for Telegram and `sent` with the
 * message id after; a row found still `sending` once its lease is over was handed to
 * Telegram by a process that died before the answer was recorded: it becomes `unknown` and
 * is never sent again (at most once, see index.ts).
 */
type Db = pg.Pool | pg.PoolClient;

export interface DueDelivery { id: string; postId: number; chat: string; body: string; attempts: number }

export async function abandonSending(db: Db, now: Date): Promise<number> {
  const { rowCount } = await db.query(`update autopost_delivery set status = 'unknown', lease_until = null,
      error = 'the service stopped while this was being sent; it may have arrived, so it is not sent again'
    where status = 'sending' and lease_until < $1`, [now]);
  return rowCount ?? 0;
}

/** What was handed to Telegram since `since`, oldest first: the limiter's memory. */
export async function recentSends(db: Db, since: Date): Promise<{ chat: string; at: Date }[]> {
  const { rows } = await db.query<{ chat: string; at: Date }>(`select chat, attempted_at as at from autopost_delivery
    where attempted_at > $1 order by attempted_at`, [since]);
  return rows;
}

export async function dueDeliveries(db: Db, now: Date, limit: number): Promise<DueDelivery[]> {
  const { rows } = await db.query(`select id, post_id, chat, body, attempts from autopost_delivery
    where status = 'pending' and next_attempt_at <= $1 order by next_attempt_at, id limit $2`, [now, limit]);
  return rows.map((r) => ({ id: String(r.id), postId: r.post_id, chat: r.chat, body: r.body, attempts: r.attempts }));
}

/** Takes a pending row for one request; false when it is no longer pending (cancelled meanwhile). */
export async function claim(db: Db, id: string, now: Date, leaseMs: number): Promise<boolean> {
  const { rowCount } = await db.query(`update autopost_delivery set status = 'sending', attempts = attempts + 1,
      attempted_at = $2, lease_until = $3 where id = $1 and status = 'pending'`, [id, now, new Date(now.getTime() + leaseMs)]);
  return rowCount === 1;
}

export async function markSent(db: Db, id: string, messageId: number | null, now: Date): Promise<void> {
  await db.query(`update autopost_delivery set status = 'sent', message_id = $2, sent_at = $3, lease_until = null, error = null
    where id = $1`, [id, messageId, now]);
}

export async function markFinal(db: Db, id: string, status: 'failed' | 'unknown', error: string): Promise<void> {
  await db.query(`update autopost_delivery set status = $2, error = $3, lease_until = null where id = $1`, [id, status, error]);
}

/** Back to pending until `at`; a wait Telegram asked for (429) is not a failed attempt. */
export async function retryAt(db: Db, id: string, at: Date, error: string, failedAttempt: boolean): Promise<void> {
  await db.query(`update autopost_delivery set status = 'pending', next_attempt_at = $2, error = $3, lease_until = null,
      attempts = attempts - case when $4 then 0 else 1 end where id = $1`, [id, at, error, failedAttempt]);
}

/** Nothing more to this chat before `at` (its window is full, or Telegram said wait). */
export async function deferChat(db: Db, chat: string, at: Date): Promise<void> {
  await db.query(`update autopost_delivery set next_attempt_at = greatest(next_attempt_at, $2)
    where chat = $1 and status = 'pending'`, [chat, at]);
}
