-- Points: ambassadors' referral codes and links, the group membership mirror used by
-- group ratings, and the analytics forwarding cursor.

create table points_referral_code (
  code       text primary key,
  person_id  uuid not null unique,
  created_at timestamptz not null default now()
);
comment on table points_referral_code is 'Points: the referral code of each ambassador. Read-only for staff.';

create table points_referral (
  person_id     uuid primary key,
  ambassador_id uuid not null,
  code          text not null,
  linked_at     timestamptz not null default now(),
  constraint points_referral_not_self check (person_id <> ambassador_id)
);
create index points_referral_ambassador_idx on points_referral (ambassador_id);
comment on table points_referral is
  'Points: who registered with whose referral code; the ambassador receives the rule''s share of the person''s points. Read-only for staff.';

create table points_group_member (
  nocodb_id  integer primary key,
  group_id   text not null,
  person_id  uuid not null,
  deleted    boolean not null default false,
  updated_at timestamptz not null default now()
);
create index points_group_member_group_idx on points_group_member (group_id) where not deleted;
comment on table points_group_member is
  'Points: mirror of NocoDB group_members (rows keep a deleted mark, NocoDB ids are not reused), for group ratings. Read-only for staff.';

create table points_analytics_cursor (
  name         text primary key,
  last_line_id bigint not null default 0,
  updated_at   timestamptz not null default now()
);
comment on table points_analytics_cursor is 'Points: how far ledger lines were forwarded to PostHog.';
