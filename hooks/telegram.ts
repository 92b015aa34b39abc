import { createHash } from 'node:crypto';
import express, { type Router } from 'express';
import { buyCommandOf, chatJoinRequest, chatMemberUpdated, isOwnNote, preCheckoutQuery, successfulPaymentMessage, telegramUpdate, type TelegramNote } from '../schemas/events/telegram.ts';
import { unauthorized } from '../kernel/errors.ts';
import type { Inbox } from '../kernel/inbox.ts';
import { acknowledge, parseOr400, requireSecret } from './respond.ts';

/**
 * The school bot's webhook (setWebhook with secret_token): Telegram sends the secret in
 * `X-Telegram-Bot-Api-Secret-Token`. A person's own text in their private chat with the bot
 * is their note (isOwnNote says exactly which); an edit is a new version of it. Other
 * updates go by kind to their own topics (a payment, a pre-checkout query, a buy command, a
 * member's change, a join request), the rest is kept for the record. Delivery ids are what stays the same
 * when Telegram sends an update again: the chat and message ids (and the edit's date), the
 * query's or the charge's id, else the body itself; never `update_id`, which Telegram may
 * start afresh after a week without updates.
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
    const routed = routedUpdate(update);
    if (routed) {
      acknowledge(res, await deps.inbox.accept([{ source: 'telegram', ...routed }]));
      return;
    }
    const { update_id: _id, ...content } = req.body as Record<string, unknown>;
    const deliveryId = `update:${createHash('sha256').update(JSON.stringify(content)).digest('hex')}`;
    acknowledge(res, await deps.inbox.accept([{ source: 'telegram', deliveryId, topic: 'telegram.update', payload: update }]));
  });
  return router;
}

/** An update of a kind a capability takes: its topic, its delivery id and its validated part. */
function routedUpdate(update: ReturnType<typeof telegramUpdate.parse>): { deliveryId: string; topic: string; payload: unknown } | null {
  if (update.pre_checkout_query !== undefined) {
    const q = parseOr400(preCheckoutQuery, update.pre_checkout_query, 'Telegram pre_checkout_query');
    return { deliveryId: `pre_checkout:${q.id}`, topic: 'telegram.pre_checkout_query', payload: q };
  }
  const paid = update.message && 'successful_payment' in update.message ? parseOr400(successfulPaymentMessage, update.message, 'Telegram successful_payment message') : null;
  if (paid) return { deliveryId: `payment:${paid.successful_payment.telegram_payment_charge_id}`, topic: 'telegram.successful_payment', payload: paid };
  const buy = update.message ? buyCommandOf(update.message) : null;
  if (buy) return { deliveryId: `buy:${buy.chat_id}:${buy.message_id}`, topic: 'telegram.buy_command', payload: buy };
  for (const kind of ['chat_member', 'my_chat_member'] as const) {
    if (update[kind] === undefined) continue;
    const m = parseOr400(chatMemberUpdated, update[kind], `Telegram ${kind}`);
    return {
      deliveryId: `${kind}:${m.chat.id}:${m.new_chat_member.user.id}:${m.date}:${m.old_chat_member.status}>${m.new_chat_member.status}`,
      topic: `telegram.${kind}`, payload: m,
    };
  }
  if (update.chat_join_request !== undefined) {
    const j = parseOr400(chatJoinRequest, update.chat_join_request, 'Telegram chat_join_request');
    return { deliveryId: `join_request:${j.chat.id}:${j.from.id}:${j.date}`, topic: 'telegram.chat_join_request', payload: j };
  }
  return null;
}
