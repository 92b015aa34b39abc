import type { PointsKind } from '../../schemas/events/points.ts';
import type { Note } from './rules.ts';

/** What students and staff read, in Russian and English. */
import type { Lang } from '../../kernel/lang.ts';

export { pickLang, type Lang } from '../../kernel/lang.ts';

const KINDS: Record<PointsKind, Record<Lang, string>> = {
  club_post: { ru: 'Сообщение в клубе', en: 'Club post' },
  club_topic: { ru: 'Новая тема в клубе', en: 'Club topic' },
  telegram_note: { ru: 'Заметка в Telegram', en: 'Telegram note' },
  exercise_answer: { ru: 'Ответ на упражнение', en: 'Exercise answer' },
  reading_heartbeat: { ru: 'Чтение руководства', en: 'Reading a guide' },
  ai_question: { ru: 'Вопрос ИИ', en: 'Question to the AI' },
  author_question: { ru: 'Вопрос автору', en: 'Question to an author' },
  error_report: { ru: 'Сообщение об ошибке', en: 'Error report' },
  draft: { ru: 'Черновик', en: 'Draft' },
  note: { ru: 'Заметка', en: 'Note' },
};

const NOTES: Record<Note, Record<Lang, string>> = {
  no_rule: { ru: 'для этого действия нет правила начисления', en: 'no rule awards this action' },
  short: { ru: 'текст короче минимальной длины', en: 'shorter than the minimum length' },
  cooldown: { ru: 'слишком скоро после предыдущего действия', en: 'too soon after the previous action' },
  cap: { ru: 'достигнут дневной предел', en: 'daily limit reached' },
};

const TEXT = {
  ambassador: { ru: 'Доля амбассадора', en: 'Ambassador share' },
  reversal: { ru: 'Сторно строки', en: 'Reversal of line' },
  rule: { ru: 'правило', en: 'rule' },
  characters: { ru: 'знаков', en: 'characters' },
  minutes: { ru: 'мин', en: 'min' },
  opening: { ru: 'Входящий остаток', en: 'Opening balance' },
  closing: { ru: 'Исходящий остаток', en: 'Closing balance' },
  points: { ru: 'баллов', en: 'points' },
  streak: { ru: 'Серия', en: 'Streak' },
  longest: { ru: 'лучшая', en: 'longest' },
  days: { ru: 'дн.', en: 'days' },
  less: { ru: 'Меньше', en: 'Less' },
  more: { ru: 'Больше', en: 'More' },
} satisfies Record<string, Record<Lang, string>>;

export const text = (key: keyof typeof TEXT, lang: Lang) => TEXT[key][lang];
export const kindName = (kind: string, lang: Lang) => KINDS[kind as PointsKind]?.[lang] ?? kind;
export const noteText = (note: string | null, lang: Lang) => (note ? NOTES[note as Note]?.[lang] ?? note : '');

export const CSV_HEADERS: Record<Lang, string[]> = {
  ru: ['Строка', 'Проведено', 'День', 'Операция', 'Правило', 'Знаков', 'Секунд', 'Баллы', 'Остаток', 'Примечание', 'Сторно строки', 'Событие'],
  en: ['Line', 'Booked', 'Day', 'Operation', 'Rule', 'Characters', 'Seconds', 'Points', 'Balance', 'Note', 'Reverses line', 'Event'],
};

export const MONTHS: Record<Lang, string[]> = {
  ru: ['Янв', 'Фев', 'Мар', 'Апр', 'Май', 'Июн', 'Июл', 'Авг', 'Сен', 'Окт', 'Ноя', 'Дек'],
  en: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
};

/** Monday first. */
export const WEEKDAYS: Record<Lang, string[]> = {
  ru: ['Пн', 'Вт', 'Ср', 'Чт', 'Пт', 'Сб', 'Вс'],
  en: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'],
};

/** "12 points" with the Russian plural forms. */
export function pointsWord(n: number, lang: Lang): string {
  if (lang === 'en') return Math.abs(n) === 1 ? 'point' : 'points';
  const a = Math.abs(n) % 100;
  const b = a % 10;
  if (a > 10 && a < 20) return 'баллов';
  if (b === 1) return 'балл';
  if (b >= 2 && b <= 4) return 'балла';
  return 'баллов';
}
