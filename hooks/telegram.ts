import express, { type Router } from 'express';
import { telegramUpdate, type TelegramNote } from '../schemas/events/telegram.ts';
import { unauthorized } from '../kernel/errors.ts';
import type { Inbox } from '../kernel/inbox.ts';
import { acknowledge, header, parseOr400 } from './respond.ts';
import { safeEqual } from './signature.ts';

/**
 * The school bot's webhook (setWebhook with secret_token): Telegram sends the secret in
 * `X-Telegram-Bot-Api-Secret-Token`. A text message to the bot is a student's note; an
 * edit is a new version of it. Other updates are kept for the record.
 */
export function telegramReceiver(deps: { inbox: Inbox; secret: () => string }): Router {
  const router = express.Router();
  router.post('/', express.json({ limit: '1mb' }), async (req, res) => {
    const given = header(req, 'X-Telegram-Bot-Api-Secret-Token');
    if (!given || !safeEqual(given, deps.secret())) throw unauthorized('WEBHOOK_SECRET_INVALID', 'missing or wrong X-Telegram-Bot-Api-Secret-Token');
    const update = parseOr400(telegramUpdate, req.body, 'Telegram update');
    const message = update.message ?? update.edited_message;
    if (message?.text && message.from) {
      const note: TelegramNote = {
        update_id: update.update_id,
        note_id: `${message.chat.id}:${message.message_id}`,
        telegram_user_id: message.from.id,
        text: message.text,
        date: new Date(message.date * 1000).toISOString(),
        edited: Boolean(update.edited_message),
      };
      acknowledge(res, await deps.inbox.accept([{ source: 'telegram', deliveryId: String(update.update_id), topic: 'telegram.note', payload: note }]));
      return;
    }
    acknowledge(res, await deps.inbox.accept([{ source: 'telegram', deliveryId: String(update.update_id), topic: 'telegram.update', payload: update }]));
  });
  return router;
}
