/** What a person reads on the account pages, in Russian (the default) and English. */
import type { Lang, Texts } from '../../kernel/lang.ts';
import type { FlowKind } from '../../ory/client.ts';

export { pickLang, type Lang } from '../../kernel/lang.ts';

const TITLES: Texts<FlowKind> = {
  login: { ru: 'Вход', en: 'Sign in' },
  registration: { ru: 'Регистрация', en: 'Create an account' },
  settings: { ru: 'Профиль и пароль', en: 'Profile and password' },
  recovery: { ru: 'Восстановление доступа', en: 'Recover your account' },
  verification: { ru: 'Подтверждение адреса', en: 'Verify your address' },
};

const TEXT = {
  school: { ru: 'Школа системного мышления', en: 'School of systems thinking' },
  toRegistration: { ru: 'Нет учётной записи? Зарегистрироваться', en: 'No account yet? Create one' },
  toLogin: { ru: 'Уже есть учётная запись? Войти', en: 'Have an account? Sign in' },
  toRecovery: { ru: 'Забыли пароль?', en: 'Forgot your password?' },
  error: { ru: 'Что-то пошло не так при входе. Попробуйте ещё раз.', en: 'Something went wrong while signing in. Please try again.' },
  again: { ru: 'Начать заново', en: 'Start again' },
} as const satisfies Texts<string>;

/** The page /account/telegram and the answers of POST /api/account/telegram (telegram.ts). */
const TELEGRAM = {
  title: { ru: 'Аккаунт Telegram', en: 'Telegram account' },
  why: {
    ru: 'Заметки, которые вы пишете боту школы, приносят баллы, когда ваш Telegram связан с учётной записью школы. Связывает его только вход через Telegram: номер, вписанный в профиль, ничего не связывает.',
    en: 'Notes you write to the school\'s bot earn points once your Telegram account is linked to your school account. Only signing in with Telegram links it: an id typed into the profile links nothing.',
  },
  linked: { ru: 'Связан аккаунт Telegram', en: 'Linked Telegram account' },
  none: { ru: 'Telegram пока не связан.', en: 'No Telegram account is linked yet.' },
  waiting: { ru: 'В профиле указан Telegram, он ждёт входа через Telegram', en: 'Your profile names a Telegram account; it waits for you to sign in with Telegram' },
  waitingTaken: { ru: 'он уже связан с другим человеком, сотрудники школы это видят', en: 'it is linked to another person already; the school\'s staff see this' },
  signIn: { ru: 'Войдите через Telegram, чтобы связать аккаунт:', en: 'Sign in with Telegram to link your account:' },
  noWidget: { ru: 'Вход через Telegram здесь ещё не настроен: напишите сотрудникам школы.', en: 'Signing in with Telegram is not set up here yet: write to the school\'s staff.' },
  confirm: { ru: 'Связать этот аккаунт Telegram с вашей учётной записью школы?', en: 'Link this Telegram account to your school account?' },
  link: { ru: 'Связать', en: 'Link' },
  done: { ru: 'Telegram связан. Заметки, написанные боту раньше, тоже засчитаны.', en: 'Telegram is linked. Notes you wrote to the bot before count too.' },
  already: { ru: 'Этот Telegram уже связан с вашей учётной записью.', en: 'This Telegram account is linked to your account already.' },
  back: { ru: 'К аккаунту Telegram', en: 'Back to the Telegram account' },
  workbooks: { ru: 'Мои рабочие тетради', en: 'My workbooks' },
  // Refusals (kernel/errors.ts TELEGRAM_*), for the page and the JSON alike.
  unavailable: { ru: 'Вход через Telegram в школе не настроен.', en: 'Signing in with Telegram is not set up at this school.' },
  malformed: { ru: 'Это не данные входа через Telegram.', en: 'These are not Telegram sign-in data.' },
  forged: {
    ru: 'Подпись данных Telegram неверна: они подписаны не для бота школы или изменены. Аккаунт не связан.',
    en: 'The Telegram sign-in data are not signed for the school\'s bot, or were changed. Nothing was linked.',
  },
  expired: { ru: 'Данные входа через Telegram старше суток: войдите через Telegram ещё раз.', en: 'The Telegram sign-in is more than a day old: sign in with Telegram again.' },
  reused: { ru: 'Эти данные входа через Telegram уже использованы другим человеком: войдите через Telegram ещё раз.', en: 'This Telegram sign-in was used by another person: sign in with Telegram again.' },
  taken: {
    ru: 'Этот Telegram уже связан с другой учётной записью школы. Он остаётся там; сотрудники школы видят вашу заявку и разберутся.',
    en: 'This Telegram account is linked to another school account. It stays there; the school\'s staff see your claim and will sort it out.',
  },
} as const satisfies Texts<string>;

export type TelegramText = keyof typeof TELEGRAM;
export const telegramText = (key: TelegramText, lang: Lang) => TELEGRAM[key][lang];

export const title = (kind: FlowKind, lang: Lang) => TITLES[kind][lang];
export const text = (key: keyof typeof TEXT, lang: Lang) => TEXT[key][lang];

/**
 * Kratos' own texts by their message id (Ory's UIs translate them the same way); an id not
 * here keeps Kratos' English text. https://www.ory.sh/docs/kratos/concepts/ui-messages
 */
const KRATOS: Record<number, string> = {
  1010001: 'Войти', 1040001: 'Зарегистрироваться', 1050001: 'Изменения сохранены.', 1060001: 'Доступ восстановлен: задайте новый пароль.',
  1070001: 'Пароль', 1070002: 'Эл. почта', 1070004: 'Эл. почта', 1070005: 'Отправить', 1070006: 'Код', 1070007: 'Эл. почта',
  1070008: 'Отправить код ещё раз', 1070009: 'Продолжить', 1080001: 'Письмо с кодом отправлено.', 1080002: 'Адрес подтверждён.',
  4000006: 'Неверный адрес или пароль.', 4000007: 'Учётная запись с таким адресом уже есть.', 4000002: 'Заполните это поле.',
};

/** A text from Kratos in the page's language: Russian for the ids above, else Kratos' own. */
export function kratosText(message: { id?: number; text: string } | undefined, lang: Lang): string | undefined {
  if (!message) return undefined;
  return lang === 'ru' && message.id !== undefined ? KRATOS[message.id] ?? message.text : message.text;
}
