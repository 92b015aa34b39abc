import type { Consumer } from '../../kernel/capability.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { issuesOf } from '../../kernel/validation.ts';
import { ANSWER_TOPICS, answersEvent } from '../../schemas/events/ai-check.ts';
import type { Clock } from '../../kernel/clock.ts';
import { enqueueCheck } from './checks-store.ts';

/**
 * Inbox consumer of NocoDB's answers events: when an answer becomes `submitted` (or its
 * text changes while submitted), a check is queued in the inbox's own transaction. Nothing
 * slow or external happens here; the runner does the checking.
 */
export const ANSWERS_CONSUMER = 'ai-check.answers';

const noExercise = (error: import('zod').ZodError) => error.issues.length > 0 && error.issues.every((i) => i.path.join('.') === 'row.Exercise');

/** Reads the answer from NocoDB now: its exercise link, which no webhook reports when it is made later. */
export type ExerciseOfAnswer = (answerId: string) => Promise<string | null>;

/** A decision staff made in NocoDB's grid (review-decision.ts): the row as it arrived. */
export type StaffDecision = (answerId: string, row: Record<string, unknown>) => Promise<unknown>;
/** A student's dispute of the verdict, in the row's Dispute column (disputes.ts), handled in the event's transaction. */
export type Dispute = (tx: import('pg').PoolClient, answerId: string, row: Record<string, unknown>) => Promise<unknown>;

export function answersConsumer(deps: { clock: Clock; exerciseOf: ExerciseOfAnswer; staffDecision: StaffDecision; dispute: Dispute }): Consumer {
  return {
    name: ANSWERS_CONSUMER,
    topics: ANSWER_TOPICS,
    async handle(event, { tx, log }) {
      const raw = (event.payload as { row?: Record<string, unknown> } | null)?.row;
      if (raw && (raw.Status === 'checked' || raw.Status === 'returned') && raw.Id !== undefined) {
        await deps.staffDecision(String(raw.Id), raw);
        await deps.dispute(tx, String(raw.Id), raw);
        return;
      }
      // Drafts and other statuses are not ours: no need for them to name an exercise yet.
      if (raw?.Status !== 'submitted') return;
      let parsed = answersEvent.safeParse(event.payload);
      if (!parsed.success && noExercise(parsed.error)) {
        // Submitted before it was linked to its exercise (staff do that in NocoDB): linking
        // fires no webhook, so the link is read now; not there yet, the job is tried again.
        const id = String((event.payload as { row: { Id: unknown } }).row.Id);
        const exercise = await deps.exerciseOf(id);
        if (!exercise) throw new Error(`answer ${id} is submitted but linked to no exercise yet; tried again later`);
        const payload = event.payload as { row: Record<string, unknown> };
        parsed = answersEvent.safeParse({ ...payload, row: { ...payload.row, Exercise: exercise } });
      }
      if (!parsed.success) {
        throw new InvalidPayload(issuesOf(parsed.error), `answer event ${event.id} is not valid`);
      }
      const { row, previous, tableId } = parsed.data;
      if (row.Status !== 'submitted') return;
      if (previous?.Status === 'submitted' && previous.Answer === row.Answer) return;
      const queued = await enqueueCheck(tx, {
        answerId: row.Id, tableId, studentId: row.Student, exerciseId: row.Exercise, text: row.Answer, source: 'event',
      }, deps.clock());
      log.debug({ component: 'ai-check', event: event.id, check: queued.id, created: queued.created }, 'answer queued for checking');
    },
  };
}
