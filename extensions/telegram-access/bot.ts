import { z } from 'zod';
import { botResults, type BotApi } from '../../kernel/telegram-bot.ts';

/**
 * Every Bot API call telegram-access makes, in one place (kernel/telegram-bot.ts is the
 * client). Parameter names are the ones telegram-bot-api reads (test/fixtures/telegram/methods/).
 */
export interface ChatBot {
  /** A link one person can use once, until `expireAt` (createChatInviteLink, member_limit 1). */
  createInvite(chatId: number, name: string, expireAt: Date): Promise<{ inviteLink: string }>;
  approveJoin(chatId: number, userId: number): Promise<void>;
  declineJoin(chatId: number, userId: number): Promise<void>;
  /**
   * Out of the chat, free to come back: banChatMember, then unbanChatMember with
   * only_if_banned (an unban without it would also remove a member who is not banned).
   */
  ban(chatId: number, userId: number): Promise<void>;
  unban(chatId: number, userId: number): Promise<void>;
}

export function chatBot(api: BotApi): ChatBot {
  return {
    async createInvite(chatId, name, expireAt) {
      const link = await api.call('createChatInviteLink', {
        chat_id: chatId, name, expire_date: Math.floor(expireAt.getTime() / 1000), member_limit: 1,
      }, botResults.inviteLink);
      return { inviteLink: link.invite_link };
    },
    async approveJoin(chatId, userId) { await api.call('approveChatJoinRequest', { chat_id: chatId, user_id: userId }, z.literal(true)); },
    async declineJoin(chatId, userId) { await api.call('declineChatJoinRequest', { chat_id: chatId, user_id: userId }, z.literal(true)); },
    async ban(chatId, userId) { await api.call('banChatMember', { chat_id: chatId, user_id: userId, revoke_messages: false }, z.literal(true)); },
    async unban(chatId, userId) { await api.call('unbanChatMember', { chat_id: chatId, user_id: userId, only_if_banned: true }, z.literal(true)); },
  };
}
