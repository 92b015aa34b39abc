import axios, { type AxiosInstance } from 'axios';
import { AppError } from '../../kernel/errors.ts';
import { answerStatus, EXERCISE_LINK } from '../../schemas/events/answers.ts';
import type { ColumnName } from '../../schemas/nocodb/define.ts';
import type { answers } from '../../schemas/nocodb/workbooks.ts';
import type { AnswerRecord, AnswerStore, AnswerUpdate, Exercise } from './answer-store.ts';
import type { Verdict } from './verdict.ts';
import type { NocoNames } from '../../nocodb/names.ts';

/** A column the answers table declares (schemas/nocodb/workbooks.ts): a name it does not declare does not compile. */
type AnswerColumn = ColumnName<typeof answers>;

/**
 * AnswerStore over NocoDB's v2 data API (every NocoDB call of this capability is here):
 *   GET   /api/v2/tables/{tableId}/records/{id}
 *   PATCH /api/v2/tables/{tableId}/records   body [{ Id, ...fields }]
 * with the API token in `xc-token`. Column titles default to schemas/nocodb; a link column
 * reads as the linked record `{Id, Title}`, so the guide's slug takes one more read of the
 * guides table. Verdicts are written as JSON text, scores into their decimal columns.
 */
export interface NocodbColumns {
  answers: {
    student: AnswerColumn; exercise: string; answer: AnswerColumn; status: AnswerColumn;
    aiVerdict: AnswerColumn; aiScore: AnswerColumn | null; mentorVerdict: AnswerColumn; mentorScore: AnswerColumn | null;
    aiOutcome: AnswerColumn | null; aiCheckedAt: AnswerColumn | null; mentorName: AnswerColumn | null; mentorReviewedAt: AnswerColumn | null;
  };
  exercises: { title: string; question: string; referenceAnswer: string | null; maxPoints: string; guide: string; section: string | null };
  guides: { slug: string };
}

/** The tables of schemas/nocodb/workbooks.ts and meta-model.ts, as NocoDB 0.301 names their columns. */
export const SCHOOL_COLUMNS: NocodbColumns = {
  answers: {
    student: 'StudentIdentity', exercise: EXERCISE_LINK, answer: 'Answer', status: 'Status',
    aiVerdict: 'AIVerdict', aiScore: 'AIScore', mentorVerdict: 'MentorVerdict', mentorScore: 'MentorScore',
    aiOutcome: 'AIOutcome', aiCheckedAt: 'AICheckedAt', mentorName: 'MentorName', mentorReviewedAt: 'MentorReviewedAt',
  },
  exercises: { title: 'Title', question: 'Question', referenceAnswer: 'ReferenceAnswer', maxPoints: 'MaxPoints', guide: 'Guides', section: 'Guide sections' },
  guides: { slug: 'Slug' },
};

export interface NocodbAnswerStoreOptions {
  baseUrl: string;
  token: string;
  tables: { answers: string; exercises: string; guides: string };
  columns?: NocodbColumns;
  /** How the base titles our keys (nocodb/names.ts): rows are read and written through it. */
  names: NocoNames;
  timeoutMs?: number;
}

type Row = Record<string, unknown>;

function linked(value: unknown): Row | null {
  const first = Array.isArray(value) ? value[0] : value;
  return first && typeof first === 'object' ? (first as Row) : null;
}

const idOf = (value: unknown): string => {
  const record = linked(value);
  if (record) return String(record.Id ?? '');
  return value === undefined || value === null ? '' : String(value);
};

/** A verdict as staff read it in the grid: its feedback as text; its kind, score and time have their own columns. */
const verdictText = (v: Verdict | null) => (v ? v.feedback : null);
const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

