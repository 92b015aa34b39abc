/**
 * A row of NocoDB's `answers` table and the `nocodb.answers.*` inbox payload around it,
 * declared once and derived from the table (schemas/nocodb/workbooks.ts). The topic table
 * checks every delivery against it; ai-check (schemas/events/ai-check.ts) and points
 * (schemas/events/points.ts) refine it with what each needs, and name no column of their own.
 */
import { z } from 'zod';
import { columnShape } from '../nocodb/define.ts';
import { answers, exercises } from '../nocodb/workbooks.ts';
import { nocodbRowPayload } from './identity.ts';
import { nocodbDate, nocodbId } from './nocodb.ts';

/** The states the table offers. */
export const answerStatus = answers.columns.Status.schema;
export type AnswerStatus = z.infer<typeof answerStatus>;

/** NocoDB's names of the answer's exercise: the belongs-to link (`exercises` has many answers) and its foreign key. */
export const EXERCISE_LINK = exercises.title;
export const EXERCISE_KEY = `${exercises.key}_id`;

// A link column arrives as the linked record ({Id, Title}) or a list of them; its foreign key as a number.
const linkedId = (value: unknown): unknown => {
  const first = Array.isArray(value) ? value[0] : value;
  return first && typeof first === 'object' && 'Id' in first ? (first as { Id: unknown }).Id : first;
};

/**
 * Student and Exercise, whatever the sender called them: the table's StudentIdentity (older
 * payloads: Student), and the exercise link, its foreign key or an explicit Exercise/ExerciseId.
 */
function aliases(row: unknown): unknown {
  if (!row || typeof row !== 'object') return row;
  const r = row as Record<string, unknown>;
  return {
    ...r,
    Student: r.StudentIdentity ?? r.Student,
    Exercise: linkedId(r.Exercise ?? r[EXERCISE_LINK] ?? r[EXERCISE_KEY] ?? r.ExerciseId),
  };
}

const answerRowShape = z.looseObject({
  Id: nocodbId,
  CreatedAt: nocodbDate.nullish(),
  /** Null on a row never edited since its insert (NocoDB's insert webhooks carry none). */
  UpdatedAt: nocodbDate.nullish(),
  ...columnShape(answers.columns),
  Answer: answers.columns.Answer.schema.nullish().transform((s) => s ?? ''),
  // Staff may add options to the select in NocoDB (provisioning keeps them): a status the
  // table does not list is still a valid row, which points counts and ai-check leaves alone.
  Status: z.string().nullish(),
  SubmittedAt: nocodbDate.nullish(),
  /** The student's identity id. */
  Student: answers.columns.StudentIdentity.schema.nullish(),
  /** The exercise's row id; absent until the answer is linked to one. */
  Exercise: z.union([z.string(), z.number()]).nullish(),
});

/** A row of the NocoDB `answers` table, as a webhook or the sweep carries it. Other columns pass through. */
export const answerRow = z.preprocess(aliases, answerRowShape);
export type AnswerRow = z.infer<typeof answerRow>;

/** `nocodb.answers.insert` / `.update`, as hooks/nocodb.ts (rowEvent) stores them. */
export const answersPayload = nocodbRowPayload.extend({
  table: z.literal(answers.key),
  tableId: z.string().min(1),
  row: answerRow,
  previous: z.preprocess(aliases, answerRowShape.partial()).nullish(),
});
export type AnswersPayload = z.infer<typeof answersPayload>;
