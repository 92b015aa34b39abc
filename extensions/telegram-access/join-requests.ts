import type { PoolClient } from 'pg';
import type { Consumer } from '../../kernel/capability.ts';
import { BotApiError } from '../../kernel/telegram-bot.ts';
import type { ChatJoinRequest } from '../../schemas/events/telegram.ts';
import type { ChatBot } from './bot.ts';

/**
 * A request to join a school chat (a link with creates_join_request): the bot approves a
 * person who may be there today (a proven Telegram link and a product that opens the chat)
 * and declines anyone else. Chats no product or group opens are not ours to answer. The answer
 * is recorded in the consumer's transaction; a retry after Telegram took the answer gets a 400
 * (the request is gone), which is taken as answered.
 */
export async function answerJoinRequest(tx: PoolClient, bot: ChatBot, j: ChatJoinRequest): Promise<'approved' | 'declined' | 'not ours'> {
  const managed = (await tx.query('select 1 from telegram_access_chat where chat_id = $1 limit 1', [j.chat.id])).rowCount;
  if (!managed) return 'not ours';
  const { rows } = await tx.query<{ person_id: string; entitled: boolean }>(
    `select l.person_id, exists (select 1 from telegram_access_entitled e where e.chat_id = $1 and e.person_id = l.person_id) as entitled
     from telegram_access_link l where l.telegram_user_id = $2`, [j.chat.id, j.from.id]);
  const person = rows.find((r) => r.entitled) ?? rows[0];
  const approve = Boolean(person?.entitled);
  const reason = approve ? 'holds a product that opens this chat'
    : person ? 'holds nothing that opens this chat today' : 'no proven Telegram link to a person of the school';
  try {
    if (approve) await bot.approveJoin(j.chat.id, j.from.id);
    else await bot.declineJoin(j.chat.id, j.from.id);
  } catch (e) {
    if (!(e instanceof BotApiError && e.code === 400)) throw e;
  }
  await tx.query(`insert into telegram_access_join_request (chat_id, telegram_user_id, requested_at, person_id, decision, reason)
    values ($1, $2, $3, $4, $5, $6) on conflict do nothing`,
  [j.chat.id, j.from.id, new Date(j.date * 1000), person?.person_id ?? null, approve ? 'approved' : 'declined', reason]);
  return approve ? 'approved' : 'declined';
}

export function joinRequestsConsumer(bot: ChatBot): Consumer {
  return {
    name: 'telegram-access.join-requests',
    topics: ['telegram.chat_join_request'],
    callsOut: true,
    async handle(event, { tx }) { await answerJoinRequest(tx, bot, event.payload as ChatJoinRequest); },
  };
}
