import type { Pool } from 'pg';
import type { NocoRows, Row } from '../../nocodb/client.ts';
import { badRequest, conflict, notFound } from '../../kernel/errors.ts';
import type { Clock } from '../../kernel/clock.ts';
import { hasVerdict, isEditable, num } from './read.ts';

/** How long an answer may be: a long essay, not a file. */
export const MAX_ANSWER_CHARS = 20_000;

export interface WriteDeps {
  nocodb: NocoRows;
  db: Pool;
  clock: Clock;
}


/** The answer, if it belongs to this workbook; 404 otherwise (whoever asks learns nothing of other workbooks). */
async function answerOf(nocodb: NocoRows, workbookId: number, answerId: number): Promise<Row> {
  let row: Row;
  try {
    row = await nocodb.get('answers', answerId);
  } catch (e) {
    if ((e as { response?: { status?: number } }).response?.status === 404) throw notFound('ANSWER_NOT_FOUND', `no answer ${answerId} in this workbook`);
    throw e;
  }
  if (!row?.Id || num(row.workbooks_id) !== workbookId) throw notFound('ANSWER_NOT_FOUND', `no answer ${answerId} in this workbook`);
  return row;
}

async function resubmitOf(nocodb: NocoRows, row: Row): Promise<unknown> {
  const exerciseId = num(row.exercises_id);
  return exerciseId === null ? false : (await nocodb.get('exercises', exerciseId).catch(() => null))?.Resubmit;
}

/**
 * Saves the student's text as a draft, or submits it for checking: the Answers row gets the
 * text and the status (submitted: with SubmittedAt, and a copy in workbook_submission, so
 * every version is kept). A submitted answer waits for its verdict unchanged; after a
 * verdict it may be changed again where the exercise allows a resubmission.
 */
export async function writeAnswer(deps: WriteDeps, input: { workbookId: number; answerId: number; studentId: string; text: string; submit: boolean }): Promise<{ status: string }> {
  const text = input.text.replace(/\r\n/g, '\n');
  if (text.length > MAX_ANSWER_CHARS) throw badRequest('ANSWER_TOO_LONG', `an answer has at most ${MAX_ANSWER_CHARS} characters`);
  if (input.submit && !text.trim()) throw badRequest('ANSWER_EMPTY', 'write an answer before you submit it');
  const row = await answerOf(deps.nocodb, input.workbookId, input.answerId);
  const status = typeof row.Status === 'string' && row.Status ? row.Status : null;
  const editable = isEditable(status, status === 'checked' ? await resubmitOf(deps.nocodb, row) : false);
  if (!editable) throw conflict('ANSWER_LOCKED', `the answer is ${status}: it can be changed again after its verdict, where the exercise allows it`);
  const now = deps.clock();
  if (input.submit) {
    await deps.db.query('insert into workbook_submission (workbook_id, answer_id, student_id, text, submitted_at) values ($1, $2, $3, $4, $5)',
      [input.workbookId, input.answerId, input.studentId, text, now]);
  }
  const next = input.submit ? 'submitted' : status === 'returned' ? 'returned' : 'draft';
  // A new submission is a new answer: an objection to the old verdict no longer stands.
  // An answer made before its workbook's student was picked carries no student: the owner
  // writing it (Workbook#edit let them in) is that student.
  const student = typeof row.StudentIdentity === 'string' && row.StudentIdentity ? {} : { StudentIdentity: input.studentId };
  await deps.nocodb.update('answers', [{ Id: input.answerId, Answer: text, Status: next, ...student, ...(input.submit ? { SubmittedAt: now.toISOString(), Dispute: null, DisputedAt: null } : {}) }]);
  return { status: next };
}

export const MAX_DISPUTE_CHARS = 2000;

/**
 * The student disputes the verdict of an answer: their words go into the Answers row
 * (Dispute, DisputedAt), where NocoDB's webhook and the sweep bring them to the AI check,
 * which puts the answer in the staff reviewers' queue. Once per verdict: the same words
 * again are no second dispute; a new submission clears it.
 */
export async function disputeVerdict(deps: WriteDeps, input: { workbookId: number; answerId: number; reason: string }): Promise<{ disputedAt: string }> {
  const reason = input.reason.replace(/\r\n/g, '\n').trim();
  if (!reason) throw badRequest('DISPUTE_EMPTY', 'say what you disagree with');
  if (reason.length > MAX_DISPUTE_CHARS) throw badRequest('DISPUTE_TOO_LONG', `a dispute has at most ${MAX_DISPUTE_CHARS} characters`);
  const row = await answerOf(deps.nocodb, input.workbookId, input.answerId);
  const status = typeof row.Status === 'string' && row.Status ? row.Status : null;
  if (!hasVerdict(status)) throw conflict('NOTHING_TO_DISPUTE', 'the answer has no verdict yet');
  if (typeof row.Dispute === 'string' && row.Dispute.trim()) {
    if (row.Dispute.trim() === reason) return { disputedAt: String(row.DisputedAt ?? '') };
    throw conflict('ALREADY_DISPUTED', 'this verdict is already disputed: staff answer it, or submit a new answer');
  }
  const at = deps.clock().toISOString();
  await deps.nocodb.update('answers', [{ Id: input.answerId, Dispute: reason, DisputedAt: at }]);
  return { disputedAt: at };
}

