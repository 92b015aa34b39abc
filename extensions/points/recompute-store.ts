import type { Pool, PoolClient } from 'pg';
import { LOCK_PERSON, LOCK_RULES } from './ledger.ts';

/**
 * SQL of recomputation jobs (points_recompute): scheduling, claiming, progress, and the
 * locks a chunk of people takes. The recomputing statement itself is settle-store.ts's.
 */

export interface RecomputeRequest {
  reason: string;
  kinds: string[] | null;
  fromDay: string | null;
  personIds?: string[] | null;
}

/**
 * Schedules a background recomputation. A job still pending is widened instead of adding
 * another: several rule edits in a row cost one pass.
 */
export async function scheduleRecompute(tx: PoolClient, req: RecomputeRequest): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(`
    with pending as (
      select id from points_recompute where status = 'pending' and person_ids is null and $4::uuid[] is null
      order by id limit 1 for update skip locked
    ), widened as (
      update points_recompute j set
        reason = left(j.reason || '; ' || $1, 2000),
        kinds = case when j.kinds is null or $2::text[] is null then null else array(select distinct unnest(j.kinds || $2::text[]) order by 1) end,
        from_day = case when j.from_day is null or $3::date is null then null else least(j.from_day, $3::date) end
      from pending where j.id = pending.id
      returning j.id
    ), added as (
      insert into points_recompute (reason, kinds, from_day, person_ids)
      select $1, $2, $3, $4 where not exists (select 1 from widened)
      returning id
    )
    select id::text from widened union all select id::text from added`, [req.reason, req.kinds, req.fromDay, req.personIds ?? null]);
  return rows[0]!.id;
}

export interface RecomputeJob {
  id: string;
  reason: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  kinds: string[] | null;
  fromDay: string | null;
  total: number | null;
  done: number;
  linesAdded: number;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
}

/** A job as its runner has it: with the people it is limited to (null: everyone). */
export type ClaimedJob = RecomputeJob & { personIds: string[] | null };

const JOB_COLUMNS = `id::text, reason, status, kinds, to_char(from_day, 'YYYY-MM-DD') as from_day, person_ids, total, done, lines_added,
  requested_at, started_at, finished_at, error`;

interface JobRow {
  id: string; reason: string; status: RecomputeJob['status']; kinds: string[] | null; from_day: string | null; person_ids: string[] | null;
  total: number | null; done: number; lines_added: number; requested_at: Date; started_at: Date | null; finished_at: Date | null; error: string | null;
}

const jobFromRow = (r: JobRow): RecomputeJob => ({
  id: r.id, reason: r.reason, status: r.status, kinds: r.kinds, fromDay: r.from_day, total: r.total, done: r.done, linesAdded: r.lines_added,
  requestedAt: r.requested_at, startedAt: r.started_at, finishedAt: r.finished_at, error: r.error,
});

export async function recomputeJob(db: Pool | PoolClient, id: string): Promise<RecomputeJob | undefined> {
  const { rows } = await db.query<JobRow>(`select ${JOB_COLUMNS} from points_recompute where id = $1`, [id]);
  return rows[0] ? jobFromRow(rows[0]) : undefined;
}

/** Claims the next pending job, or one whose heartbeat is older than `staleSeconds`; undefined when there is none. */
export async function claimJob(db: Pool, staleSeconds: number): Promise<ClaimedJob | undefined> {
  const { rows } = await db.query<JobRow>(`
    update points_recompute j set status = 'running', started_at = now(), heartbeat_at = now(), done = 0, total = null, error = null
    from (
      select id from points_recompute
      where status = 'pending' or (status = 'running' and heartbeat_at < now() - make_interval(secs => $1))
      order by id limit 1 for update skip locked
    ) c where j.id = c.id
    returning ${JOB_COLUMNS.replace('id::text', 'j.id::text')}`, [staleSeconds]);
  const row = rows[0];
  return row ? { ...jobFromRow(row), personIds: row.person_ids } : undefined;
}

/** The people a job touches, in order, recorded as its total. */
export async function peopleOfJob(db: Pool, job: ClaimedJob): Promise<string[]> {
  const { rows } = await db.query<{ person_id: string }>(`
    select distinct person_id::text from points_event
    where ($1::uuid[] is null or person_id = any($1)) and ($2::text[] is null or kind = any($2)) and ($3::date is null or day >= $3::date)
    order by 1`, [job.personIds, job.kinds, job.fromDay]);
  const people = rows.map((r) => r.person_id);
  await db.query('update points_recompute set total = $2, heartbeat_at = now() where id = $1', [job.id, people.length]);
  return people;
}

export async function finishJob(db: Pool, id: string): Promise<void> {
  await db.query(`update points_recompute set status = 'done', finished_at = now() where id = $1`, [id]);
}

export async function failJob(db: Pool, id: string, message: string): Promise<void> {
  await db.query(`update points_recompute set status = 'failed', finished_at = now(), error = $2 where id = $1`, [id, message.slice(0, 2000)]);
}

/**
 * Opens a chunk's transaction: room for its sorts, the rules lock shared, and the locks of
 * its people (`wait`: waiting for each; otherwise only those free now). Returns the people
 * locked and the people busy, in the order given.
 */
export async function lockChunk(tx: PoolClient, people: string[], wait: boolean): Promise<{ locked: string[]; busy: string[] }> {
  // Sorts and hashes of a chunk (about 100 events a person) stay in memory instead of spilling.
  await tx.query(`set local work_mem = '128MB'`);
  await tx.query(`select pg_advisory_xact_lock_shared(${LOCK_RULES}, 0)`);
  const { rows } = await tx.query<{ p: string; ok: boolean }>(wait
    ? `select p, pg_advisory_xact_lock(${LOCK_PERSON}, hashtext(p::uuid::text))::text = '' as ok from unnest($1::text[]) with ordinality as t(p, n) order by n`
    : `select p, pg_try_advisory_xact_lock(${LOCK_PERSON}, hashtext(p::uuid::text)) as ok from unnest($1::text[]) with ordinality as t(p, n) order by n`,
  [people]);
  return { locked: rows.filter((r) => r.ok).map((r) => r.p), busy: rows.filter((r) => !r.ok).map((r) => r.p) };
}

export async function recordChunkDone(tx: PoolClient, id: string, people: number, lines: number): Promise<void> {
  await tx.query(`update points_recompute set done = done + $2, lines_added = lines_added + $3, heartbeat_at = now() where id = $1`,
    [id, people, lines]);
}
