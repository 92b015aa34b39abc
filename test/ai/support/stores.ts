/**
 * Real stores for the tests, over PostgreSQL tables of the test database: the answers and
 * exercises (NocoDB's role in service), and the people and mentor groups (Kratos/Keto's).
 */
import type pg from 'pg';
import type { AnswerRecord, AnswerStore, AnswerUpdate, Exercise } from '../../../extensions/ai-check/answer-store.ts';
import type { People, Person } from '../../../extensions/ai-check/people.ts';
import type { AnswerStatus } from '../../../schemas/events/ai-check.ts';

export async function createTestTables(db: pg.Pool): Promise<void> {
  await db.query(`
    create table test_exercises (id text primary key, guide text not null, section text, title text not null,
      question text not null, max_points int not null, guide_title text, reference_answer text);
    create table test_answers (id text primary key, student text not null, exercise text not null, answer text not null,
      status text not null, ai_verdict jsonb, mentor_verdict jsonb, workbook text);
    create table test_answer_writes (n bigserial primary key, answer_id text not null, update jsonb not null);
    create table test_people (id text primary key, name text not null, language text not null, telegram text, email text,
      mentor_group text);
    create table test_group_mentors (group_id text not null, mentor_id text not null);`);
}

export class PgAnswerStore implements AnswerStore {
  /** Set to make the next write-backs fail, as an unreachable NocoDB would. */
  failWrites = 0;

  constructor(private readonly db: pg.Pool) {}

  async getAnswer(id: string): Promise<AnswerRecord | null> {
    const { rows } = await this.db.query<{ id: string; student: string; exercise: string; answer: string; status: AnswerStatus; workbook: string | null }>(
      'select * from test_answers where id = $1', [id]);
    const r = rows[0];
    return r ? { id: r.id, studentId: r.student, exerciseId: r.exercise, text: r.answer, status: r.status, workbookId: r.workbook } : null;
  }

  async getExercise(id: string): Promise<Exercise | null> {
    const { rows } = await this.db.query<{ id: string; guide: string; section: string | null; title: string; question: string; max_points: number; guide_title: string | null; reference_answer: string | null }>(
      'select * from test_exercises where id = $1', [id]);
    const r = rows[0];
    return r ? {
      id: r.id, guideSlug: r.guide, guideTitle: r.guide_title, section: r.section, title: r.title, question: r.question, maxScore: r.max_points,
      referenceAnswer: r.reference_answer,
    } : null;
  }

  async updateAnswer(id: string, update: AnswerUpdate): Promise<void> {
    if (this.failWrites > 0) {
      this.failWrites--;
      throw new Error('answers store unavailable');
    }
    await this.db.query(`update test_answers set status = $2,
        ai_verdict = case when $3::boolean then $4::jsonb else ai_verdict end,
        mentor_verdict = case when $5::boolean then $6::jsonb else mentor_verdict end
      where id = $1`, [id, update.status, update.aiVerdict !== undefined, JSON.stringify(update.aiVerdict ?? null),
      update.mentorVerdict !== undefined, JSON.stringify(update.mentorVerdict ?? null)]);
    await this.db.query('insert into test_answer_writes (answer_id, update) values ($1, $2)', [id, JSON.stringify(update)]);
  }
}

export class PgPeople implements People {
  constructor(private readonly db: pg.Pool) {}

  async person(id: string): Promise<Person | null> {
    const { rows } = await this.db.query<{ id: string; name: string; language: 'ru' | 'en'; telegram: string | null; email: string | null }>(
      'select * from test_people where id = $1', [id]);
    const r = rows[0];
    return r ? { id: r.id, name: r.name, language: r.language, telegramChatId: r.telegram, email: r.email } : null;
  }

  async mentorGroup(studentId: string): Promise<string | null> {
    const { rows } = await this.db.query<{ mentor_group: string | null }>('select mentor_group from test_people where id = $1', [studentId]);
    return rows[0]?.mentor_group ?? null;
  }

  async mentorsOf(groupId: string): Promise<string[]> {
    const { rows } = await this.db.query<{ mentor_id: string }>('select mentor_id from test_group_mentors where group_id = $1 order by mentor_id', [groupId]);
    return rows.map((r) => r.mentor_id);
  }
}

export interface Fixtures {
  person(p: { id: string; name?: string; language?: 'ru' | 'en'; telegram?: string | null; email?: string | null; group?: string | null }): Promise<void>;
  mentor(groupId: string, mentorId: string): Promise<void>;
  exercise(e: { id: string; guide: string; guideTitle?: string; section?: string | null; title?: string; question: string; maxPoints?: number; referenceAnswer?: string }): Promise<void>;
  answer(a: { id: string; student: string; exercise: string; answer: string; status?: AnswerStatus; workbook?: string }): Promise<void>;
}

export function fixtures(db: pg.Pool): Fixtures {
  return {
    async person(p) {
      await db.query('insert into test_people values ($1, $2, $3, $4, $5, $6)',
        [p.id, p.name ?? p.id, p.language ?? 'ru', p.telegram ?? null, p.email ?? null, p.group ?? null]);
    },
    async mentor(groupId, mentorId) {
      await db.query('insert into test_group_mentors values ($1, $2)', [groupId, mentorId]);
    },
    async exercise(e) {
      await db.query(`insert into test_exercises (id, guide, section, title, question, max_points, guide_title, reference_answer)
        values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [e.id, e.guide, e.section ?? null, e.title ?? e.id, e.question, e.maxPoints ?? 5, e.guideTitle ?? null, e.referenceAnswer ?? null]);
    },
    async answer(a) {
      await db.query('insert into test_answers (id, student, exercise, answer, status, workbook) values ($1, $2, $3, $4, $5, $6)',
        [a.id, a.student, a.exercise, a.answer, a.status ?? 'submitted', a.workbook ?? null]);
    },
  };
}
