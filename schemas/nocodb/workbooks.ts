import { col, defineTable } from './define.ts';

/** Students' workbooks: one per student per guide, with exercises and the student's answers. */
export const exercises = defineTable({
  key: 'exercises', title: 'Exercises', description: 'Exercises of a guide section',
  columns: {
    Title: col.text(), Question: col.longText(), ReferenceAnswer: col.longText('Shown to mentors and the checker, never to students'),
    MaxPoints: col.int(), Position: col.int(),
    Resubmit: col.bool('A student may submit again after a verdict'),
  },
  links: [{ title: 'Answers', to: 'answers', type: 'hm' }],
  hooks: ['insert', 'update'],
});

export const workbooks = defineTable({
  key: 'workbooks', title: 'Workbooks', description: 'One per student per guide',
  columns: {
    Title: col.text(), StudentIdentity: col.text('Ory identity id of the student who owns it'),
    Status: col.select(['active', 'completed', 'archived'] as const),
    ShareUrl: col.url('The student\'s shared view of their answers (set by the service)'),
  },
  links: [{ title: 'Answers', to: 'answers', type: 'hm' }],
  hooks: ['insert', 'update', 'delete'],
});

export const answers = defineTable({
  key: 'answers', title: 'Answers', description: 'A student\'s answer to an exercise, with the AI and mentor verdicts',
  columns: {
    Answer: col.longText(),
    StudentIdentity: col.text('Ory identity id of the student'),
    Status: col.select(['draft', 'submitted', 'checking', 'waiting_mentor', 'checked', 'returned'] as const),
    AIVerdict: col.longText(), AIScore: col.decimal(),
    MentorVerdict: col.longText(), MentorScore: col.decimal(),
    SubmittedAt: col.dateTime(),
    Dispute: col.longText('The student\'s objection to the verdict, from their workbook page; staff answer it in the reviewers\' queue'),
    DisputedAt: col.dateTime(),
  },
  // delete: a deleted answer's points are taken back (points), also when the webhook is lost (hooks/nocodb-sweep.ts sweepDeletions).
  hooks: ['insert', 'update', 'delete'],
});

export const workbookTables = [exercises, workbooks, answers];
