import type { Lang, Texts } from '../../kernel/lang.ts';

/** What people read from telegram-access, Russian by default and English. */
const texts = {
  title: { ru: 'Чаты в Telegram', en: 'Telegram chats' },
  intro: { ru: 'Ссылки-приглашения в чаты ваших программ. Каждая ссылка — только для вас и сработает один раз.', en: 'Invite links to the chats of your programmes. Each link is yours alone and works once.' },
  none: { ru: 'Сейчас приглашений нет. Если вы оплатили программу, привяжите Telegram на странице аккаунта — ссылка появится здесь в течение минуты.', en: 'No invitations right now. If you have paid for a programme, link your Telegram account on your account page: the link appears here within a minute.' },
  join: { ru: 'Вступить в чат', en: 'Join the chat' },
  chat: { ru: 'Чат', en: 'Chat' },
  until: { ru: 'Ссылка действует до', en: 'The link works until' },
  linkTelegram: { ru: 'Привязать Telegram', en: 'Link Telegram' },
  signInFirst: { ru: 'Войдите, чтобы увидеть свои приглашения.', en: 'Sign in to see your invitations.' },
  signIn: { ru: 'Войти', en: 'Sign in' },
} satisfies Texts<string>;

export type MessageKey = keyof typeof texts;
export const text = (key: MessageKey, lang: Lang): string => texts[key][lang];
