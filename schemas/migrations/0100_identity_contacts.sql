-- Identity (issue 3): which CRM contact and which person row in NocoDB belong to which
-- Ory identity. NocoDB stays the record (looked up by IdentityId on every delivery, so a
-- crash between a NocoDB insert and this commit cannot make a second contact); this table
-- is the fast answer for the service's API. Written only by extensions/identity.
create table identity_contact (
  identity_id uuid primary key,
  contact_id  integer not null,
  person_id   integer not null,
  source      text not null check (source in ('registration', 'settings', 'import')),
  -- updated_at of the identity whose traits were last copied: an older delivery that
  -- arrives later (a registration handled after a settings change) does not undo a newer one
  traits_at   timestamptz,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
comment on table identity_contact is
  'Identity: Ory identity id -> NocoDB Contacts row and People row. Read-only for staff; written by the identity capability from Kratos web hooks and imports.';
