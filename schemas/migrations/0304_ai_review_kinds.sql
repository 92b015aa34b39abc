-- AI check (issue 10): why a review is in a queue, and what its notices name.
--   review:  the answer waits for its mentor before the student sees a verdict (mentor-led
--            groups; any answer without an AI verdict);
--   audit:   a self-learner's verdict, released at once, that staff look at again (a sampled
--            share, and every verdict the model was not confident about);
--            (note: low_confidence or sampled);
--   dispute: a student disputes the verdict they were given (note: their reason).
alter table ai_review
  add column kind text not null default 'review' check (kind in ('review', 'audit', 'dispute')),
  add column note text;

-- A check remembers the guide's title and the workbook of the answer, for its notices' words and links.
alter table ai_check
  add column guide_title text,
  add column workbook_id text,
  add column confidence real;

create or replace view ai_review_queue as
  select r.id as review_id, r.group_id, r.status, r.created_at, c.id as check_id, c.answer_id,
         c.student_id, c.exercise_id, c.exercise_title, c.answer_text, c.reason, c.max_score,
         r.ai_verdict ->> 'verdict' as ai_verdict, (r.ai_verdict ->> 'score')::numeric as ai_score,
         r.ai_verdict ->> 'feedback' as ai_feedback, r.kind, r.note, c.guide_title, c.confidence
  from ai_review r join ai_check c on c.id = r.check_id
  where r.status = 'pending';
