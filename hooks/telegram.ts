import { createHash } from 'node:crypto';
import express, { type Router } from 'express';
import { isOwnNote, telegramUpdate, type TelegramNote } from '../schemas/events/telegram.ts';
import { unauthorized } from '../kernel/errors.ts';
import type { Inbox } from '../kernel/inbox.ts';
import { acknowledge, parseOr400, requireSecret } from './respond.ts';

/**
 * The school bot's webhook (setWebhook with secret_token): Telegram sends the secret in
 * `X-Telegram-Bot-Api-Secret-Token`. A person's own text in their private chat with the bot
 * is their note (isOwnNote says exactly which); an edit is a new version of it. Other
 * updates are kept for the record. Delivery ids are what stays the same when Telegram sends
 * an update again: the chat and message ids (and the edit's date), else the body itself;
 * never `update_id`, which Telegram may start afresh after a week without updates.
 */
export function telegramReceiver(deps: { inbox: Inbox; secret: () => string }): Router {
  const router = express.Router();
  const authenticated = requireSecret('X-Telegram-Bot-Api-Secret-Token', deps.secret, () => unauthorized('WEBHOOK_SECRET_INVALID', 'missing or wrong X-Telegram-Bot-Api-Secret-Token'));
  router.post('/', authenticated, express.json({ limit: '1mb' }), async (req, res) => {
    const update = parseOr400(telegramUpdate, req.body, 'Telegram update');
    const message = update.message ?? update.edited_message;
    if (message && isOwnNote(message)) {
      const edited = Boolean(update.edited_message);
      const note: TelegramNote = {
        update_id: update.update_id,
        note_id: `${message.chat.id}:${message.message_id}`,
        telegram_user_id: message.from.id,
        text: message.text,
        date: new Date(message.date * 1000).toISOString(),
        edited,
        ...(edited && message.edit_date !== undefined ? { edit_date: message.edit_date } : {}),
      };
      const deliveryId = `note:${note.note_id}${edited ? `:edit:${message.edit_date ?? createHash('sha256').update(message.text).digest('hex').slice(0, 16)}` : ''}`;
      acknowledge(res, await deps.inbox.accept([{ source: 'telegram', deliveryId, topic: 'telegram.note', payload: note }]));
      return;
    }
    const { update_id: _id, ...content } = req.body as Record<string, unknown>;
    const deliveryId = `update:${createHash('sha256').update(JSON.stringify(content)).digest('hex')}`;
    acknowledge(res, await deps.inbox.accept([{ source: 'telegram', deliveryId, topic: 'telegram.update', payload: update }]));
  });
  return router;
}
