import type pg from 'pg';
import type { CheckStatus } from './checks-store.ts';
import type { Verdict } from './verdict.ts';

/** A student's own picture of their checked answers (the MCP tool `my_progress`). */
export interface Progress {
  answers: number;
  accepted: number;
  needsWork: number;
  waitingForMentor: number;
  /** Mean of score / max score over graded answers, 0..1; null before the first grade. */
  meanScore: number | null;
  recent: { answerId: string; exercise: string; status: CheckStatus; verdict: Verdict | null; at: Date }[];
}

export async function progressOf(db: pg.Pool, studentId: string): Promise<Progress> {
  // The latest check of each answer is the answer's state.
  const { rows } = await db.query<{ answer_id: string; exercise: string; status: CheckStatus; final_verdict: Verdict | null; updated_at: Date }>(`
    select distinct on (answer_id) answer_id, coalesce(exercise_title, exercise_id) as exercise, status, final_verdict, updated_at
    from ai_check where student_id = $1 order by answer_id, id desc`, [studentId]);
  const graded = rows.filter((r) => r.final_verdict && (r.status === 'checked' || r.status === 'reviewed'));
  const ratios = graded.map((r) => r.final_verdict!.score / (r.final_verdict!.maxScore || 1));
  return {
    answers: rows.length,
    accepted: graded.filter((r) => r.final_verdict!.verdict === 'accepted').length,
    needsWork: graded.filter((r) => r.final_verdict!.verdict === 'needs_work').length,
    waitingForMentor: rows.filter((r) => r.status === 'waiting_mentor').length,
    meanScore: ratios.length ? Math.round((ratios.reduce((a, b) => a + b, 0) / ratios.length) * 1000) / 1000 : null,
    recent: [...rows].sort((a, b) => b.updated_at.getTime() - a.updated_at.getTime()).slice(0, 10).map((r) => ({
      answerId: r.answer_id, exercise: r.exercise, status: r.status,
      verdict: r.status === 'checked' || r.status === 'reviewed' ? r.final_verdict : null, at: r.updated_at,
    })),
  };
}
