import type pg from 'pg';
import { inTransaction } from '../../kernel/db.ts';
import { conflict, notFound } from '../../kernel/errors.ts';

/**
 * Work that failed every attempt, visible to staff and replayable: a check the provider
 * never answered ('check'), a write-back NocoDB refused ('writeback'), a notification ('outbox').
 */
type Queryable = pg.Pool | pg.PoolClient;
export type DeadLetterKind = 'check' | 'writeback' | 'outbox';

export interface DeadLetter {
  id: string;
  kind: DeadLetterKind;
  refId: string;
  error: string;
  attempts: number;
  createdAt: Date;
  replayedAt: Date | null;
}

export async function recordDeadLetter(q: Queryable, kind: DeadLetterKind, refId: string, error: string, attempts: number, now: Date): Promise<void> {
  await q.query(`insert into ai_dead_letter (kind, ref_id, error, attempts, created_at) values ($1, $2, $3, $4, $5)
    on conflict (kind, ref_id) where replayed_at is null do update set error = excluded.error, attempts = excluded.attempts`,
  [kind, refId, error.slice(0, 2000), attempts, now]);
}

export async function listDeadLetters(db: Queryable, opts: { open?: boolean; limit?: number } = {}): Promise<DeadLetter[]> {
  const { rows } = await db.query<DeadLetter>(`select id::text, kind, ref_id::text as "refId", error, attempts,
      created_at as "createdAt", replayed_at as "replayedAt"
    from ai_dead_letter where ($1::boolean is null or (replayed_at is null) = $1) order by id desc limit $2`,
  [opts.open ?? null, opts.limit ?? 100]);
  return rows;
}

/** Puts the failed work back in its queue, with fresh attempts. */
export async function replayDeadLetter(db: pg.Pool, id: string, by: string, now: Date): Promise<DeadLetter> {
  if (!/^\d+$/.test(id)) throw notFound('DEAD_LETTER_NOT_FOUND', `no dead letter ${id}`);
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<DeadLetter>(`select id::text, kind, ref_id::text as "refId", error, attempts,
        created_at as "createdAt", replayed_at as "replayedAt" from ai_dead_letter where id = $1 for update`, [id]);
    const letter = rows[0];
    if (!letter) throw notFound('DEAD_LETTER_NOT_FOUND', `no dead letter ${id}`);
    if (letter.replayedAt) throw conflict('DEAD_LETTER_REPLAYED', `dead letter ${id} was replayed already`);
    if (letter.kind === 'outbox') {
      await tx.query(`update ai_outbox set status = 'pending', attempts = 0, next_attempt_at = $2, lease_until = null where id = $1`, [letter.refId, now]);
    } else if (letter.kind === 'writeback') {
      await tx.query('update ai_check set attempts = 0, next_attempt_at = $2, lease_until = null, written_back_at = null where id = $1', [letter.refId, now]);
    } else {
      // A check that never got an AI verdict goes back to the AI, unless a mentor has decided already.
      const decided = await tx.query(`select 1 from ai_review where check_id = $1 and status in ('accepted', 'edited')`, [letter.refId]);
      if (decided.rowCount) throw conflict('REVIEW_ALREADY_DECIDED', 'a mentor has decided on this answer; nothing to replay');
      await tx.query(`update ai_review set status = 'cancelled' where check_id = $1 and status = 'pending'`, [letter.refId]);
      await tx.query(`update ai_check set status = 'queued', reason = null, reason_params = null, attempts = 0, next_attempt_at = $2,
        lease_until = null, written_back_at = null where id = $1`, [letter.refId, now]);
    }
    await tx.query('update ai_dead_letter set replayed_at = $2, replayed_by = $3 where id = $1', [id, now, by]);
    return { ...letter, replayedAt: now };
  });
}
