-- Workbooks (issue 10): the workbook as its student sees it, as last read from NocoDB, so a
-- page view reads PostgreSQL instead of NocoDB's slow row API. A copy is used only while it
-- is younger than the last change that touched it (invalidated_at: our own writes, and every
-- NocoDB webhook or sweep of its answers, its row, the exercises or the guides) and at most
-- a few minutes old (what fires no webhook: deletions). NocoDB stays the record.
create table workbook_view (
  workbook_id    integer primary key,
  view           jsonb not null,
  read_at        timestamptz not null,
  invalidated_at timestamptz
);
comment on table workbook_view is
  'Workbooks: each workbook as last read from NocoDB for its student''s page (a cache; NocoDB is the record). Read-only for staff.';
