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

/** Why a staff refund (the Refunds grid) was not done, as staff read it in its Problem cell. */
export type RefundProblem =
  | { kind: 'reason_required' } | { kind: 'payment_required' } | { kind: 'payment_unknown'; payment: string }
  | { kind: 'payment_ambiguous'; payment: string; providers: string[] } | { kind: 'nothing_left'; payment: string }
  | { kind: 'amount_invalid'; amountMinor: number; leftMinor: number; currency: string }
  | { kind: 'provider_cannot_refund'; provider: string } | { kind: 'provider_refused'; provider: string; reason: string };

const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`;

export function refundProblem(p: RefundProblem, lang: Lang): string {
  const ru = lang === 'ru';
  switch (p.kind) {
    case 'reason_required': return ru ? 'Укажите причину возврата (Reason): без неё возврат не делается.' : 'Give the reason (Reason): no refund is made without one.';
    case 'payment_required': return ru ? 'Укажите платёж (Payment): его provider_payment_id из billing_orders.' : 'Name the payment (Payment): its provider_payment_id from billing_orders.';
    case 'payment_unknown': return ru ? `Платёж ${p.payment} не найден среди оплаченных (billing_orders, provider_payment_id).` : `No paid payment ${p.payment} (billing_orders, provider_payment_id).`;
    case 'payment_ambiguous': return ru ? `Платёж ${p.payment} есть у нескольких провайдеров (${p.providers.join(', ')}): напишите провайдер:id.` : `Payment ${p.payment} is known to several providers (${p.providers.join(', ')}): write provider:id.`;
    case 'nothing_left': return ru ? `По платежу ${p.payment} возвращать уже нечего: он возвращён полностью (или возврат ждёт подтверждения).` : `Nothing is left to refund of payment ${p.payment}: it is refunded in full (or a refund awaits confirmation).`;
    case 'amount_invalid': return ru ? `Сумма ${money(p.amountMinor, p.currency)} не подходит: вернуть можно от 0.01 до ${money(p.leftMinor, p.currency)}.` : `The amount ${money(p.amountMinor, p.currency)} cannot be refunded: from 0.01 up to ${money(p.leftMinor, p.currency)} is left.`;
    case 'provider_cannot_refund': return ru ? `${p.provider} не умеет возвращать деньги через сервис: сделайте возврат в личном кабинете ${p.provider}; в учёте сервиса он не отразится.` : `${p.provider} cannot refund through the service: refund in ${p.provider}'s own dashboard; the service's books will not show it.`;
    case 'provider_refused': return ru ? `${p.provider} отказал в возврате: ${p.reason}. Новый возврат — новая строка.` : `${p.provider} refused the refund: ${p.reason}. A new refund is a new row.`;
  }
}
