import type { AnswerStatus } from '../../schemas/events/ai-check.ts';
import type { Verdict } from './verdict.ts';

/**
 * Where answers and exercises live (NocoDB rows people edit). The capability only reads
 * an answer and an exercise and writes a verdict back; nocodb-store.ts implements it over
 * NocoDB's v2 data API, tests over PostgreSQL tables.
 */
export interface AnswerRecord {
  id: string;
  /** Kratos identity id of the student. */
  studentId: string;
  exerciseId: string;
  text: string;
  status: AnswerStatus;
  /** The workbook the answer belongs to, for links to the student's page; unknown in some stores. */
  workbookId?: string | null;
}

export interface Exercise {
  id: string;
  /** Slug of the guide the exercise belongs to (ai_guide.slug, Keto `Guide:<slug>`). */
  guideSlug: string;
  /** The guide's title as staff wrote it, for notices; the slug stands in when unknown. */
  guideTitle?: string | null;
  /** Heading (or its slug) of the guide section the exercise is about; its passages come first. */
  section: string | null;
  title: string;
  question: string;
  /** The author's model answer, shown to the checker and mentors, never to students. */
  referenceAnswer?: string | null;
  maxScore: number;
}

/** Absent fields are left as they are; null clears a field. */
export interface AnswerUpdate {
  status: AnswerStatus;
  aiVerdict?: Verdict | null;
  mentorVerdict?: Verdict | null;
  /** When the AI verdict is written (shown to staff beside it). */
  aiCheckedAt?: Date | null;
  /** Who decided the review and when (shown to staff beside the mentor's verdict). */
  reviewer?: { name: string | null; at: Date | null } | null;
}

export interface AnswerStore {
  getAnswer(id: string): Promise<AnswerRecord | null>;
  getExercise(id: string): Promise<Exercise | null>;
  /** Must be idempotent: the same update may be written twice after a crash. */
  updateAnswer(id: string, update: AnswerUpdate): Promise<void>;
}
