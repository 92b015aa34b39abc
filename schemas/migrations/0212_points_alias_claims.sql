-- Points (issue 12): an external account is linked to a person only through a proof; what
-- a person merely says is a claim that waits. Proofs: an e-mail Kratos shows verified
-- (verified_email), a club account whose e-mail is such an address (club_email), a
-- Telegram Login Widget payload signed for our bot (telegram_login). A Telegram id typed
-- into the profile, a club user name typed at registration, an e-mail not verified yet:
-- claims, until the proof arrives. Activity of an unlinked account stays parked
-- (points_parked) and counts once the link is made.

-- How each link was proven; null: linked before issue 12, when a claim was enough.
alter table points_person_alias add column proof text
  check (proof in ('verified_email', 'club_email', 'telegram_login'));

create table points_alias_claim (
  person_id     uuid not null,
  source        text not null check (source in ('email', 'telegram', 'discourse_username')),
  external_id   text not null,
  -- where the claim was made: registration, settings (Kratos traits, the form's club user
  -- name) or telegram_login (a proof refused because the account is another person's)
  claimed_in    text not null,
  claimed_at    timestamptz not null default now(),
  -- e-mail claims are checked against Kratos, less often the longer they wait (a day at most)
  checks        integer not null default 0,
  next_check_at timestamptz not null default now(),
  checked_at    timestamptz,
  linked_at     timestamptz,
  primary key (person_id, source, external_id)
);
create index points_alias_claim_due_idx on points_alias_claim (next_check_at) where linked_at is null and source = 'email';
comment on table points_alias_claim is
  'Points: external accounts a person says are theirs, linked only once proven (linked_at). Staff see the waiting ones in identity_pending_links.';

-- A Telegram Login Widget payload links once: a second use of the same signed payload
-- (from a browser history or a leaked address, within its day) is refused.
create table points_link_proof (
  nonce     text primary key,
  person_id uuid not null,
  used_at   timestamptz not null default now()
);
comment on table points_link_proof is 'Points: signed link proofs already used (Telegram Login hashes), kept two days.';

-- What staff look at (NocoDB, "Service data (read-only)"): every link waiting for its proof,
-- the points capability's claims and the identity capability's import grants
-- (identity_pending_grant) together. waiting_for: email_verification (the person confirms
-- their address: /auth/verification), telegram_login (the person signs in with Telegram on
-- /account/telegram), club_email_verification (the club account's e-mail must be the
-- person's verified address). linked_to_another_person: the account is already someone
-- else's link; the claim stays until staff sort it out.
create view identity_pending_links as
select c.person_id as identity_id, p.display_name,
  case c.source when 'discourse_username' then 'club_user_name' else c.source end as kind,
  c.external_id as value,
  case c.source when 'email' then 'email_verification' when 'telegram' then 'telegram_login' else 'club_email_verification' end as waiting_for,
  coalesce(a.person_id <> c.person_id, false) as linked_to_another_person,
  c.claimed_in, c.claimed_at as since, c.checked_at
from points_alias_claim c
left join points_person p on p.person_id = c.person_id
left join points_person_alias a on a.source = c.source and a.external_id = c.external_id
where c.linked_at is null
union all
select g.identity_id, g.line->>'name', 'group_from_import', g.email || coalesce(' → ' || g.group_title, ''),
  'email_verification', false, 'import', g.created_at, g.checked_at
from identity_pending_grant g
where g.granted_at is null;
comment on view identity_pending_links is
  'Links waiting for a proof: e-mails not verified yet, Telegram ids typed into a profile, club user names, imported students'' groups. Read-only.';