export function createNocodbAnswerStore(opts: NocodbAnswerStoreOptions, http?: AxiosInstance): AnswerStore {
  const cols = opts.columns ?? SCHOOL_COLUMNS;
  const client = http ?? axios.create({
    baseURL: opts.baseUrl.replace(/\/+$/, ''),
    headers: { 'xc-token': opts.token },
    timeout: opts.timeoutMs ?? 10_000,
  });

  type TableKey = keyof NocodbAnswerStoreOptions['tables'];
  async function getRecord(table: TableKey, id: string): Promise<Row | null> {
    try {
      const { data } = await client.get<Row>(`/api/v2/tables/${opts.tables[table]}/records/${encodeURIComponent(id)}`);
      if (!data || !Object.keys(data).length) return null;
      return opts.names.fromNoco(table, data);
    } catch (e) {
      if (axios.isAxiosError(e) && e.response?.status === 404) return null;
      throw new AppError('NOCODB_UNAVAILABLE', 503, `NocoDB read failed: ${(e as Error).message}`);
    }
  }

  return {
    async getAnswer(id): Promise<AnswerRecord | null> {
      const row = await getRecord('answers', id);
      if (!row) return null;
      const c = cols.answers;
      const status = answerStatus.safeParse(row[c.status]);
      return {
        id: String(row.Id), studentId: String(row[c.student] ?? ''), exerciseId: idOf(row[c.exercise]),
        text: typeof row[c.answer] === 'string' ? (row[c.answer] as string) : '', status: status.success ? status.data : 'draft',
        workbookId: idOf(row.workbooks_id ?? row.Workbooks) || null,
      };
    },
    async getExercise(id): Promise<Exercise | null> {
      const row = await getRecord('exercises', id);
      if (!row) return null;
      const c = cols.exercises;
      const guideId = idOf(row[c.guide]);
      const guide = guideId ? await getRecord('guides', guideId) : null;
      const section = c.section ? linked(row[c.section]) : null;
      return {
        id: String(row.Id),
        guideSlug: guide ? String(guide[cols.guides.slug] ?? '') : '',
        guideTitle: guide && typeof guide.Title === 'string' ? guide.Title : null,
        section: section ? String(section.Title ?? '') || null : null,
        title: String(row[c.title] ?? row.Id),
        question: String(row[c.question] ?? ''),
        referenceAnswer: c.referenceAnswer && typeof row[c.referenceAnswer] === 'string' ? (row[c.referenceAnswer] as string) : null,
        maxScore: Number(row[c.maxPoints] ?? 1) || 1,
      };
    },
    async updateAnswer(id, update: AnswerUpdate): Promise<void> {
      const c = cols.answers;
      const fields: Row = { Id: Number.isNaN(Number(id)) ? id : Number(id), [c.status]: update.status };
      if (update.aiVerdict !== undefined) {
        fields[c.aiVerdict] = verdictText(update.aiVerdict);
        if (c.aiScore) fields[c.aiScore] = update.aiVerdict?.score ?? null;
        if (c.aiOutcome) fields[c.aiOutcome] = update.aiVerdict?.verdict ?? null;
        if (c.aiCheckedAt) fields[c.aiCheckedAt] = iso(update.aiCheckedAt);
      }
      if (update.mentorVerdict !== undefined) {
        fields[c.mentorVerdict] = verdictText(update.mentorVerdict);
        if (c.mentorScore) fields[c.mentorScore] = update.mentorVerdict?.score ?? null;
        if (c.mentorName) fields[c.mentorName] = update.mentorVerdict ? update.reviewer?.name ?? null : null;
        if (c.mentorReviewedAt) fields[c.mentorReviewedAt] = update.mentorVerdict ? iso(update.reviewer?.at) : null;
      }
      try {
        await client.patch(`/api/v2/tables/${opts.tables.answers}/records`, [opts.names.toNoco('answers', fields)]);
      } catch (e) {
        throw new AppError('NOCODB_UNAVAILABLE', 503, `NocoDB write-back failed: ${(e as Error).message}`);
      }
    },
  };
}
