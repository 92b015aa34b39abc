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
  // the order's page (/billing/orders/:id), where every provider sends the payer back
  orderTitle: { ru: 'Ваш заказ', en: 'Your order' },
  orderPaid: { ru: 'Оплата получена. Спасибо!', en: 'Payment received. Thank you!' },
  orderProcessing: { ru: 'Ждём подтверждения оплаты от платёжной системы. Страница обновится сама, как только оно придёт.', en: 'We are waiting for the payment provider to confirm your payment. This page will update itself as soon as it does.' },
  orderProcessingHint: { ru: 'Платёжная система сообщила, что оплата, возможно, не прошла. Если вы заплатили, подтверждение появится здесь в течение нескольких минут; если нет, попробуйте ещё раз.', en: 'The payment provider said the payment may not have gone through. If you paid, the confirmation will show here within a few minutes; if not, try again.' },
  orderStillWaiting: { ru: 'Подтверждения пока нет. Когда оно придёт, мы напишем вам (в Telegram или на почту); эту страницу можно обновить позже.', en: 'No confirmation yet. When it comes we will write to you (on Telegram or by e-mail); you can reload this page later.' },
  orderFailed: { ru: 'Оплата не прошла.', en: 'The payment did not go through.' },
  orderCancelled: { ru: 'Заказ отменён.', en: 'This order was cancelled.' },
  tryAgain: { ru: 'Попробовать ещё раз', en: 'Try again' },
  nextSteps: { ru: 'Что дальше', en: 'What next' },
  defaultNextSteps: {
    ru: 'Доступ уже открыт. Что вы купили и до какого числа оно действует, видно на странице [Мои подписки](/subscriptions).',
    en: 'Your access is open. What you bought and until when is on [My subscriptions](/subscriptions).',
  },
  yourChats: { ru: 'Ваши чаты в Telegram', en: 'Your Telegram chats' },
  orderNotFound: { ru: 'Такого заказа у вас нет.', en: 'You have no such order.' },
  signInForOrder: { ru: 'Войдите, чтобы увидеть свой заказ.', en: 'Sign in to see your order.' },
  // renewing a plan: /billing/renew/:planId
  renewTitle: { ru: 'Продление', en: 'Renewal' },
  holdsUntil: { ru: 'Сейчас действует по', en: 'Currently holds until' },
  renewButton: { ru: 'Перейти к оплате', en: 'Go to payment' },
  renewNoAuto: { ru: 'Мы не списываем деньги автоматически: каждый период оплачивается здесь.', en: 'We never charge automatically: each period is paid here.' },
  planNotSold: { ru: 'Этот тариф сейчас нельзя купить.', en: 'This plan cannot be bought now.' },
  paymentsDown: { ru: 'Оплата сейчас недоступна. Попробуйте через несколько минут.', en: 'Payment is not available right now. Try again in a few minutes.' },
} satisfies Texts<string>;

export type TextKey = keyof typeof TEXTS;
export const text = (key: TextKey, lang: Lang): string => TEXTS[key][lang];
/** A status or kind as people read it; an unknown one as it is. */
export const word = (value: string, lang: Lang): string => (value in TEXTS ? TEXTS[value as TextKey][lang] : value);

/** A message to a person (Telegram or e-mail): plain text, in their language. */
export interface NoticeText { subject: string; body: string }

const LOCALE: Record<Lang, string> = { ru: 'ru-RU', en: 'en-GB' };
export const dayInWords = (d: string, lang: Lang) =>
  new Intl.DateTimeFormat(LOCALE[lang], { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`));

/** What next, at once after paying: the product's next steps, the chats, the order's page. */
export function paidNotice(v: { product: string; plan: string; nextSteps: string; chats: { title: string; url: string }[]; orderUrl: string }, lang: Lang): NoticeText {
  const chats = v.chats.length === 0 ? '' : `\n\n${text('yourChats', lang)}:\n${v.chats.map((c) => `• ${c.title}: ${c.url}`).join('\n')}`;
  return lang === 'en'
    ? { subject: `Payment received: ${v.product}`, body: `Thank you! Your payment for "${v.product} · ${v.plan}" has arrived.\n\nWhat next:\n${v.nextSteps}${chats}\n\nYour order: ${v.orderUrl}` }
    : { subject: `Оплата получена: ${v.product}`, body: `Спасибо! Оплата за «${v.product} · ${v.plan}» получена.\n\nЧто дальше:\n${v.nextSteps}${chats}\n\nВаш заказ: ${v.orderUrl}` };
}

/**
 * Before the last day. A paid subscription gets the page that pays the next period (there
 * is no automatic charge: nothing is saved to charge); a free or corporate one is not paid
 * by the person, so it says whom to ask instead.
 */
export function reminderNotice(v: { product: string; plan: string; kind: string; endsOn: string; payUrl: string | null; subscriptionsUrl: string }, lang: Lang): NoticeText {
  const until = dayInWords(v.endsOn, lang);
  if (lang === 'en') {
    const next = v.payUrl
      ? `To keep it, pay for the next period here: ${v.payUrl}\nWe never charge automatically.`
      : `It is ${word(v.kind, lang)}: you do not pay for it. If you need it for longer, ask whoever gave it to you (the school, or your organisation for a corporate one).`;
    return { subject: `"${v.product}" ends on ${until}`, body: `Your subscription "${v.product} · ${v.plan}" holds until ${until} inclusive.\n\n${next}\n\nYour subscriptions: ${v.subscriptionsUrl}` };
  }
  const next = v.payUrl
    ? `Чтобы продлить её, оплатите следующий период: ${v.payUrl}\nАвтоматически мы деньги не списываем.`
    : `Она ${word(v.kind, lang)}: платить за неё не нужно. Если доступ нужен дольше, обратитесь к тому, кто её выдал (в школу, а для корпоративной — в вашу организацию).`;
  return { subject: `«${v.product}» заканчивается ${until}`, body: `Ваша подписка «${v.product} · ${v.plan}» действует по ${until} включительно.\n\n${next}\n\nВаши подписки: ${v.subscriptionsUrl}` };
}
