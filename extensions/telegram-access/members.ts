import type { PoolClient } from 'pg';
import type { Consumer } from '../../kernel/capability.ts';
import type { ChatMemberUpdated } from '../../schemas/events/telegram.ts';
import { inChat } from './rules.ts';

/**
 * Membership as Telegram tells it: the Bot API cannot list a chat's members, so who is in a
 * chat is what chat_member updates said since the bot became an administrator there (they are
 * sent only to administrators, and only when setWebhook's allowed_updates names chat_member).
 * An update older than the one kept (a late redelivery) changes nothing. A join by one of our
 * invite links marks that link used.
 */
export async function recordMember(tx: PoolClient, m: ChatMemberUpdated): Promise<void> {
  const at = new Date(m.date * 1000);
  const member = m.new_chat_member;
  const inside = inChat(member.status, member.is_member);
  const link = m.invite_link?.invite_link ?? null;
  await tx.query(
    `insert into telegram_access_member as t (chat_id, telegram_user_id, status, in_chat, joined_at, invite_link, changed_at)
     values ($1, $2, $3, $4, case when $4 then $5::timestamptz end, $6, $5)
     on conflict (chat_id, telegram_user_id) do update set status = excluded.status, in_chat = excluded.in_chat,
       joined_at = case when excluded.in_chat and not t.in_chat then excluded.joined_at when excluded.in_chat then t.joined_at end,
       invite_link = coalesce(excluded.invite_link, t.invite_link), changed_at = excluded.changed_at
     where t.changed_at <= excluded.changed_at`,
    [m.chat.id, member.user.id, member.status, inside, at, link]);
  if (inside && link) {
    await tx.query('update telegram_access_invite set used_at = coalesce(used_at, $2) where invite_link = $1', [link, at]);
  }
}

/** The bot's own status in a chat (my_chat_member): from when it is an administrator, members are tracked. */
export async function recordBotStatus(tx: PoolClient, m: ChatMemberUpdated): Promise<void> {
  const at = new Date(m.date * 1000);
  const admin = m.new_chat_member.status === 'administrator' || m.new_chat_member.status === 'creator';
  await tx.query(
    `insert into telegram_access_bot_chat as b (chat_id, title, status, admin_since, changed_at) values ($1, $2, $3, case when $4 then $5::timestamptz end, $5)
     on conflict (chat_id) do update set title = coalesce(excluded.title, b.title), status = excluded.status,
       admin_since = case when not $4 then null when b.admin_since is not null and b.status in ('administrator', 'creator') then b.admin_since else excluded.admin_since end,
       changed_at = excluded.changed_at
     where b.changed_at <= excluded.changed_at`,
    [m.chat.id, m.chat.title ?? null, m.new_chat_member.status, admin, at]);
}

export function membersConsumer(): Consumer {
  return {
    name: 'telegram-access.members',
    topics: ['telegram.chat_member', 'telegram.my_chat_member'],
    async handle(event, { tx }) {
      const m = event.payload as ChatMemberUpdated;
      if (event.topic === 'telegram.my_chat_member') await recordBotStatus(tx, m);
      else await recordMember(tx, m);
    },
  };
}
