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
