import type { Lang, Texts } from '../../kernel/lang.ts';

/** What people read on billing's pages: Russian by default, English when they say so. */
const TEXTS = {
  title: { ru: 'Мои подписки', en: 'My subscriptions' },
  none: { ru: 'Подписок пока нет.', en: 'No subscriptions yet.' },
  payments: { ru: 'Платежи', en: 'Payments' },
  noPayments: { ru: 'Платежей пока не было.', en: 'No payments yet.' },
  opens: { ru: 'Открывает', en: 'Opens' },
  until: { ru: 'по', en: 'until' },
  openEnded: { ru: 'бессрочно', en: 'open-ended' },
  points: { ru: 'Мои баллы', en: 'My points' },
  signInFirst: { ru: 'Войдите, чтобы увидеть свои подписки.', en: 'Sign in to see your subscriptions.' },
  signIn: { ru: 'Войти', en: 'Sign in' },
  notAllowed: { ru: 'Эта страница вам недоступна.', en: 'This page is not available to you.' },
  paid: { ru: 'оплачена', en: 'paid' },
  free: { ru: 'бесплатная', en: 'free' },
  corporate: { ru: 'корпоративная', en: 'corporate' },
  'free corporate': { ru: 'корпоративная бесплатная', en: 'free corporate' },
  pending: { ru: 'ждёт оплаты', en: 'awaiting payment' },
  trial: { ru: 'пробный период', en: 'trial' },
  active: { ru: 'действует', en: 'active' },
  past_due: { ru: 'просрочен платёж', en: 'payment overdue' },
  suspended: { ru: 'приостановлена', en: 'suspended' },
  expired: { ru: 'закончилась', en: 'ended' },
  cancelled: { ru: 'отменена', en: 'cancelled' },
  payment: { ru: 'платёж', en: 'payment' },
  refund: { ru: 'возврат', en: 'refund' },
} satisfies Texts<string>;

export type TextKey = keyof typeof TEXTS;
export const text = (key: TextKey, lang: Lang): string => TEXTS[key][lang];
/** A status or kind as people read it; an unknown one as it is. */
export const word = (value: string, lang: Lang): string => (value in TEXTS ? TEXTS[value as TextKey][lang] : value);

/** What the school's bot says when selling (issue 14): `{name}` is filled in by telegramText. */
const TELEGRAM_TEXTS = {
  linkFirst: {
    ru: 'Чтобы купить через бота, сначала свяжите этот Telegram с вашим аккаунтом школы: войдите на сайте и нажмите «Войти через Telegram» здесь: {url}\nПотом снова отправьте /buy.',
    en: 'To buy through the bot, first link this Telegram account to your school account: sign in on the site and press "Log in with Telegram" here: {url}\nThen send /buy again.',
  },
  catalog: { ru: 'Что можно купить здесь (оплата в Telegram Stars):', en: 'What you can buy here (paid in Telegram Stars):' },
  catalogLine: { ru: '{title}: {stars} ⭐ — {command}', en: '{title}: {stars} ⭐ — {command}' },
  nothingForSale: { ru: 'Сейчас через бота ничего не продаётся. Оплатить можно на сайте: {url}', en: 'Nothing is sold through the bot right now. You can pay on the site: {url}' },
  notSoldHere: { ru: 'Этот тариф не продаётся через бота. Что можно купить здесь: /buy', en: 'This plan is not sold through the bot. What you can buy here: /buy' },
  tryLater: { ru: 'Не получилось выставить счёт. Попробуйте ещё раз через минуту: /buy', en: 'The invoice could not be made. Please try again in a minute: /buy' },
  refused_unknown_order: { ru: 'Этот счёт нам неизвестен. Запросите новый в боте: /buy', en: 'We do not know this invoice. Ask the bot for a new one: /buy' },
  refused_paid: { ru: 'Этот счёт уже оплачен.', en: 'This invoice is already paid.' },
  refused_closed: { ru: 'Этот счёт больше не действует. Запросите новый в боте: /buy', en: 'This invoice is no longer valid. Ask the bot for a new one: /buy' },
  refused_amount_changed: { ru: 'Сумма счёта не совпадает с заказом. Запросите новый счёт: /buy', en: 'The invoice\'s amount does not match the order. Ask for a new invoice: /buy' },
  refused_plan_gone: { ru: 'Этот тариф больше не продаётся.', en: 'This plan is no longer sold.' },
  refused_plan_archived: { ru: 'Этот тариф больше не продаётся новым ученикам.', en: 'This plan is no longer sold to new students.' },
} satisfies Texts<string>;

export type PreCheckoutRefusal = 'unknown_order' | 'paid' | 'closed' | 'amount_changed' | 'plan_gone' | 'plan_archived';
export type TelegramTextKey = keyof typeof TELEGRAM_TEXTS;
export const telegramText = (key: TelegramTextKey, lang: Lang, vars: Record<string, string | number> = {}): string =>
  TELEGRAM_TEXTS[key][lang].replace(/\{(\w+)\}/g, (all, name: string) => (name in vars ? String(vars[name]) : all));
