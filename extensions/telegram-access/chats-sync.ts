import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { inTransaction } from '../../kernel/db.ts';
import type { NocoRows, Row } from '../../nocodb/client.ts';
import type { NocoLinks } from '../../nocodb/links.ts';

/**
 * Which chats open to whom and who is a volunteer, as staff keep them in NocoDB, mirrored into
 * telegram_access_chat, _chat_group and _volunteer every pass (tens of rows; links fire no
 * webhook, so the whole of it is read). NocoDB is read first; the mirror is one transaction, so
 * a failed read leaves the last mirror as it was.
 */
const PAGE = 1000;

async function listAll(nocodb: NocoRows, key: string, fields: string): Promise<Row[]> {
  const out: Row[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await nocodb.list(key, { limit: PAGE, offset, fields });
    out.push(...page);
    if (page.length < PAGE) return out;
  }
}

/** A chat as the Bot API names it in updates: its numeric id. An @name cannot be matched to members. */
export function chatIdOf(cell: unknown): number | null {
  const v = typeof cell === 'string' ? cell.trim() : typeof cell === 'number' ? String(cell) : '';
  return /^-?\d{1,15}$/.test(v) ? Number(v) : null;
}

const fk = (v: unknown) => (v === null || v === undefined || v === '' ? null : Number(v));

export interface ChatRule { chatId: number; productId: number; groupId: number }
export interface Volunteer { rowId: number; personId: string; chatId: number | null; reason: string; until: string | null }

export async function readChats(deps: { nocodb: NocoRows; log: Logger }): Promise<{ rules: ChatRule[]; groups: { chatId: number; groupId: number }[] }> {
  const [products, plans, groups] = await Promise.all([
    listAll(deps.nocodb, 'products', 'Id,TelegramChat'),
    listAll(deps.nocodb, 'plans', 'Id,products_id'),
    listAll(deps.nocodb, 'groups', 'Id,TelegramChatId,plans_id'),
  ]);
  const productOfPlan = new Map(plans.map((p) => [Number(p.Id), fk(p.products_id)]));
  const rules: ChatRule[] = [];
  const chatGroups: { chatId: number; groupId: number }[] = [];
  const unusable = (table: string, id: unknown, cell: unknown) => deps.log.warn({ component: 'telegram-access', table, row: id, chat: cell }, 'a Telegram chat that is not a numeric chat id (e.g. -1002345678901): its members cannot be tracked, it is left out');
  const groupsOfProduct = new Map<number, number[]>();
  for (const g of groups) {
    const productId = fk(g.plans_id) === null ? null : productOfPlan.get(Number(g.plans_id)) ?? null;
    if (productId !== null) groupsOfProduct.set(productId, [...(groupsOfProduct.get(productId) ?? []), Number(g.Id)]);
    if (!g.TelegramChatId) continue;
    const chatId = chatIdOf(g.TelegramChatId);
    if (chatId === null) { unusable('groups', g.Id, g.TelegramChatId); continue; }
    chatGroups.push({ chatId, groupId: Number(g.Id) });
    // A group without a plan opens its chat to nobody: nobody is invited, nobody removed.
    if (productId !== null) rules.push({ chatId, productId, groupId: Number(g.Id) });
  }
  for (const p of products) {
    if (!p.TelegramChat) continue;
    const chatId = chatIdOf(p.TelegramChat);
    if (chatId === null) { unusable('products', p.Id, p.TelegramChat); continue; }
    rules.push({ chatId, productId: Number(p.Id), groupId: 0 });
    for (const groupId of groupsOfProduct.get(Number(p.Id)) ?? []) chatGroups.push({ chatId, groupId });
  }
  return { rules, groups: chatGroups };
}

export async function readVolunteers(deps: { nocodb: NocoRows; links: NocoLinks }): Promise<Volunteer[]> {
  const rows = await listAll(deps.nocodb, 'telegram_volunteers', 'Id,TelegramChat,Reason,Until');
  const out: Volunteer[] = [];
  for (const r of rows) {
    const reason = typeof r.Reason === 'string' ? r.Reason.trim() : '';
    if (!reason) continue;
    const chatId = r.TelegramChat ? chatIdOf(r.TelegramChat) : null;
    if (r.TelegramChat && chatId === null) continue;
    const people = await deps.links.list('telegram_volunteers', 'Person', Number(r.Id), ['Id', 'IdentityId']);
    for (const p of people) {
      if (typeof p.IdentityId !== 'string' || !p.IdentityId) continue;
      out.push({ rowId: Number(r.Id), personId: p.IdentityId.toLowerCase(), chatId, reason, until: typeof r.Until === 'string' && r.Until ? r.Until.slice(0, 10) : null });
    }
  }
  return out;
}

export async function resyncChats(deps: { db: Pool; nocodb: NocoRows; links: NocoLinks; log: Logger }): Promise<{ chats: number; volunteers: number }> {
  const [{ rules, groups }, volunteers] = await Promise.all([readChats(deps), readVolunteers(deps)]);
  await inTransaction(deps.db, async (tx) => {
    await tx.query('delete from telegram_access_chat');
    await tx.query(`insert into telegram_access_chat (chat_id, product_id, group_id)
      select * from unnest($1::bigint[], $2::int[], $3::int[]) on conflict do nothing`,
    [rules.map((r) => r.chatId), rules.map((r) => r.productId), rules.map((r) => r.groupId)]);
    await tx.query('delete from telegram_access_chat_group');
    await tx.query(`insert into telegram_access_chat_group (chat_id, group_id)
      select * from unnest($1::bigint[], $2::int[]) on conflict do nothing`, [groups.map((g) => g.chatId), groups.map((g) => g.groupId)]);
    await tx.query('delete from telegram_access_volunteer');
    await tx.query(`insert into telegram_access_volunteer (row_id, person_id, chat_id, reason, until)
      select * from unnest($1::int[], $2::text[], $3::bigint[], $4::text[], $5::date[]) on conflict do nothing`,
    [volunteers.map((v) => v.rowId), volunteers.map((v) => v.personId), volunteers.map((v) => v.chatId), volunteers.map((v) => v.reason), volunteers.map((v) => v.until)]);
  });
  return { chats: new Set(rules.map((r) => r.chatId)).size, volunteers: volunteers.length };
}
