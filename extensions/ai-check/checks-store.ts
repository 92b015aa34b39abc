import type pg from 'pg';
import { normalizeText, sha256 } from './indexer/chunks.ts';
import type { ReasonParams, WaitReason } from './messages.ts';
import type { Verdict } from './verdict.ts';

/** SQL of ai_check (schemas/migrations/0301_ai_checks.sql): the checks and their work queue. */
type Queryable = pg.Pool | pg.PoolClient;

export type CheckStatus = 'queued' | 'checked' | 'waiting_mentor' | 'reviewed';
export type CheckSource = 'event' | 'api' | 'mcp';

export interface CheckRow {
  id: string;
  answer_id: string;
  answer_table_id: string | null;
  student_id: string;
  exercise_id: string;
  exercise_title: string | null;
  max_score: number | null;
  answer_text: string;
  answer_hash: string;
  source: CheckSource;
  status: CheckStatus;
  reason: WaitReason | null;
  reason_params: ReasonParams | null;
  ai_verdict: Verdict | null;
  final_verdict: Verdict | null;
  guide_slug: string | null;
  guide_title: string | null;
  workbook_id: string | null;
  confidence: number | null;
  guide_version_id: string | null;
  used_chunks: string[];
  model: string | null;
  model_calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_micros: number;
  currency: string;
  cached_from: string | null;
  quota_charged_at: Date | null;
  attempts: number;
  last_error: string | null;
  written_back_at: Date | null;
  created_at: Date;
}

const COLUMNS = `id::text, answer_id, answer_table_id, student_id, exercise_id, exercise_title, max_score::float8 as max_score,
  answer_text, answer_hash, source, status, reason, reason_params, ai_verdict, final_verdict, guide_slug,
  guide_title, workbook_id, confidence::float8 as confidence, guide_version_id::text, used_chunks, model, model_calls, prompt_tokens, completion_tokens, cost_micros::float8 as cost_micros,
  currency, cached_from::text, quota_charged_at, attempts, last_error, written_back_at, created_at`;

/** Answers equal up to whitespace are the same answer (for de-duplication and the cache). */
export const answerHash = (text: string) => sha256(normalizeText(text));

export interface NewCheck {
  answerId: string;
  tableId: string | null;
  studentId: string;
  exerciseId: string;
  text: string;
  source: CheckSource;
}

/**
 * Queues a check of an answer text, once per (answer, text). Submitting the same text
 * again queues nothing new, but writes the existing result back to the answer again.
 * The NOTIFY is delivered on commit, waking the runner.
 */
export async function enqueueCheck(q: Queryable, c: NewCheck, now: Date): Promise<{ id: string; created: boolean }> {
  const hash = answerHash(c.text);
  const { rows } = await q.query<{ id: string }>(`insert into ai_check
      (answer_id, answer_table_id, student_id, exercise_id, answer_text, answer_hash, source, next_attempt_at, created_at, updated_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)
    on conflict (answer_id, answer_hash) do nothing returning id::text`,
  [c.answerId, c.tableId, c.studentId, c.exerciseId, c.text, hash, c.source, now]);
  let id = rows[0]?.id;
  const created = id !== undefined;
  if (!id) {
    const existing = await q.query<{ id: string }>(`update ai_check set written_back_at = null, next_attempt_at = least(next_attempt_at, $3)
      where answer_id = $1 and answer_hash = $2 returning id::text`, [c.answerId, hash, now]);
    id = existing.rows[0]!.id;
  }
  await q.query(`select pg_notify('ai_check', $1)`, [id]);
  return { id, created };
}

export async function getCheck(q: Queryable, id: string): Promise<CheckRow | null> {
  const { rows } = await q.query<CheckRow>(`select ${COLUMNS} from ai_check where id = $1`, [id]);
  return rows[0] ?? null;
}

export async function latestCheckOfAnswer(q: Queryable, answerId: string): Promise<CheckRow | null> {
  const { rows } = await q.query<CheckRow>(`select ${COLUMNS} from ai_check where answer_id = $1 order by id desc limit 1`, [answerId]);
  return rows[0] ?? null;
}

const DUE = `(status = 'queued' or written_back_at is null) and next_attempt_at <= $1 and (lease_until is null or lease_until < $1)`;

/** Leases due checks (a decision to make, or a result to write back); a crashed worker's lease expires. */
export async function claimDueChecks(q: Queryable, now: Date, leaseMs: number, limit: number, onlyId?: string): Promise<CheckRow[]> {
  const { rows } = await q.query<CheckRow>(`update ai_check set lease_until = $1::timestamptz + make_interval(secs => $2::float8 / 1000),
      attempts = attempts + 1, updated_at = $1
    where id in (select id from ai_check where ${DUE} and ($4::bigint is null or id = $4)
                 order by next_attempt_at, id limit $3 for update skip locked)
    returning ${COLUMNS}`, [now, leaseMs, limit, onlyId ?? null]);
  return rows;
}

/** Gives a leased check back, to be tried again at `nextAt` (infinity: only a replay brings it back). */
export async function rescheduleCheck(q: Queryable, id: string, error: string, nextAt: Date | 'infinity'): Promise<void> {
  await q.query(`update ai_check set lease_until = null, last_error = $2, next_attempt_at = $3::timestamptz, updated_at = now()
    where id = $1`, [id, error.slice(0, 2000), nextAt === 'infinity' ? 'infinity' : nextAt]);
}

