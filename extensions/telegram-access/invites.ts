import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { BotApiError } from '../../kernel/telegram-bot.ts';
import { invitesDue, saveInvite } from './access-store.ts';
import type { ChatBot } from './bot.ts';
import { inviteName } from './rules.ts';

/**
 * Makes the invite links that are due (access-store.ts invitesDue): the grant rows are the
 * outbox, so a crash between Telegram's answer and our insert loses nothing; the link made
 * then reaches nobody (single-use, it expires) and the next round makes another. A chat that
 * refuses (the bot is not an admin there, the chat is gone) is skipped for this round.
 */
export async function makeInvites(deps: { db: Pool; bot: ChatBot; log: Logger; clock: () => Date; inviteDays: number }, chatIds: number[] | null = null): Promise<{ made: number; failed: number; more: boolean }> {
  const now = deps.clock();
  const due = await invitesDue(deps.db, now, chatIds);
  const refusing = new Set<number>();
  let made = 0;
  let failed = 0;
  for (const d of due) {
    if (refusing.has(d.chatId)) continue;
    const name = inviteName(d.personId, d.chatId);
    const expiresAt = new Date(now.getTime() + deps.inviteDays * 86_400_000);
    try {
      const { inviteLink } = await deps.bot.createInvite(d.chatId, name, expiresAt);
      await saveInvite(deps.db, { ...d, inviteLink, name, expiresAt });
      made += 1;
    } catch (e) {
      failed += 1;
      if (e instanceof BotApiError && e.permanent) refusing.add(d.chatId);
      deps.log.warn({ component: 'telegram-access', chat: d.chatId, person: d.personId, err: (e as Error).message }, 'no invite link made this round');
      if (!(e instanceof BotApiError)) throw e;
    }
  }
  return { made, failed, more: due.length >= 200 && failed === 0 };
}
