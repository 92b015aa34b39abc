import type pg from 'pg';
import type { AnswerStore, Exercise } from '../answer-store.ts';
import { STAFF_FEEDBACK } from '../messages.ts';
import { gradedLine, type EvalLanguage, type GradedLine } from './graded-set.ts';

/**
 * The school's own graded set: every check a mentor decided (accepted the AI verdict, or
 * replaced it), as graded-set.ts lines, the mentor's score as `human_score` beside the score
 * the checker gave then (`ai_score`). Checks and decisions come from PostgreSQL (ai_check,
 * ai_review; the latest decision of a check reviewed twice); the question and the reference
 * answer from the exercise (NocoDB, through the AnswerStore). No student is named.
 *
 * Left out, each with its reason: an exercise gone or without a reference answer (the
 * evaluation grades against it); no language (neither the guide's nor `language`); and a
 * decision made in NocoDB's grid with a Status but no MentorScore, which records the full
 * or no score by default (review-decision.ts): that is no mentor's score.
 */
export interface ExportOptions {
  /** Only replaced verdicts: an accepted AI verdict is the mentor's too, but seen through the AI's. */
  onlyEdited?: boolean;
  /** For checks whose guide names no language. */
  language?: EvalLanguage | null;
  since?: Date | null;
}

export type SkipReason = 'EXERCISE_NOT_FOUND' | 'NO_REFERENCE_ANSWER' | 'LANGUAGE_UNKNOWN' | 'NO_MENTOR_SCORE' | 'SCORE_MAYBE_DEFAULTED' | 'INVALID';

export interface ExportResult {
  /** The header and one line per answer, JSON each. */
  lines: string[];
  exported: number;
  skipped: { checkId: string; reason: SkipReason; detail?: string }[];
}

interface Row {
  check_id: string;
  answer_id: string;
  exercise_id: string;
  answer_text: string;
  max_score: number | null;
  ai_verdict: { score?: unknown } | null;
  final_verdict: { score?: unknown; maxScore?: unknown; feedback?: unknown } | null;
  status: 'accepted' | 'edited';
  kind: string;
  decided_at: Date | null;
  reviewer_id: string | null;
  language: EvalLanguage | null;
  model: string | null;
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export async function exportReviewedAnswers(deps: { db: pg.Pool | pg.PoolClient; answers: Pick<AnswerStore, 'getExercise'> }, opts: ExportOptions = {}): Promise<ExportResult> {
  const { rows } = await deps.db.query<Row>(`
    select distinct on (c.id) c.id::text as check_id, c.answer_id, c.exercise_id, c.answer_text, c.max_score::float8 as max_score,
      c.ai_verdict, r.final_verdict, r.status, r.kind, r.decided_at, r.reviewer_id, g.language, c.model
    from ai_check c
    join ai_review r on r.check_id = c.id and r.status in ('accepted', 'edited')
    left join ai_guide g on g.slug = c.guide_slug
    where ($1::timestamptz is null or r.decided_at >= $1)
    order by c.id, r.decided_at desc nulls last, r.id desc`, [opts.since ?? null]);

  const exercises = new Map<string, Promise<Exercise | null>>();
  const exercise = (id: string) => {
    if (!exercises.has(id)) exercises.set(id, deps.answers.getExercise(id));
    return exercises.get(id)!;
  };
  const result: ExportResult = {
    lines: [JSON.stringify({ graded_set: { name: 'the school\'s reviewed answers', source: `ai_check and ai_review, exported ${new Date().toISOString()}: mentor scores (human_score) beside the checker's (ai_score)` } })],
    exported: 0,
    skipped: [],
  };
  const skip = (checkId: string, reason: SkipReason, detail?: string) => result.skipped.push({ checkId, reason, ...(detail ? { detail } : {}) });
  for (const row of rows) {
    if (opts.onlyEdited && row.status !== 'edited') continue;
    const mentor = finite(row.final_verdict?.score);
    const max = row.max_score ?? finite(row.final_verdict?.maxScore);
    if (mentor === null || max === null) { skip(row.check_id, 'NO_MENTOR_SCORE'); continue; }
    const feedback = typeof row.final_verdict?.feedback === 'string' ? row.final_verdict.feedback : null;
    if (row.reviewer_id?.startsWith('nocodb') && feedback === STAFF_FEEDBACK && (mentor === 0 || mentor === max)) {
      skip(row.check_id, 'SCORE_MAYBE_DEFAULTED');
      continue;
    }
    const ex = await exercise(row.exercise_id);
    if (!ex) { skip(row.check_id, 'EXERCISE_NOT_FOUND'); continue; }
    if (!ex.referenceAnswer?.trim()) { skip(row.check_id, 'NO_REFERENCE_ANSWER'); continue; }
    const language = row.language ?? opts.language ?? null;
    if (!language) { skip(row.check_id, 'LANGUAGE_UNKNOWN'); continue; }
    const ai = finite(row.ai_verdict?.score);
    const line: GradedLine = {
      id: `check:${row.check_id}`,
      question: ex.question,
      reference_answer: ex.referenceAnswer,
      student_answer: row.answer_text,
      max_score: max,
      human_score: mentor,
      ...(ai !== null ? { ai_score: ai } : {}),
      ...(row.status === 'edited' && feedback && feedback !== STAFF_FEEDBACK ? { human_feedback: feedback } : {}),
      language,
      meta: {
        check_id: row.check_id, answer_id: row.answer_id, exercise_id: row.exercise_id, review: row.status, review_kind: row.kind,
        reviewed_at: row.decided_at?.toISOString() ?? null, model: row.model,
      },
    };
    const checked = gradedLine.safeParse(line);
    if (!checked.success || (line.human_score! > max) || (ai !== null && ai > max)) {
      skip(row.check_id, 'INVALID', checked.success ? 'a score above max_score' : checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      continue;
    }
    result.lines.push(JSON.stringify(line));
    result.exported++;
  }
  return result;
}