export interface DecisionRecord {
  status: 'checked' | 'waiting_mentor';
  reason: WaitReason | null;
  reasonParams: ReasonParams | null;
  aiVerdict: Verdict | null;
  finalVerdict: Verdict | null;
  exerciseTitle: string | null;
  maxScore: number | null;
  guideSlug: string | null;
  guideTitle: string | null;
  workbookId: string | null;
  guideVersionId: string | null;
  usedChunks: string[];
  model: string | null;
  cachedFrom: string | null;
}

export async function recordDecision(tx: Queryable, id: string, d: DecisionRecord, now: Date): Promise<void> {
  await tx.query(`update ai_check set status = $2, reason = $3, reason_params = $4, ai_verdict = $5, final_verdict = $6,
      exercise_title = $7, max_score = $8, guide_slug = $9, guide_version_id = $10, used_chunks = $11, model = $12,
      cached_from = $13, attempts = 0, last_error = null, next_attempt_at = $14, written_back_at = null,
      updated_at = $14, guide_title = $15, workbook_id = $16, confidence = $17
    where id = $1 and status = 'queued'`,
  [id, d.status, d.reason, d.reasonParams ? JSON.stringify(d.reasonParams) : null, d.aiVerdict, d.finalVerdict,
    d.exerciseTitle, d.maxScore, d.guideSlug, d.guideVersionId, d.usedChunks, d.model, d.cachedFrom, now,
    d.guideTitle, d.workbookId, d.aiVerdict?.confidence ?? null]);
}

/** Spending is recorded as soon as a call returns, even if the decision comes later. */
/** `calls`: model calls this adds (1 by default; 0 for a query embedding or an attempt that was retried). */
export async function addSpend(q: Queryable, id: string, s: { promptTokens: number; completionTokens: number; costMicros: number; currency: string; calls?: number }): Promise<void> {
  await q.query(`update ai_check set model_calls = model_calls + $6, prompt_tokens = prompt_tokens + $2,
      completion_tokens = completion_tokens + $3, cost_micros = cost_micros + $4, currency = $5 where id = $1`,
  [id, s.promptTokens, s.completionTokens, s.costMicros, s.currency, s.calls ?? 1]);
}

export async function markQuotaCharged(tx: Queryable, id: string, now: Date): Promise<void> {
  await tx.query('update ai_check set quota_charged_at = $2 where id = $1', [id, now]);
}

/** The write-back counts only if the check is still in the state that was written. */
export async function markWrittenBack(q: Queryable, id: string, writtenStatus: CheckStatus, now: Date): Promise<boolean> {
  const { rowCount } = await q.query(`update ai_check set written_back_at = $3, lease_until = null, attempts = 0, last_error = null, updated_at = $3
    where id = $1 and status = $2`, [id, writtenStatus, now]);
  if (!rowCount) await q.query('update ai_check set lease_until = null where id = $1', [id]);
  return (rowCount ?? 0) > 0;
}

/**
 * A verdict given before to the same student's same text for the same exercise and guide
 * version: a mentor's first. Only the student's own: another student's copied answer is
 * checked afresh (and its copy noticed: copiedFrom), never handed the original's verdict.
 */
export async function findCachedVerdict(q: Queryable, exerciseId: string, hash: string, guideVersionId: string, exceptId: string, studentId: string): Promise<{ id: string; verdict: Verdict; usedChunks: string[] } | null> {
  const { rows } = await q.query<{ id: string; verdict: Verdict; used_chunks: string[] }>(`
    select id::text, coalesce(case when status = 'reviewed' then final_verdict end, ai_verdict) as verdict, used_chunks
    from ai_check
    where exercise_id = $1 and answer_hash = $2 and guide_version_id = $3 and id <> $4 and student_id = $5
      and (ai_verdict is not null or (status = 'reviewed' and final_verdict is not null))
    order by (status = 'reviewed') desc, id desc limit 1`, [exerciseId, hash, guideVersionId, exceptId, studentId]);
  const row = rows[0];
  return row ? { id: row.id, verdict: row.verdict, usedChunks: row.used_chunks } : null;
}

/** Another student's earlier answer to the same exercise with the same text (equal up to whitespace): a possible copy. */
export async function copiedFrom(q: Queryable, check: Pick<CheckRow, 'id' | 'exercise_id' | 'answer_hash' | 'student_id'>): Promise<string | null> {
  const { rows } = await q.query<{ student_id: string }>(`select student_id from ai_check
    where exercise_id = $1 and answer_hash = $2 and student_id <> $3 and id < $4 order by id limit 1`,
  [check.exercise_id, check.answer_hash, check.student_id, check.id]);
  return rows[0]?.student_id ?? null;
}

/** Answers to the same exercise that a mentor accepted or corrected: graded examples for the prompt. */
export async function mentorGradedExamples(q: Queryable, exerciseId: string, limit: number, exceptHash: string): Promise<{ answer: string; verdict: Verdict }[]> {
  const { rows } = await q.query<{ answer: string; verdict: Verdict }>(`
    select answer, verdict from (
      select distinct on (c.answer_hash) c.answer_text as answer, r.final_verdict as verdict, r.decided_at
      from ai_review r join ai_check c on c.id = r.check_id
      where c.exercise_id = $1 and r.status in ('accepted', 'edited') and c.answer_hash <> $3
      order by c.answer_hash, r.decided_at desc
    ) latest order by decided_at desc limit $2`, [exerciseId, limit, exceptHash]);
  return rows;
}

export async function currentGuideVersion(q: Queryable, slug: string): Promise<{ versionId: string; language: 'ru' | 'en' } | null> {
  const { rows } = await q.query<{ versionId: string; language: 'ru' | 'en' }>(`select current_version_id::text as "versionId", language
    from ai_guide where slug = $1 and current_version_id is not null`, [slug]);
  return rows[0] ?? null;
}
