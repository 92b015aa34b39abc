import { z } from 'zod';

/** The part of a Telegram Bot API `Update` we use (https://core.telegram.org/bots/api#update). */
const user = z.looseObject({ id: z.number().int(), is_bot: z.boolean().optional(), username: z.string().optional(), language_code: z.string().optional() });
const chat = z.looseObject({ id: z.number().int(), type: z.string() });
const message = z.looseObject({
  message_id: z.number().int(),
  from: user.optional(),
  chat,
  date: z.number().int(),
  text: z.string().optional(),
});

export const telegramUpdate = z.looseObject({
  update_id: z.number().int(),
  message: message.optional(),
  edited_message: message.optional(),
  chat_member: z.unknown().optional(),
});
export type TelegramUpdate = z.infer<typeof telegramUpdate>;

/** A note a student sends to the school's bot, as the points capability consumes it. */
export interface TelegramNote {
  update_id: number;
  note_id: string;
  telegram_user_id: number;
  text: string;
  date: string;
  edited: boolean;
}
