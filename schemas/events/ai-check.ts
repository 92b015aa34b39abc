/**
 * Payloads of the AI check capability (extensions/ai-check), declared once:
 * - what it needs of the NocoDB answers events it consumes (`nocodb.answers.insert` / `.update`, declared in answers.ts),
 * - the verdict the model must return,
 * - the request bodies of its HTTP API.
 */
import { z } from 'zod';
import { answerRow as nocodbAnswerRow, answersPayload } from './answers.ts';

export const ANSWER_TOPICS = ['nocodb.answers.insert', 'nocodb.answers.update'] as const;

/** The answers row and payload are declared once, in answers.ts; the status names ai-check works with come from there. */
export { answerStatus, type AnswerStatus } from './answers.ts';

/**
 * What a check needs of an answers row: its student and its exercise; ids as the check's
 * tables keep them (text).
 */
export const answerRow = nocodbAnswerRow.transform((row, ctx) => {
  const exercise = row.Exercise === '' ? null : (row.Exercise ?? null);
  if (row.Student && exercise !== null) return { ...row, Id: String(row.Id), Student: row.Student, Exercise: String(exercise) };
  if (!row.Student) ctx.addIssue({ code: 'custom', path: ['Student'], message: 'the answer names no student (StudentIdentity)' });
  if (exercise === null) ctx.addIssue({ code: 'custom', path: ['Exercise'], message: 'the answer is linked to no exercise' });
  return z.NEVER;
});
export type AnswerRow = z.infer<typeof answerRow>;

export const answersEvent = answersPayload.extend({ row: answerRow });
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
    /** How sure the model is of its verdict, 0..1: below AI_CHECK_MIN_CONFIDENCE staff look again. */
    confidence: z.number().min(0).max(1),
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
