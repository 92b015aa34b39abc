import { z } from 'zod';

/** The part of a Telegram Bot API `Update` we use (https://core.telegram.org/bots/api#update). */
const user = z.looseObject({ id: z.number().int(), is_bot: z.boolean().optional(), username: z.string().optional(), language_code: z.string().optional() });
const chat = z.looseObject({ id: z.number().int(), type: z.string() });
const message = z.looseObject({
  message_id: z.number().int(),
  from: user.optional(),
  /** Set when a chat speaks, not a person: an anonymous group admin, a channel. */
  sender_chat: z.looseObject({ id: z.number().int() }).optional(),
  chat,
  date: z.number().int(),
  edit_date: z.number().int().optional(),
  text: z.string().optional(),
  entities: z.array(z.looseObject({ type: z.string(), offset: z.number().int(), length: z.number().int() })).optional(),
  is_automatic_forward: z.boolean().optional(),
  forward_origin: z.unknown().optional(),
  forward_from: z.unknown().optional(),
  forward_from_chat: z.unknown().optional(),
  forward_sender_name: z.string().optional(),
  forward_date: z.number().int().optional(),
});
export type TelegramMessage = z.infer<typeof message>;

/** ChatMember (its status and user; restricted members may be in or out: is_member). */
const chatMember = z.looseObject({
  user,
  status: z.enum(['creator', 'administrator', 'member', 'restricted', 'left', 'kicked']),
  is_member: z.boolean().optional(),
  until_date: z.number().int().optional(),
});
const inviteLink = z.looseObject({ invite_link: z.string(), name: z.string().optional(), creator: user.optional(), creates_join_request: z.boolean().optional() });

/** `chat_member` / `my_chat_member`: ChatMemberUpdated (telegram-bot-api Client.cpp:5259-5286). */
export const chatMemberUpdated = z.looseObject({
  chat: chat.extend({ title: z.string().optional() }),
  from: user,
  date: z.number().int(),
  old_chat_member: chatMember,
  new_chat_member: chatMember,
  invite_link: inviteLink.optional(),
  via_join_request: z.boolean().optional(),
  via_chat_folder_invite_link: z.boolean().optional(),
});
export type ChatMemberUpdated = z.infer<typeof chatMemberUpdated>;

/** `chat_join_request` (Client.cpp:5288-5310): answered with approveChatJoinRequest or declineChatJoinRequest. */
export const chatJoinRequest = z.looseObject({
  chat: chat.extend({ title: z.string().optional() }),
  from: user,
  user_chat_id: z.number().int(),
  date: z.number().int(),
  bio: z.string().optional(),
  invite_link: inviteLink.optional(),
});
export type ChatJoinRequest = z.infer<typeof chatJoinRequest>;

/** `pre_checkout_query` (Client.cpp:4969-4998): must be answered with answerPreCheckoutQuery within 10 s. */
export const preCheckoutQuery = z.looseObject({
  id: z.string().min(1),
  from: user,
  currency: z.string().length(3),
  total_amount: z.number().int().positive(),
  invoice_payload: z.string(),
  shipping_option_id: z.string().optional(),
  order_info: z.unknown().optional(),
});
export type PreCheckoutQuery = z.infer<typeof preCheckoutQuery>;

/** A message's `successful_payment` (Client.cpp:3033-3069). */
export const successfulPayment = z.looseObject({
  currency: z.string().length(3),
  total_amount: z.number().int().positive(),
  invoice_payload: z.string(),
  telegram_payment_charge_id: z.string().min(1),
  provider_payment_charge_id: z.string(),
  subscription_expiration_date: z.number().int().optional(),
  is_recurring: z.boolean().optional(),
  is_first_recurring: z.boolean().optional(),
});

/** The message that carries a successful payment, with who paid, as the payments consumer takes it. */
export const successfulPaymentMessage = z.looseObject({
  message_id: z.number().int(),
  from: user,
  chat,
  date: z.number().int(),
  successful_payment: successfulPayment,
});
export type SuccessfulPaymentMessage = z.infer<typeof successfulPaymentMessage>;

