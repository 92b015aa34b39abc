import type { Lang, Texts } from '../../kernel/lang.ts';

/** What staff read in the Autoposts grid's Status: Russian by default, English when configured. */
const TEXTS = {
  scheduled: { ru: 'Запланирован: {local} ({zone}), {utc} UTC', en: 'Scheduled: {local} ({zone}), {utc} UTC' },
  noTime: { ru: 'Не запланирован: не указано SendAt', en: 'Not scheduled: SendAt is empty' },
  cancelled: { ru: 'Отменён, не отправлялся', en: 'Cancelled, not sent' },
  sending: { ru: 'Отправляется: {sent} из {total}', en: 'Sending: {sent} of {total}' },
  done: { ru: 'Отправлен: {sent} из {total}', en: 'Sent: {sent} of {total}' },
  failedCount: { ru: 'не отправлено: {n} (причины в autopost_deliveries)', en: 'not sent: {n} (reasons in autopost_deliveries)' },
  unknownCount: { ru: 'неизвестно: {n} (ответ Telegram потерян; повторно не отправлялось)', en: 'unknown: {n} (Telegram\'s answer was lost; not sent again)' },
  cancelledCount: { ru: 'отменено до отправки: {n}', en: 'cancelled before sending: {n}' },
  noChat: { ru: 'без Telegram-чата: {names}', en: 'without a Telegram chat: {names}' },
  failed: { ru: 'Не отправлен: {reason}', en: 'Not sent: {reason}' },
  // Why a post was not sent at all.
  noTemplate: { ru: 'не выбран шаблон (Post templates)', en: 'no template is picked (Post templates)' },
  emptyTemplate: { ru: 'в шаблоне нет текста', en: 'the template has no text' },
  unknownPlaceholder: { ru: 'в шаблоне неизвестные поля {names}; можно: {known}', en: 'the template has unknown placeholders {names}; known: {known}' },
  noTargets: { ru: 'ни одного чата: привяжите группы, продукты или потоки с Telegram-чатом', en: 'no chat: link groups, products or streams that have a Telegram chat' },
  tooLate: { ru: 'время отправки прошло больше {hours} ч назад', en: 'its time passed more than {hours} h ago' },
  tooLong: { ru: 'текст длиннее 4096 символов', en: 'the text is longer than 4096 characters' },
  group: { ru: 'группа', en: 'group' },
  stream: { ru: 'поток', en: 'stream' },
  product: { ru: 'продукт', en: 'product' },
} satisfies Texts<string>;

export type TextKey = keyof typeof TEXTS;

export function text(key: TextKey, lang: Lang, vars: Record<string, string | number> = {}): string {
  return TEXTS[key][lang].replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
