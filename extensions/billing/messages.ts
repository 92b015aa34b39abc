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
  trials: { ru: 'Попробовать бесплатно', en: 'Try it free' },
  startTrial: { ru: 'Начать пробный период', en: 'Start the trial' },
  trialStarted: { ru: 'Пробный период начат: подписка действует до его последнего дня.', en: 'Your trial has started: the subscription holds until its last day.' },
  refund: { ru: 'возврат', en: 'refund' },
} satisfies Texts<string>;

export type TextKey = keyof typeof TEXTS;
export const text = (key: TextKey, lang: Lang): string => TEXTS[key][lang];
/** A status or kind as people read it; an unknown one as it is. */
export const word = (value: string, lang: Lang): string => (value in TEXTS ? TEXTS[value as TextKey][lang] : value);

/** "7 дней пробного периода" with the Russian plural forms. */
export function trialDaysText(n: number, lang: Lang): string {
  if (lang === 'en') return `${n} ${n === 1 ? 'day' : 'days'} of trial`;
  const [one, few, many] = ['день', 'дня', 'дней'];
  const mod10 = n % 10;
  const mod100 = n % 100;
  const word = mod10 === 1 && mod100 !== 11 ? one : mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14) ? few : many;
  return `${n} ${word} пробного периода`;
}

const TRIAL_REFUSALS: Record<string, Record<Lang, string>> = {
  TRIAL_USED: { ru: 'Пробный период этого продукта уже был: он даётся один раз.', en: 'You have had a trial of this product: there is one trial per product.' },
  TRIAL_NOT_AVAILABLE: { ru: 'Этот продукт у вас уже есть или был куплен: пробный период — чтобы попробовать впервые.', en: 'You hold this product or have bought it before: a trial is for trying it first.' },
  TRIAL_NOT_OFFERED: { ru: 'У этого тарифа нет пробного периода.', en: 'This plan has no trial.' },
  PLAN_ARCHIVED: { ru: 'Этот тариф больше не продаётся.', en: 'This plan is no longer sold.' },
  PLAN_NOT_FOUND: { ru: 'Такого тарифа нет.', en: 'There is no such plan.' },
};
/** Why a trial was not started, in words. */
export const trialRefusal = (code: string, lang: Lang): string => TRIAL_REFUSALS[code]?.[lang] ?? text('notAllowed', lang);
