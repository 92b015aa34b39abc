-- Telegram access (issue 14, item 4): who may be in which school chat, the single-use invite
-- links the bot made for them, who is in each chat as chat_member updates said, and each
-- removal pass (its dry run and what became of each person). Written only by
-- extensions/telegram-access; the staff views at the end are shown in NocoDB.

-- A person's Telegram account, proven (the Login Widget's signature, issue 12). Points owns the
-- links; this view is the contract telegram-access reads them through (links without a proof,
-- made before issue 12, open no chat).
create view telegram_access_link as
  select person_id::text as person_id, external_id::bigint as telegram_user_id
  from points_person_alias
  where source = 'telegram' and proof = 'telegram_login' and external_id ~ '^[0-9]{1,15}$';

-- Which chats open to whom, as staff linked them in NocoDB (read again every pass): a product's
-- chat (Products.TelegramChat, group_id 0) opens to its holders; a group's chat
-- (Groups.TelegramChatId, the group linked to a plan in Plans.Groups) to the group's members
-- who hold that plan's product.
create table telegram_access_chat (
  chat_id    bigint not null,
  product_id integer not null,
  group_id   integer not null default 0,
  updated_at timestamptz not null default now(),
  primary key (chat_id, product_id, group_id)
);

-- The groups whose mentors are never removed from a chat: its own group, or for a product's chat
-- the groups of the product's plans.
create table telegram_access_chat_group (
  chat_id  bigint not null,
  group_id integer not null,
  primary key (chat_id, group_id)
);

-- Volunteers staff keep in NocoDB (Telegram volunteers), as last read: never removed.
create table telegram_access_volunteer (
  row_id    integer not null,                 -- NocoDB Telegram volunteers.Id
  person_id text not null,                    -- the linked person's Kratos identity
  chat_id   bigint,                           -- null: every school chat
  reason    text not null,
  until     date,                             -- null: no end
  primary key (row_id, person_id)
);

-- Who may be in each chat today: the product's holders (billing_entitlement), for a group's chat
-- only those who are also its members (identity_group_member).
create view telegram_access_entitled as
  select distinct c.chat_id, e.person_id
  from telegram_access_chat c
  join billing_entitlement e on e.product_id = c.product_id
  where c.group_id = 0
     or exists (select 1 from identity_group_member m where m.group_row_id = c.group_id and m.identity_id::text = e.person_id);

-- Each (chat, person) that has been entitled: since when, and when it ended (the grace period
-- runs from lapsed_at).
create table telegram_access_grant (
  chat_id   bigint not null,
  person_id text not null,
  entitled  boolean not null,
  since     timestamptz not null,
  lapsed_at timestamptz,
  primary key (chat_id, person_id)
);
create index telegram_access_grant_person on telegram_access_grant (person_id);

-- Single-use invite links (createChatInviteLink, member_limit 1, an expiry), one live per
-- person and chat; used when the person's chat_member join names it.
create table telegram_access_invite (
  id          bigserial primary key,
  chat_id     bigint not null,
  person_id   text not null,
  invite_link text not null unique,
  name        text not null,
  expires_at  timestamptz not null,
  created_at  timestamptz not null default now(),
  used_at     timestamptz,
  revoked_at  timestamptz
);
create index telegram_access_invite_person on telegram_access_invite (person_id, chat_id);

-- The bot's own status in each chat (my_chat_member): members are known from the moment it is an administrator.
create table telegram_access_bot_chat (
  chat_id     bigint primary key,
  title       text,
  status      text not null,
  admin_since timestamptz,
  changed_at  timestamptz not null
);

-- Members as chat_member updates said (the Bot API cannot list them). changed_at is the update's
-- date: an older update arriving late changes nothing.
create table telegram_access_member (
  chat_id          bigint not null,
  telegram_user_id bigint not null,
  status           text not null,
  in_chat          boolean not null,
  joined_at        timestamptz,
  invite_link      text,
  changed_at       timestamptz not null,
  primary key (chat_id, telegram_user_id)
);
create index telegram_access_member_in on telegram_access_member (chat_id) where in_chat;

-- Join requests and the bot's answer.
create table telegram_access_join_request (
  chat_id          bigint not null,
  telegram_user_id bigint not null,
  requested_at     timestamptz not null,
  person_id        text,
  decision         text not null check (decision in ('approved', 'declined')),
  reason           text not null,
  answered_at      timestamptz not null default now(),
  primary key (chat_id, telegram_user_id, requested_at)
);

-- A removal pass: the dry run lists every tracked member who holds nothing that opens the chat,
-- with what is decided for each; removals then happen (automatically when TELEGRAM_REMOVALS=on)
-- for those past the grace period, each re-checked right before.
create table telegram_access_removal_run (
  id          bigserial primary key,
  listed_at   timestamptz not null,
  mode        text not null check (mode in ('dry-run', 'on')),
  grace_days  integer not null,
  finished_at timestamptz
);

create table telegram_access_removal (
  run_id           bigint not null references telegram_access_removal_run(id),
  chat_id          bigint not null,
  telegram_user_id bigint not null,
  person_id        text,
  decision         text not null check (decision in ('remove', 'spared', 'unknown')),
  reason           text not null,
  removable_from   timestamptz,
  -- null: listed only; 'banned' (unban pending), 'removed', 'kept: ...', 'failed: ...'
  outcome          text,
  done_at          timestamptz,
  primary key (run_id, chat_id, telegram_user_id)
);
create index telegram_access_removal_open on telegram_access_removal (run_id) where decision = 'remove' and (outcome is null or outcome = 'banned');

-- Staff views (NocoDB "Service data (read-only)").
create view telegram_access_removals as
  select r.run_id, u.listed_at, u.mode, r.chat_id, r.telegram_user_id, r.person_id, r.decision, r.reason,
    r.removable_from, coalesce(r.outcome, case when r.decision = 'remove' then 'listed: to be removed' else 'listed only' end) as outcome, r.done_at
  from telegram_access_removal r join telegram_access_removal_run u on u.id = r.run_id;
comment on view telegram_access_removals is 'Telegram: each removal pass (latest run_id first): who would be removed from which chat and why, who is spared and why, and what was done (removed, kept because they pay again, failed).';

create view telegram_access_members as
  select m.chat_id, m.telegram_user_id, l.person_id, m.status, m.in_chat, m.joined_at, m.changed_at,
    exists (select 1 from telegram_access_entitled e where e.chat_id = m.chat_id and e.person_id = l.person_id) as entitled
  from telegram_access_member m left join telegram_access_link l on l.telegram_user_id = m.telegram_user_id;
comment on view telegram_access_members is 'Telegram: members of each chat as tracked from chat_member updates (since the bot became an administrator), with their person and whether they may be there today.';

create view telegram_access_invites as
  select i.chat_id, i.person_id, i.name, i.expires_at, i.created_at, i.used_at, i.revoked_at
  from telegram_access_invite i;
comment on view telegram_access_invites is 'Telegram: single-use invite links made for entitled people (the link itself is not shown), used or not.';

create view telegram_access_join_requests as select * from telegram_access_join_request;
comment on view telegram_access_join_requests is 'Telegram: join requests and the bot''s answer (approved: entitled; declined: why).';

-- How far telegram-access has read billing_entitlement_change (as identity does with its own).
create table telegram_access_cursor (
  id         boolean primary key default true check (id),
  last_id    bigint not null default 0,
  updated_at timestamptz not null default now()
);
insert into telegram_access_cursor default values;
