-- Workbooks (issue 10): every submission of an answer, append-only, so a student's earlier
-- versions are kept when they submit again (extensions/workbooks/write.ts). The answer's
-- current text and status live in NocoDB's Answers, where staff see them.
create table workbook_submission (
  id           bigint generated always as identity primary key,
  workbook_id  integer not null,
  answer_id    integer not null,
  student_id   text not null,
  text         text not null,
  submitted_at timestamptz not null default now()
);
create index workbook_submission_answer_idx on workbook_submission (answer_id, submitted_at);
comment on table workbook_submission is 'Workbooks: each submitted version of a student''s answer, oldest first. Never changed.';
create function workbook_submission_append_only() returns trigger language plpgsql as $$
begin raise exception 'workbook_submission is append-only'; end $$;
create trigger workbook_submission_append_only before update or delete on workbook_submission
  for each row execute function workbook_submission_append_only();
