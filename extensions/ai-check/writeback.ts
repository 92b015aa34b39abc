import type { AnswerUpdate } from './answer-store.ts';
import type { CheckRow } from './checks-store.ts';

/**
 * Pure: what a check writes into the student's answer row. A verdict that waits for a
 * mentor is not written (the student could read it there); only the status is.
 */
export function answerUpdateFor(check: CheckRow, at: { checkedAt: Date; reviewer?: { name: string | null; at: Date | null } | null }): AnswerUpdate {
  const final = check.final_verdict;
  const graded = final ? (final.verdict === 'accepted' ? 'checked' : 'returned') : 'waiting_mentor';
  switch (check.status) {
    case 'checked':
      return { status: graded, aiVerdict: final, aiCheckedAt: final ? at.checkedAt : null };
    case 'reviewed':
      return {
        status: graded, aiVerdict: check.ai_verdict, aiCheckedAt: check.ai_verdict ? at.checkedAt : null,
        mentorVerdict: final, reviewer: at.reviewer ?? null,
      };
    case 'waiting_mentor':
      return { status: 'waiting_mentor' };
    case 'queued':
      return { status: 'checking' };
  }
}
