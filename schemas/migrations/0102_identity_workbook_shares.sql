-- Identity (issue 3): the password-protected NocoDB shared view of each workbook's answers
-- (extensions/identity/workbook-share.ts). The password is kept because the student gets it
-- through the service's API (GET /api/identity/workbooks/:id/share); NocoDB stores only a
-- hash. The table lives outside `public` so that the read-only attachment of the service's
-- tables to NocoDB (nocodb/service-source.ts, search path public) never shows it.
create schema if not exists identity_private;
create table identity_private.workbook_share (
  workbook_id integer primary key,
  view_id     text not null,
  share_uuid  text not null,
  url         text not null,
  password    text not null,
  -- the identity the password was handed to: a new owner gets a new password
  owner       text,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
comment on table identity_private.workbook_share is
  'Identity: NocoDB shared view (grid of Answers filtered to one workbook, password, no CSV download) per workbook, with the password given to its student.';
