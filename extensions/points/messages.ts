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
  // The student's page /points (page-routes.ts, points-page.tsx).
  myWorkbooks: { ru: 'Мои рабочие тетради', en: 'My workbooks' },
  mySubscriptions: { ru: 'Мои подписки', en: 'My subscriptions' },
  myPoints: { ru: 'Мои баллы', en: 'My points' },
  balance: { ru: 'Баланс', en: 'Balance' },
  activity: { ru: 'Активность', en: 'Activity' },
  calendarRegion: { ru: 'Календарь активности за год', en: 'Activity calendar of the year' },
  statement: { ru: 'Выписка', en: 'Statement' },
  from: { ru: 'С', en: 'From' },
  to: { ru: 'По', en: 'To' },
  show: { ru: 'Показать', en: 'Show' },
  quickPeriods: { ru: 'Быстрый выбор периода', en: 'Quick periods' },
  thisMonth: { ru: 'Этот месяц', en: 'This month' },
  lastMonth: { ru: 'Прошлый месяц', en: 'Last month' },
  thisYear: { ru: 'Этот год', en: 'This year' },
  booked: { ru: 'Дата', en: 'Date' },
  whatFor: { ru: 'За что', en: 'What for' },
  amount: { ru: 'Баллы', en: 'Points' },
  balanceAfter: { ru: 'Остаток', en: 'Balance' },
  noLines: { ru: 'За этот период начислений нет.', en: 'Nothing was booked in this period.' },
  credited: { ru: 'Начислено', en: 'Credited' },
  debited: { ru: 'Списано', en: 'Debited' },
  downloadCsv: { ru: 'Скачать выписку за период (CSV)', en: 'Download the statement of the period (CSV)' },
  signIn: { ru: 'Войти', en: 'Sign in' },
  signInFirst: { ru: 'Войдите в свою учётную запись школы, чтобы увидеть свои баллы.', en: 'Sign in with your school account to see your points.' },
  forbidden: { ru: 'Эта страница вам недоступна.', en: 'You may not open this page.' },
  badDate: { ru: 'Дата периода указана неверно: нужна настоящая дата в виде ГГГГ-ММ-ДД, например 2025-03-01.', en: 'A date of the period is not valid: give a real date as YYYY-MM-DD, e.g. 2025-03-01.' },
  badOrder: { ru: 'Период начинается позже, чем заканчивается: поменяйте даты местами.', en: 'The period starts after it ends: swap the dates.' },
  backToPoints: { ru: 'Вернуться к моим баллам', en: 'Back to my points' },
  failed: { ru: 'Не получилось открыть страницу баллов. Попробуйте ещё раз через минуту.', en: 'Your points could not be shown. Try again in a minute.' },
  forDay: { ru: 'за', en: 'for' },
} satisfies Record<string, Record<Lang, string>>;

export type TextKey = keyof typeof TEXT;
export const text = (key: TextKey, lang: Lang) => TEXT[key][lang];
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

/** Russian plural: the form for 1, for 2-4 and for 5 (and 11-19). */
function ruPlural(n: number, [one, few, many]: [string, string, string]): string {
  const a = Math.abs(n) % 100;
  const b = a % 10;
  if (a > 10 && a < 20) return many;
  if (b === 1) return one;
  if (b >= 2 && b <= 4) return few;
  return many;
}

/** "12 points" with the Russian plural forms. */
export function pointsWord(n: number, lang: Lang): string {
  if (lang === 'en') return Math.abs(n) === 1 ? 'point' : 'points';
  return ruPlural(n, ['балл', 'балла', 'баллов']);
}

export function daysWord(n: number, lang: Lang): string {
  if (lang === 'en') return Math.abs(n) === 1 ? 'day' : 'days';
  return ruPlural(n, ['день', 'дня', 'дней']);
}

/** The streaks in words, for the page under the calendar. */
export function streakWords(current: number, longest: number, lang: Lang): { current: string; longest: string } {
  if (lang === 'en') {
    return {
      current: current > 0 ? `Current streak: ${current} ${daysWord(current, lang)} in a row.` : 'No current streak: earn points today to start one.',
      longest: longest > 0 ? `Longest streak: ${longest} ${daysWord(longest, lang)} in a row.` : 'No streaks yet.',
    };
  }
  return {
    current: current > 0 ? `Текущая серия: ${current} ${daysWord(current, lang)} подряд.` : 'Сейчас серии нет: заработайте баллы сегодня, чтобы её начать.',
    longest: longest > 0 ? `Самая длинная серия: ${longest} ${daysWord(longest, lang)} подряд.` : 'Серий пока не было.',
  };
}

export const activityTitle = (year: number, lang: Lang) => (lang === 'en' ? `Activity in ${year}` : `Активность в ${year} году`);
export const statementCaption = (from: string, to: string, lang: Lang) => (lang === 'en' ? `Statement from ${from} to ${to}` : `Выписка с ${from} по ${to}`);
export const zoneNote = (timeZone: string, lang: Lang) => (lang === 'en' ? `Dates and times are in your time zone, ${timeZone}.` : `Даты и время — в вашем часовом поясе, ${timeZone}.`);
export const periodTooLong = (maxDays: number, lang: Lang) =>
  (lang === 'en' ? `The period is too long: choose at most ${maxDays} days.` : `Период слишком длинный: выберите не больше ${maxDays} ${daysWord(maxDays, lang)}.`);
/** Which rule booked a line, in words. */
export const ruleWords = (ruleId: number, version: number | null, lang: Lang) =>
  (lang === 'en' ? `rule ${ruleId}${version === null ? '' : `, version ${version}`}` : `правило ${ruleId}${version === null ? '' : `, версия ${version}`}`);
