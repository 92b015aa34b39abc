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
