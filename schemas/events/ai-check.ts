/**
 * Payloads of the AI check capability (extensions/ai-check), declared once:
 * - the NocoDB answers events it consumes (`nocodb.answers.insert` / `nocodb.answers.update`),
 * - the verdict the model must return,
 * - the request bodies of its HTTP API.
 */
import { z } from 'zod';

export const ANSWER_TOPICS = ['nocodb.answers.insert', 'nocodb.answers.update'] as const;

export const answerStatus = z.enum(['draft', 'submitted', 'checking', 'waiting_mentor', 'checked', 'returned']);
export type AnswerStatus = z.infer<typeof answerStatus>;

const id = z.union([z.string().min(1), z.number().int()]).transform(String);

// A link column arrives as the linked record ({Id, Title}) or a list of them; its foreign key as a number.
const linkedId = (value: unknown): unknown => {
  const first = Array.isArray(value) ? value[0] : value;
  return first && typeof first === 'object' && 'Id' in first ? (first as { Id: unknown }).Id : first;
};

/**
 * The names in schemas/nocodb (StudentIdentity, the Exercises link, its exercises_id key)
 * are accepted for Student and Exercise, so a raw NocoDB row parses as well.
 */
function aliases(row: unknown): unknown {
  if (!row || typeof row !== 'object') return row;
  const r = row as Record<string, unknown>;
  return {
    ...r,
    Student: r.Student ?? r.StudentIdentity,
    Exercise: linkedId(r.Exercise ?? r.Exercises ?? r.exercises_id),
  };
}

/** A row of the NocoDB `answers` table, as a webhook carries it. Other columns pass through. */
const answerRowShape = z.looseObject({
  Id: id,
  Student: z.string().min(1),
  Exercise: id,
  Answer: z.string().nullish().transform((s) => s ?? ''),
  Status: answerStatus,
  AIVerdict: z.unknown().optional(),
  MentorVerdict: z.unknown().optional(),
  UpdatedAt: z.string().nullish(),
});
export const answerRow = z.preprocess(aliases, answerRowShape);
export type AnswerRow = z.infer<typeof answerRow>;

export const answersEvent = z.object({
  table: z.literal('answers'),
  tableId: z.string().min(1),
  row: answerRow,
  previous: z.preprocess(aliases, answerRowShape.partial()).nullish(),
});
export type AnswersEvent = z.infer<typeof answersEvent>;

export const verdictKind = z.enum(['accepted', 'needs_work']);
export type VerdictKind = z.infer<typeof verdictKind>;

/** What the model must answer; `maxScore` is the exercise's own maximum. */
export function modelVerdict(maxScore: number) {
  return z.strictObject({
    verdict: verdictKind,
    score: z.number().min(0).max(maxScore),
    feedback: z.string().trim().min(1).max(4000),
    used_chunks: z.array(z.string()).max(50),
  });
}
export type ModelVerdict = z.infer<ReturnType<typeof modelVerdict>>;

/** A mentor's decision on a review: take the AI verdict as it is, or replace it. */
export const reviewDecision = z.discriminatedUnion('action', [
  z.object({ action: z.literal('accept') }),
  z.object({
    action: z.literal('edit'),
    verdict: verdictKind,
    score: z.number().min(0),
    feedback: z.string().trim().min(1).max(4000),
  }),
]);
export type ReviewDecision = z.infer<typeof reviewDecision>;

export const searchRequest = z.object({
  query: z.string().trim().min(2).max(500),
  guide: z.string().min(1).optional(),
  limit: z.number().int().min(1).max(20).default(5),
});
