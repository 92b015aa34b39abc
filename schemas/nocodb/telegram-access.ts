import { col, defineTable } from './define.ts';

/**
 * Telegram access (issue 14, item 4): the volunteers staff keep, who are never removed from the
 * school's chats whatever they hold. Which chats open to whom is already staff's: Products.TelegramChat
 * and Groups.TelegramChatId. The person is picked (an mm link declared here, so People is not
 * edited); the service reads this table every pass (no webhook needed).
 */
export const telegramVolunteers = defineTable({
  key: 'telegram_volunteers', title: 'Telegram volunteers',
  description: 'People never removed from the school\'s Telegram chats: pick the person, the chat (empty: every chat) and why. Who is removed or spared, and why, is in telegram_access_removals',
  columns: {
    TelegramChat: col.text('The chat id, e.g. -1002345678901 (empty: every school chat)'),
    Reason: col.longText('Why they stay (required: a row without it spares nobody)'),
    Until: col.date('The last day they are spared (empty: no end)'),
  },
  links: [{ title: 'Person', to: 'people', type: 'mm' }],
  ru: {
    title: 'Волонтёры Telegram', description: 'Люди, которых никогда не удаляют из чатов школы в Telegram: выберите человека, чат (пусто: все чаты) и причину. Кого удалили или оставили и почему — в telegram_access_removals',
    columns: {
      TelegramChat: ['Чат', 'Id чата, например -1002345678901 (пусто: все чаты школы)'],
      Reason: ['Причина', 'Почему человек остаётся (обязательно: строка без причины никого не оставляет)'],
      Until: ['До', 'Последний день, когда человека не удаляют (пусто: без конца)'],
    },
    links: { Person: ['Человек', 'Волонтёр из таблицы Люди'] },
  },
});

export const telegramAccessTables = [telegramVolunteers];
