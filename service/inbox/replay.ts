import type pg from 'pg';
import { z } from 'zod';

/** Which dead jobs to give another chance: all of a consumer's, or some events'. */
export const replayRequest = z.object({
  consumer: z.string().min(1).max(100).optional(),
  eventIds: z.array(z.coerce.number().int().positive()).max(10_000).optional(),
}).refine((r) => r.consumer || r.eventIds?.length, 'name a consumer or event ids');

/** Puts dead inbox jobs back to pending with fresh attempts; the dispatcher takes them again. */
export async function replayDeadJobs(db: pg.Pool, request: z.infer<typeof replayRequest>): Promise<number> {
  const { rowCount } = await db.query(`update inbox_job set status = 'pending', attempts = 0, next_attempt_at = now(),
      enqueued_at = null, last_error = null
    where status = 'dead' and ($1::text is null or consumer = $1) and ($2::bigint[] is null or event_id = any($2::bigint[]))`,
  [request.consumer ?? null, request.eventIds ?? null]);
  return rowCount ?? 0;
}
