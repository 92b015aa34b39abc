-- Identity (issue 12): a CSV import line whose e-mail belongs to an identity someone else
-- registered, and whose owner has not verified it yet. Whoever registers an address first
-- must not get that student's group (and through it the workbooks): the grant waits here
-- until Kratos shows the address verified (reconciliation checks), then the import's own
-- step runs for it. Written only by extensions/identity; staff see it in identity_pending_links.
create table identity_pending_grant (
  identity_id uuid not null,
  email       text not null,
  -- the import line as it was read (schemas/events/identity.ts importLine)
  line        jsonb not null,
  group_id    integer,
  group_title text,
  created_at  timestamptz not null default now(),
  checked_at  timestamptz,
  granted_at  timestamptz,
  last_error  text,
  primary key (identity_id, email)
);
create index identity_pending_grant_waiting_idx on identity_pending_grant (checked_at nulls first) where granted_at is null;
comment on table identity_pending_grant is
  'Identity: imported students whose e-mail is an identity''s unverified address; the group is given once the address is verified. Read-only for staff.';
