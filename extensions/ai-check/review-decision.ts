import type pg from 'pg';
import { inTransaction } from '../../kernel/db.ts';
import { badRequest, conflict, notFound } from '../../kernel/errors.ts';
import type { ReviewDecision } from '../../schemas/events/ai-check.ts';
import { getCheck, latestCheckOfAnswer } from './checks-store.ts';
import type { Clock } from '../../kernel/clock.ts';
import { STAFF_FEEDBACK, verdictNotice } from './messages.ts';
import { notifyPerson } from './outbox.ts';
import type { People } from './people.ts';
import { getReview, recordReviewDecision, reviewOfCheck, type ReviewRow } from './reviews-store.ts';
import type { Verdict } from './verdict.ts';
import { answerRef } from './check-answer.ts';
import type { AiCheckSettings } from './settings.ts';

/**
 * A mentor accepts the AI verdict as it is or replaces it. The decision, the check's final
 * verdict and the student's notification commit together; the write-back follows from the
 * runner. Sending the same decision twice is harmless; a different one is a conflict.
 */
export interface DecisionDeps {
  db: pg.Pool;
  clock: Clock;
  people: People;
  settings: Pick<AiCheckSettings, 'publicUrl'>;
}

const same = (a: Verdict | null, b: Verdict) =>
  !!a && a.verdict === b.verdict && a.score === b.score && a.feedback === b.feedback;

export async function decideReview(deps: DecisionDeps, reviewId: string,
  decision: ReviewDecision, reviewerId: string): Promise<ReviewRow> {
  const { db, clock, people, settings } = deps;
  const review = await getReview(db, reviewId);
  if (!review) throw notFound('REVIEW_NOT_FOUND', `no review ${reviewId}`);
  const check = await getCheck(db, review.checkId);
  if (!check) throw notFound('CHECK_NOT_FOUND', `no check ${review.checkId}`);
  const student = await people.person(check.student_id);

  return inTransaction(db, async (tx) => {
    const locked = (await getReview(tx, reviewId, true))!;
    if (locked.status === 'cancelled') throw conflict('REVIEW_CANCELLED', 'this review was cancelled (the answer went back to the AI check)');
    let final: Verdict;
    if (decision.action === 'accept') {
      if (!locked.aiVerdict) throw conflict('NOTHING_TO_ACCEPT', 'there is no AI verdict to accept: give a verdict with action "edit"');
      final = { ...locked.aiVerdict, by: 'mentor' };
    } else {
      const maxScore = check.max_score ?? decision.score;
      if (decision.score > maxScore) throw badRequest('SCORE_OUT_OF_RANGE', `score must be between 0 and ${maxScore}`);
      final = { verdict: decision.verdict, score: decision.score, maxScore, feedback: decision.feedback, by: 'mentor' };
    }
    const status = decision.action === 'accept' ? 'accepted' : 'edited';
    if (locked.status !== 'pending') {
      if (locked.status === status && same(locked.finalVerdict, final)) return locked;
      throw conflict('REVIEW_ALREADY_DECIDED', `review ${reviewId} was already ${locked.status}`);
    }
    const now = clock();
    await recordReviewDecision(tx, { id: reviewId, checkId: check.id, status, final, reviewerId, now });
    if (student) {
      await notifyPerson(tx, student, `review:${reviewId}:verdict`, verdictNotice(student.language, answerRef(settings.publicUrl, check), final), now);
    }
    return { ...locked, status, finalVerdict: final, reviewerId, decidedAt: now };
  });
}

/**
 * A decision staff made in NocoDB's Answers grid (Status set to checked or returned while the
 * answer waited for its mentor) is the review's decision: the review closes, the student is
 * told, the check says so. Who made it is recorded as NocoDB names them (nc_updated_by) when
 * the row carries it. Our own write-backs never count: by then the check is no longer waiting.
 */
export async function decisionFromNocodb(deps: DecisionDeps, answerId: string,
  row: { Status?: unknown; MentorScore?: unknown; MentorVerdict?: unknown; nc_updated_by?: unknown }): Promise<ReviewRow | null> {
  if (row.Status !== 'checked' && row.Status !== 'returned') return null;
  const check = await latestCheckOfAnswer(deps.db, answerId);
  if (!check || check.status !== 'waiting_mentor') return null;
  const review = await reviewOfCheck(deps.db, check.id);
  if (!review || review.status !== 'pending') return null;
  const max = check.max_score ?? 0;
  const typed = Number(row.MentorScore);
  const score = Number.isFinite(typed) && row.MentorScore !== null && row.MentorScore !== '' ? Math.min(Math.max(typed, 0), max || typed) : row.Status === 'checked' ? max : 0;
  const feedback = typeof row.MentorVerdict === 'string' && row.MentorVerdict.trim() && !row.MentorVerdict.trim().startsWith('{')
    ? row.MentorVerdict.trim().slice(0, 4000) : STAFF_FEEDBACK;
  const reviewer = typeof row.nc_updated_by === 'string' && row.nc_updated_by ? `nocodb:${row.nc_updated_by}` : 'nocodb';
  return decideReview(deps, review.id, { action: 'edit', verdict: row.Status === 'checked' ? 'accepted' : 'needs_work', score, feedback }, reviewer);
}
