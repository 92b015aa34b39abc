import type { NocoRows, Row } from '../../nocodb/client.ts';
import { notFound } from '../../kernel/errors.ts';

/**
 * One workbook as its student sees it. Only these fields leave the service: never the
 * reference answer, never another person's identity.
 */
export interface WorkbookView {
  id: number;
  title: string;
  status: string | null;
  answers: AnswerView[];
}

/** A verdict in words: accepted or to rework, the score of its maximum, the feedback. */
export interface VerdictView {
  score: number | null;
  maxScore: number | null;
  kind: 'accepted' | 'needs_work' | null;
  feedback: string | null;
}

/**
 * The verdict columns hold the feedback as text (the kind and score beside it, the maximum is
 * the exercise's); rows written before them hold the checker's JSON ({verdict, score,
 * max_score, feedback, by}). Either becomes words, never a JSON string on the student's page.
 */
export function verdictView(text: unknown, score: unknown, shown: { kind?: unknown; maxScore?: unknown } = {}): VerdictView {
  const raw = typeof text === 'string' ? text.trim() : '';
  const kind = shown.kind === 'accepted' || shown.kind === 'needs_work' ? shown.kind : null;
  const view: VerdictView = { score: num(score), maxScore: num(shown.maxScore), kind, feedback: raw || null };
  if (!raw.startsWith('{')) return view;
  try {
    const v = JSON.parse(raw) as { verdict?: unknown; score?: unknown; max_score?: unknown; feedback?: unknown };
    return {
      score: num(v.score) ?? view.score,
      maxScore: num(v.max_score) ?? view.maxScore,
      kind: v.verdict === 'accepted' || v.verdict === 'needs_work' ? v.verdict : kind,
      feedback: typeof v.feedback === 'string' && v.feedback ? v.feedback : null,
    };
  } catch {
    return view;
  }
}

function mentorKind(status: string | null, verdict: unknown): 'accepted' | 'needs_work' | null {
  if (typeof verdict !== 'string' || !verdict.trim()) return null;
  return status === 'checked' ? 'accepted' : status === 'returned' ? 'needs_work' : null;
}

export interface AnswerView {
  id: number;
  exercise: { id: number | null; title: string; question: string };
  answer: string;
  status: string | null;
  ai: VerdictView;
  mentor: VerdictView;
  submittedAt: string | null;
  /** May the student change it now (a draft, returned for rework, or checked where the exercise allows it again). */
  editable: boolean;
  /** Earlier submitted versions, oldest first. */
  history: { text: string; submittedAt: string }[];
  /** The student's objection to the verdict, while it stands (a new submission clears it). */
  dispute: { text: string; at: string | null } | null;
  /** Whether the student may dispute the verdict now: there is one, and no objection yet. */
  disputable: boolean;
}

/** A verdict can be disputed once it is given (checked, or returned for rework). */
export const hasVerdict = (status: string | null) => status === 'checked' || status === 'returned';

/** Whether the student may change an answer in this status (a checked one only where the exercise allows it again). */
export const isEditable = (status: string | null, resubmit: unknown) =>
  status === null || status === 'draft' || status === 'returned' || (status === 'checked' && (resubmit === true || resubmit === 1 || resubmit === 'true'));
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
/** A NocoDB number, which may arrive as text; null when empty or not a number. */
export const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number.isFinite(Number(v)) ? Number(v) : null);

/** Reads the workbook, its answers and their exercises' titles and questions from NocoDB. */
export async function readWorkbook(nocodb: NocoRows, id: number, history: Map<number, { text: string; submittedAt: string }[]> = new Map()): Promise<WorkbookView> {
  let workbook: Row;
  try {
    workbook = await nocodb.get('workbooks', id);
  } catch (e) {
    if ((e as { response?: { status?: number } }).response?.status === 404) throw notFound('WORKBOOK_NOT_FOUND', `no workbook ${id}`);
    throw e;
  }
  if (!workbook?.Id) throw notFound('WORKBOOK_NOT_FOUND', `no workbook ${id}`);
  const answers = await nocodb.list('answers', {
    where: `(workbooks_id,eq,${id})`, sort: 'Id',
    fields: 'Id,Answer,Status,AIScore,AIVerdict,AIOutcome,MentorScore,MentorVerdict,SubmittedAt,Dispute,DisputedAt,exercises_id',
  });
  const exerciseIds = [...new Set(answers.map((a) => num(a.exercises_id)).filter((x): x is number => x !== null))];
  const exercises = exerciseIds.length
    ? await nocodb.list('exercises', { where: `(Id,in,${exerciseIds.join(',')})`, fields: 'Id,Title,Question,Position,Resubmit,MaxPoints' })
    : [];
  const exerciseOf = new Map(exercises.map((e) => [e.Id, e]));
  const position = (exerciseId: number | null) => num(exerciseId === null ? null : exerciseOf.get(exerciseId)?.Position) ?? Number.MAX_SAFE_INTEGER;
  answers.sort((a, b) => position(num(a.exercises_id)) - position(num(b.exercises_id)) || a.Id - b.Id);
  return {
    id,
    title: str(workbook.Title) ?? `#${id}`,
    status: str(workbook.Status),
    answers: answers.map((a) => {
      const exerciseId = num(a.exercises_id);
      const exercise = exerciseId === null ? undefined : exerciseOf.get(exerciseId);
      return {
        id: a.Id,
        exercise: { id: exerciseId, title: str(exercise?.Title) ?? '', question: str(exercise?.Question) ?? '' },
        answer: str(a.Answer) ?? '',
        status: str(a.Status),
        ai: verdictView(a.AIVerdict, a.AIScore, { kind: a.AIOutcome, maxScore: exercise?.MaxPoints }),
        // The mentor's decision is the answer's status: checked is accepted, returned is to rework.
        mentor: verdictView(a.MentorVerdict, a.MentorScore, { kind: mentorKind(str(a.Status), a.MentorVerdict), maxScore: exercise?.MaxPoints }),
        submittedAt: str(a.SubmittedAt),
        editable: isEditable(str(a.Status), exercise?.Resubmit),
        history: history.get(a.Id) ?? [],
        dispute: str(a.Dispute) ? { text: str(a.Dispute)!, at: str(a.DisputedAt) } : null,
        disputable: hasVerdict(str(a.Status)) && !str(a.Dispute),
      };
    }),
  };
}