/** Earlier submitted versions of the workbook's answers, oldest first, by answer. */
export async function submissionsOf(db: Pool, workbookId: number): Promise<Map<number, { text: string; submittedAt: string }[]>> {
  const { rows } = await db.query<{ answer_id: number; text: string; submitted_at: Date }>(
    'select answer_id, text, submitted_at from workbook_submission where workbook_id = $1 order by submitted_at, id', [workbookId]);
  const out = new Map<number, { text: string; submittedAt: string }[]>();
  for (const r of rows) {
    const list = out.get(r.answer_id) ?? [];
    list.push({ text: r.text, submittedAt: r.submitted_at.toISOString() });
    out.set(r.answer_id, list);
  }
  return out;
}

/**
 * A workbook has one Answers row per exercise of its guide: the rows missing are made (and
 * linked to the workbook and the exercise), so exercises added to the guide later appear
 * without losing answers. One at a time per workbook in this process.
 */
export function answerRows(nocodb: NocoRows, clock: Clock, recheckMs = 60_000): (workbookId: number) => Promise<number> {
  const inFlight = new Map<number, Promise<number>>();
  // NocoDB's API is slow (FIELD-NOTES): a workbook found complete is looked at again only
  // after recheckMs, so an exercise added to the guide shows within a minute.
  const checkedAt = new Map<number, number>();
  return async (workbookId) => {
    const last = checkedAt.get(workbookId);
    if (last !== undefined && clock().getTime() - last < recheckMs) return 0;
    const made = await ensureAnswerRows(nocodb, workbookId, inFlight);
    checkedAt.set(workbookId, clock().getTime());
    return made;
  };
}

function ensureAnswerRows(nocodb: NocoRows, workbookId: number, inFlight: Map<number, Promise<number>>): Promise<number> {
  const running = inFlight.get(workbookId);
  if (running) return running;
  const job = (async () => {
    const workbook = await nocodb.get('workbooks', workbookId);
    const guideId = num(workbook.guides_id);
    if (guideId === null) return 0;
    const [exercises, answers] = await Promise.all([
      nocodb.list('exercises', { where: `(guides_id,eq,${guideId})`, fields: 'Id' }),
      nocodb.list('answers', { where: `(workbooks_id,eq,${workbookId})`, fields: 'Id,exercises_id' }),
    ]);
    const have = new Set(answers.map((a) => num(a.exercises_id)));
    const missing = exercises.filter((e) => !have.has(e.Id));
    if (!missing.length) return 0;
    // The answers carry their student's id (points and the checker read it from the row's webhook).
    const personId = num(workbook.people_id);
    const person = personId === null ? null : await nocodb.get('people', personId);
    const owner = typeof person?.IdentityId === 'string' ? person.IdentityId : null;
    const made = await nocodb.insert('answers', missing.map(() => ({ Answer: '', Status: 'draft', StudentIdentity: owner })));
    await nocodb.link('workbooks', 'Answers', workbookId, made.map((m) => m.Id));
    for (const [i, exercise] of missing.entries()) await nocodb.link('exercises', 'Answers', exercise.Id, [made[i]!.Id]);
    return made.length;
  })().finally(() => inFlight.delete(workbookId));
  inFlight.set(workbookId, job);
  return job;
}

/** The workbooks a student owns: id, title, status. */
export async function workbooksOf(nocodb: NocoRows, studentId: string): Promise<{ id: number; title: string; status: string | null }[]> {
  if (!/^[0-9a-f-]{36}$/i.test(studentId)) return [];
  const people = await nocodb.list('people', { where: `(IdentityId,eq,${studentId})`, fields: 'Id' });
  if (people.length === 0) return [];
  const rows = await nocodb.list('workbooks', { where: `(people_id,in,${people.map((p) => p.Id).join(',')})`, fields: 'Id,Title,Status', sort: 'Id' });
  return rows.map((r) => ({ id: r.Id, title: typeof r.Title === 'string' ? r.Title : `#${r.Id}`, status: typeof r.Status === 'string' ? r.Status : null }));
}