export const telegramUpdate = z.looseObject({
  update_id: z.number().int(),
  message: message.optional(),
  edited_message: message.optional(),
  chat_member: z.unknown().optional(),
  my_chat_member: z.unknown().optional(),
  chat_join_request: z.unknown().optional(),
  pre_checkout_query: z.unknown().optional(),
});
export type TelegramUpdate = z.infer<typeof telegramUpdate>;

/** A note a student sends to the school's bot, as the points capability consumes it. */
export interface TelegramNote {
  /** Kept for the record only: Telegram may start update ids afresh after a week without updates. */
  update_id: number;
  /** `<chat id>:<message id>`: stable for the message's life. */
  note_id: string;
  telegram_user_id: number;
  text: string;
  date: string;
  edited: boolean;
  /** Unix seconds of the edit: what orders the versions of an edited note. */
  edit_date?: number;
}

/** Telegram's service accounts: the channel that forwards into a linked group, and an anonymous group admin. */
export const TELEGRAM_SERVICE_USERS = { channelForwarder: 777000, anonymousAdmin: 1087968824 } as const;

/**
 * Whether a message is a person's own note to the school's bot. The rule: written by a
 * person (not a bot, not a chat speaking for itself: an anonymous admin, a channel) in
 * their private chat with the bot, by themselves (not forwarded: another person wrote it),
 * and not a command (`/start ref_...` talks to the bot, it notes nothing). Anything else is
 * kept as `telegram.update`, counted by nobody.
 */
export function isOwnNote(m: TelegramMessage): m is TelegramMessage & { from: NonNullable<TelegramMessage['from']>; text: string } {
  if (!m.text || !m.from || m.from.is_bot) return false;
  if (m.from.id === TELEGRAM_SERVICE_USERS.channelForwarder || m.from.id === TELEGRAM_SERVICE_USERS.anonymousAdmin) return false;
  if (m.chat.type !== 'private' || m.chat.id !== m.from.id || m.sender_chat) return false;
  if (m.is_automatic_forward || m.forward_origin !== undefined || m.forward_from !== undefined || m.forward_from_chat !== undefined
    || m.forward_sender_name !== undefined || m.forward_date !== undefined) return false;
  const command = m.entities?.some((e) => e.type === 'bot_command' && e.offset === 0) || /^\/[A-Za-z0-9_]+(@\w+)?(\s|$)/.test(m.text);
  return !command;
}

/**
 * A person asks the school's bot to sell them something, in their private chat: `/buy` (what
 * is sold), `/buy_<plan>` (that plan's invoice: Telegram shows such a command as a link one
 * taps) or the deep link `t.me/<bot>?start=buy_<plan>` (`/start buy_<plan>`). The receiver
 * takes only these commands from a person (not a bot) in their own chat with the bot; every
 * other command stays `telegram.update`.
 */
export const buyCommand = z.object({
  chat_id: z.number().int(),
  message_id: z.number().int(),
  telegram_user_id: z.number().int().positive(),
  language_code: z.string().optional(),
  /** The plan asked for; absent: `/buy` alone, the list of what is sold. */
  plan_id: z.number().int().positive().optional(),
  date: z.number().int(),
});
export type BuyCommand = z.infer<typeof buyCommand>;

/** `/buy`, `/buy_12`, `/buy@school_bot`, `/start buy_12`: the buy command of a message's text, or null. */
export function buyCommandOf(m: TelegramMessage): BuyCommand | null {
  if (!m.text || !m.from || m.from.is_bot || m.chat.type !== 'private' || m.chat.id !== m.from.id || m.sender_chat) return null;
  const match = /^\/(?:buy(?:_([1-9]\d{0,8}))?(?:@\w+)?|start(?:@\w+)?\s+buy_([1-9]\d{0,8}))\s*$/.exec(m.text.trim());
  if (!match) return null;
  const plan = match[1] ?? match[2];
  return {
    chat_id: m.chat.id, message_id: m.message_id, telegram_user_id: m.from.id, date: m.date,
    ...(m.from.language_code ? { language_code: m.from.language_code } : {}),
    ...(plan ? { plan_id: Number(plan) } : {}),
  };
}
