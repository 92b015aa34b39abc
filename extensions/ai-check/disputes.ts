import type pg from 'pg';
import type { Clock } from '../../kernel/clock.ts';
import { answerRef, reviewLink } from './check-answer.ts';
import { latestCheckOfAnswer } from './checks-store.ts';
import { reviewRequest } from './messages.ts';
import { notifyPerson } from './outbox.ts';
import type { People, Person } from './people.ts';
import { openDispute } from './reviews-store.ts';
import type { AiCheckSettings } from './settings.ts';

export interface DisputeDeps {
  clock: Clock;
  people: People;
  settings: Pick<AiCheckSettings, 'publicUrl' | 'staffReviewGroup'>;
}

/**
 * A student disputes a verdict (workbooks writes their words into the Answers row's
 * Dispute column; the row's webhook or the sweep brings it here): the decided check goes to
 * the staff reviewers' queue, whoever gave the verdict, with the student's words, and the
 * reviewers are told. Staff keep the verdict or give another there; the student is told as
 * for any review. The same words again open nothing; a verdict not given yet is not disputed.
 */
export async function disputeFromNocodb(deps: DisputeDeps, tx: pg.PoolClient, answerId: string, row: { Dispute?: unknown }): Promise<string | null> {
  const reason = typeof row.Dispute === 'string' ? row.Dispute.trim().slice(0, 2000) : '';
  if (!reason) return null;
  const check = await latestCheckOfAnswer(tx, answerId);
  if (!check || (check.status !== 'checked' && check.status !== 'reviewed')) return null;
  const group = deps.settings.staffReviewGroup;
  const now = deps.clock();
  const reviewId = await openDispute(tx, check.id, group, check.final_verdict, reason, now);
  if (!reviewId) return null;
  const [student, reviewers] = await Promise.all([deps.people.person(check.student_id), deps.people.mentorsOf(group)]);
  const request = { ...answerRef(deps.settings.publicUrl, check), link: reviewLink(deps.settings.publicUrl, reviewId), student: student?.name ?? check.student_id };
  for (const reviewer of (await Promise.all(reviewers.map((id) => deps.people.person(id)))).filter((p): p is Person => p !== null)) {
    await notifyPerson(tx, reviewer, `review:${reviewId}:dispute`, reviewRequest(reviewer.language, request, check.final_verdict, null, 'dispute', { note: reason }), now);
  }
  return reviewId;
}
