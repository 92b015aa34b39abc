-- Autoposts (issue 14 §5): staff's scheduled posts to Telegram groups (NocoDB "Autoposts",
-- mirrored here), and one delivery per post and chat: the idempotency key of a send is
-- (post_id, chat), so a post reaches each chat at most once whatever is repeated or restarted.

create table autopost (
  id             integer primary key,              -- the NocoDB Autoposts row
  title          text,
  send_at        timestamptz,
  cancelled      boolean not null default false,
  deleted        boolean not null default false,
  -- scheduled: waiting for send_at; sending: expanded to deliveries; done: none left to send;
  -- failed: nothing sent, and why (no template, an unknown placeholder, no chat, too late).
  state          text not null default 'scheduled' check (state in ('scheduled', 'sending', 'done', 'failed')),
  reason         text,
  -- Targets that resolved to no chat (a group without TelegramChatId), named for staff.
  no_chat        text[] not null default '{}',
  started_at     timestamptz,
  finished_at    timestamptz,
  -- What the NocoDB row's Status should say, and what was last written there.
  status_text    text,
  status_written text,
  updated_at     timestamptz not null default now()
);
create index autopost_due_idx on autopost (send_at) where state = 'scheduled' and not cancelled and not deleted;
create index autopost_status_idx on autopost (id) where status_text is distinct from status_written;

create table autopost_delivery (
  id              bigserial primary key,
  post_id         integer not null references autopost(id),
  chat            text not null,                   -- a chat id (-100...) or @name, as staff gave it
  target          text not null,                   -- which target named it, for staff
  body            text not null,                   -- the text rendered for this chat when sending began
  -- pending: to send at next_attempt_at; sending: handed to Telegram, no answer recorded yet;
  -- sent; failed: refused (400, 403) or out of attempts, with the error; unknown: the
  -- answer was lost (a crash, a timeout after the request left) and it is not sent again;
  -- cancelled: the post was cancelled or deleted before this chat's turn.
  status          text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'failed', 'unknown', 'cancelled')),
  attempts        integer not null default 0,
  next_attempt_at timestamptz not null,
  attempted_at    timestamptz,                     -- the last time a request left for Telegram
  lease_until     timestamptz,
  message_id      bigint,
  error           text,
  sent_at         timestamptz,
  created_at      timestamptz not null default now(),
  constraint autopost_delivery_once unique (post_id, chat)
);
create index autopost_delivery_due_idx on autopost_delivery (next_attempt_at) where status = 'pending';
create index autopost_delivery_sending_idx on autopost_delivery (lease_until) where status = 'sending';
-- The limiter's memory: what was sent to whom in the last minute.
create index autopost_delivery_recent_idx on autopost_delivery (attempted_at) where attempted_at is not null;
create index autopost_delivery_post_idx on autopost_delivery (post_id, status);
create index autopost_delivery_chat_idx on autopost_delivery (chat) where status = 'pending';

-- What staff see in NocoDB ("Service data (read-only)"): each post's outcome per chat.
create view autopost_deliveries as
  select d.id, d.post_id, p.title as post, d.chat, d.target, d.status, d.message_id, d.error,
         d.attempts, d.attempted_at, d.sent_at, d.body as text
  from autopost_delivery d join autopost p on p.id = d.post_id;
