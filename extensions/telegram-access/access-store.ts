import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../kernel/db.ts';

/**
 * Who may be in which chat (telegram_access_entitled, over billing_entitlement) recorded per
 * person and chat in telegram_access_grant, with when it ended; and the invite links made.
 */
type Q = Pick<PoolClient, 'query'>;

/**
 * Brings telegram_access_grant in line with who is entitled now, for these chats (all: null).
 * A person entitled again starts afresh; one no longer entitled gets lapsed_at = now.
 */
export async function refreshGrants(q: Q, chatIds: number[] | null, now: Date): Promise<{ entitled: number; lapsed: number }> {
  const all = chatIds === null;
  const { rows } = await q.query<{ entitled: number; lapsed: number }>(
    `with current as materialized (
       select chat_id, person_id from telegram_access_entitled where $1 or chat_id = any($2::bigint[])
     ), entitled as (
       insert into telegram_access_grant as g (chat_id, person_id, entitled, since)
       select c.chat_id, c.person_id, true, $3 from current c
       -- only what changed: a conflicting row is locked even when the update's condition fails
       where not exists (select 1 from telegram_access_grant x where x.chat_id = c.chat_id and x.person_id = c.person_id and x.entitled)
       on conflict (chat_id, person_id) do update set entitled = true, since = excluded.since, lapsed_at = null where not g.entitled
       returning 1
     ), lapsed as (
       update telegram_access_grant g set entitled = false, lapsed_at = $3
       where g.entitled and ($1 or g.chat_id = any($2::bigint[]))
         and not exists (select 1 from current c where c.chat_id = g.chat_id and c.person_id = g.person_id)
       returning 1
     )
     select (select count(*) from entitled)::int as entitled, (select count(*) from lapsed)::int as lapsed`,
    [all, chatIds ?? [], now]);
  return rows[0]!;
}

/** Reads billing_entitlement_change past our cursor and refreshes the chats those products open; the cursor moves in the same transaction. */
export async function takeEntitlementChanges(db: Pool, now: Date, batch = 500): Promise<{ chats: number[]; more: boolean }> {
  return inTransaction(db, async (tx) => {
    const cursor = (await tx.query<{ last_id: string }>('select last_id from telegram_access_cursor for update')).rows[0]?.last_id ?? '0';
    const { rows } = await tx.query<{ id: string; product_id: number }>(
      'select id, product_id from billing_entitlement_change where id > $1 order by id limit $2', [cursor, batch]);
    if (rows.length === 0) return { chats: [], more: false };
    const chats = (await tx.query<{ chat_id: string }>('select distinct chat_id from telegram_access_chat where product_id = any($1::int[])',
      [[...new Set(rows.map((r) => r.product_id))]])).rows.map((r) => Number(r.chat_id));
    if (chats.length) await refreshGrants(tx, chats, now);
    await tx.query('update telegram_access_cursor set last_id = $1, updated_at = now()', [rows.at(-1)!.id]);
    return { chats, more: rows.length === batch };
  });
}

export interface InviteDue { chatId: number; personId: string }

/**
 * Entitled people with a proven Telegram link who are not in the chat and hold no live invite
 * (unused, not revoked, good for at least another hour): each gets one.
 */
export async function invitesDue(q: Q, now: Date, chatIds: number[] | null, limit = 200): Promise<InviteDue[]> {
  const { rows } = await q.query<{ chat_id: string; person_id: string }>(
    `select g.chat_id, g.person_id from telegram_access_grant g
     join telegram_access_link l on l.person_id = g.person_id
     where g.entitled and ($1 or g.chat_id = any($2::bigint[]))
       and not exists (select 1 from telegram_access_member m where m.chat_id = g.chat_id and m.telegram_user_id = l.telegram_user_id and m.in_chat)
       and not exists (select 1 from telegram_access_invite i where i.chat_id = g.chat_id and i.person_id = g.person_id
                        and i.used_at is null and i.revoked_at is null and i.expires_at > $3::timestamptz + interval '1 hour')
     order by g.since, g.chat_id limit $4`,
    [chatIds === null, chatIds ?? [], now, limit]);
  return rows.map((r) => ({ chatId: Number(r.chat_id), personId: r.person_id }));
}

export async function saveInvite(q: Q, i: { chatId: number; personId: string; inviteLink: string; name: string; expiresAt: Date }): Promise<void> {
  await q.query(`insert into telegram_access_invite (chat_id, person_id, invite_link, name, expires_at) values ($1, $2, $3, $4, $5)
    on conflict (invite_link) do nothing`, [i.chatId, i.personId, i.inviteLink, i.name, i.expiresAt]);
}

export interface InviteLink { chatId: number; title: string | null; inviteLink: string; expiresAt: string; productIds: number[] }

/** The person's live invite links (not used, not expired), for every chat or those one product opens. */
export async function inviteLinksOf(q: Q, personId: string, productId: number | null, now: Date): Promise<InviteLink[]> {
  const { rows } = await q.query<{ chat_id: string; title: string | null; invite_link: string; expires_at: Date; products: number[] }>(
    `select i.chat_id, (select b.title from telegram_access_bot_chat b where b.chat_id = i.chat_id) as title, i.invite_link, i.expires_at,
       array(select distinct c.product_id from telegram_access_chat c where c.chat_id = i.chat_id order by 1) as products
     from telegram_access_invite i
     where i.person_id = $1 and i.used_at is null and i.revoked_at is null and i.expires_at > $3
       and ($2::int is null or exists (select 1 from telegram_access_chat c where c.chat_id = i.chat_id and c.product_id = $2))
       and exists (select 1 from telegram_access_grant g where g.chat_id = i.chat_id and g.person_id = i.person_id and g.entitled)
     order by i.chat_id, i.created_at desc`,
    [personId.toLowerCase(), productId, now]);
  const seen = new Set<number>();
  return rows.filter((r) => !seen.has(Number(r.chat_id)) && seen.add(Number(r.chat_id)))
    .map((r) => ({ chatId: Number(r.chat_id), title: r.title, inviteLink: r.invite_link, expiresAt: r.expires_at.toISOString(), productIds: r.products }));
}
