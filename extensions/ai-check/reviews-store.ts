import type pg from 'pg';
import { notFound } from '../../kernel/errors.ts';
import type { Verdict } from './verdict.ts';
import type { ReviewKind, WaitReason } from './messages.ts';

/** SQL of ai_review: the mentors' queue. */
type Queryable = pg.Pool | pg.PoolClient;

export type ReviewStatus = 'pending' | 'accepted' | 'edited' | 'cancelled';
export type { ReviewKind };

export interface ReviewRow {
  id: string;
  checkId: string;
  groupId: string;
  status: ReviewStatus;
  /** review: waits before the student sees a verdict; audit: a released verdict looked at again; dispute: the student disputes it. */
  kind: ReviewKind;
  /** Why it is here: low_confidence, sampled, possible_copy, feedback_quotes_reference; the student's words, for a dispute. */
  note: string | null;
  aiVerdict: Verdict | null;
  finalVerdict: Verdict | null;
  reviewerId: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}

export interface PendingReview extends ReviewRow {
  answerId: string;
  studentId: string;
  exerciseId: string;
  exerciseTitle: string | null;
  answerText: string;
  reason: WaitReason | null;
  maxScore: number | null;
  guideTitle: string | null;
  confidence: number | null;
}

const COLUMNS = `r.id::text, r.check_id::text as "checkId", r.group_id as "groupId", r.status, r.kind, r.note, r.ai_verdict as "aiVerdict",
  r.final_verdict as "finalVerdict", r.reviewer_id as "reviewerId", r.decided_at as "decidedAt", r.created_at as "createdAt"`;

export async function openReview(tx: Queryable, checkId: string, groupId: string, aiVerdict: Verdict | null, now: Date,
  kind: ReviewKind = 'review', note: string | null = null): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(`insert into ai_review (check_id, group_id, ai_verdict, created_at, kind, note)
    values ($1, $2, $3, $4, $5, $6) on conflict (check_id) where status = 'pending' do nothing returning id::text`,
  [checkId, groupId, aiVerdict, now, kind, note]);
  if (rows[0]) return rows[0].id;
  const existing = await tx.query<{ id: string }>(`select id::text from ai_review where check_id = $1 and status = 'pending'`, [checkId]);
  return existing.rows[0]!.id;
}

/**
 * A student's dispute of a decided check: a review in `groupId` with their words, unless one
 * is open for the check already or this objection was made before. Null when nothing opened.
 */
export async function openDispute(tx: Queryable, checkId: string, groupId: string, disputed: Verdict | null, reason: string, now: Date): Promise<string | null> {
  const { rows } = await tx.query<{ id: string }>(`insert into ai_review (check_id, group_id, ai_verdict, created_at, kind, note)
    values ($1, $2, $3, $4, 'dispute', $5) on conflict do nothing returning id::text`, [checkId, groupId, disputed, now, reason]);
  return rows[0]?.id ?? null;
}

export async function getReview(q: Queryable, id: string, forUpdate = false): Promise<ReviewRow | null> {
  if (!/^\d+$/.test(id)) return null;
  const { rows } = await q.query<ReviewRow>(`select ${COLUMNS} from ai_review r where r.id = $1 ${forUpdate ? 'for update' : ''}`, [id]);
  return rows[0] ?? null;
}

/** The Keto object a review belongs to (`Group:<group>`): what its guard asks `review` on. */
export async function reviewGroupObject(q: Queryable, id: string): Promise<string> {
  const review = await getReview(q, id);
  if (!review) throw notFound('REVIEW_NOT_FOUND', `no review ${id}`);
  return `Group:${review.groupId}`;
}

export async function reviewOfCheck(q: Queryable, checkId: string): Promise<ReviewRow | null> {
  // The open one if any, else the latest decided (a check may be reviewed again after a dispute).
  const { rows } = await q.query<ReviewRow>(`select ${COLUMNS} from ai_review r where r.check_id = $1 and r.status <> 'cancelled'
    order by (r.status = 'pending') desc, r.id desc limit 1`, [checkId]);
  return rows[0] ?? null;
}

/** The guide passages a check used, for the mentor to see the AI verdict's evidence. */
export async function evidenceOf(q: Queryable, checkId: string): Promise<{ heading: string; sectionPath: string; content: string }[]> {
  const { rows } = await q.query<{ heading: string; section_path: string; content: string }>(`select ch.heading, ch.section_path, ch.content
    from ai_check c cross join unnest(c.used_chunks) with ordinality as u(chunk_id, n) join ai_chunk ch on ch.id = u.chunk_id
    where c.id = $1 order by u.n`, [checkId]);
  return rows.map((r) => ({ heading: r.heading, sectionPath: r.section_path, content: r.content }));
}

export async function listPendingReviews(q: Queryable, groupId: string, limit = 50): Promise<PendingReview[]> {
  const { rows } = await q.query<PendingReview>(`select ${COLUMNS}, c.answer_id as "answerId", c.student_id as "studentId",
      c.exercise_id as "exerciseId", c.exercise_title as "exerciseTitle", c.answer_text as "answerText", c.reason,
      c.max_score::float8 as "maxScore", c.guide_title as "guideTitle", c.confidence::float8 as "confidence"
    from ai_review r join ai_check c on c.id = r.check_id
    where r.group_id = $1 and r.status = 'pending' order by r.created_at, r.id limit $2`, [groupId, limit]);
  return rows;
}

export async function recordReviewDecision(tx: Queryable, r: { id: string; checkId: string; status: 'accepted' | 'edited'; final: Verdict; reviewerId: string; now: Date }): Promise<void> {
  await tx.query(`update ai_review set status = $2, final_verdict = $3, reviewer_id = $4, decided_at = $5 where id = $1`,
    [r.id, r.status, r.final, r.reviewerId, r.now]);
  await tx.query(`update ai_check set status = 'reviewed', final_verdict = $2, written_back_at = null, attempts = 0,
      next_attempt_at = $3, updated_at = $3 where id = $1`, [r.checkId, r.final, r.now]);
}
