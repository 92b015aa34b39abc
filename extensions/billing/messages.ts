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
  seatsTitle: { ru: 'Места организации', en: 'Your organisation\'s seats' },
  noPacks: { ru: 'Вы не указаны контактом ни одного пакета мест (или ваш адрес не подтверждён).', en: 'You are not the contact of any seat pack (or your address is not verified).' },
  seatsTaken: { ru: 'Занято мест', en: 'Seats taken' },
  freeReason: { ru: 'Причина', en: 'Reason' },
  freeSeat: { ru: 'Освободить место', en: 'Free the seat' },
  seatEmail: { ru: 'Почта сотрудника', en: 'Their e-mail' },
  giveSeat: { ru: 'Выдать место', en: 'Give a seat' },
  seatGiven: { ru: 'Место выдано.', en: 'The seat is given.' },
  seatFreed: { ru: 'Место освобождено.', en: 'The seat is free again.' },
  startTrial: { ru: 'Начать пробный период', en: 'Start the trial' },
  trialStarted: { ru: 'Пробный период начат: подписка действует до его последнего дня.', en: 'Your trial has started: the subscription holds until its last day.' },
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

/** Why a grant file gives nothing: written to its row's Status and kept as {ru, en}. */
export type GrantFileProblem =
  | { key: 'noReason' } | { key: 'noFile' } | { key: 'manyFiles'; files: number } | { key: 'planLinks'; plans: number } | { key: 'planGone' }
  | { key: 'daysAndEnd' } | { key: 'badDays' } | { key: 'endBefore' } | { key: 'period'; message: string }
  | { key: 'notCsvOrXlsx'; name: string } | { key: 'missing' } | { key: 'tooLarge'; maxMb: number } | { key: 'unreadable'; kind: string }
  | { key: 'noEmailColumn'; header: string } | { key: 'noLines' } | { key: 'tooManyLines'; lines: number; max: number };

export function grantFileProblem(p: GrantFileProblem): Record<Lang, string> {
  switch (p.key) {
    case 'noReason': return { ru: 'укажите причину (Reason)', en: 'write a Reason' };
    case 'noFile': return { ru: 'приложите файл CSV или XLSX (File)', en: 'attach a CSV or XLSX file (File)' };
    case 'manyFiles': return { ru: `приложите один файл, а не ${p.files}`, en: `attach one file, not ${p.files}` };
    case 'planLinks': return p.plans === 0 ? { ru: 'свяжите строку с тарифом (Plan)', en: 'link a plan (Plan)' }
      : { ru: `свяжите ровно один тариф (сейчас ${p.plans})`, en: `link exactly one plan (${p.plans} are linked)` };
    case 'planGone': return { ru: 'тариф удалён или не привязан к продукту', en: 'the plan is deleted or has no product' };
    case 'daysAndEnd': return { ru: 'укажите либо Days, либо EndsOn, но не оба', en: 'give Days or EndsOn, not both' };
    case 'badDays': return { ru: 'Days должно быть целым числом больше нуля', en: 'Days must be a whole number above 0' };
    case 'endBefore': return { ru: 'EndsOn раньше сегодняшнего дня', en: 'EndsOn is before today' };
    case 'period': return { ru: `срок не определить: ${p.message}`, en: `no period: ${p.message}` };
    case 'notCsvOrXlsx': return { ru: `файл «${p.name}» не CSV и не XLSX`, en: `the file "${p.name}" is neither CSV nor XLSX` };
    case 'missing': return { ru: 'файл не найден в NocoDB: приложите его заново', en: 'NocoDB has no such file: attach it again' };
    case 'tooLarge': return { ru: `файл больше ${p.maxMb} МБ`, en: `the file is larger than ${p.maxMb} MB` };
    case 'unreadable': return { ru: `файл не читается как ${p.kind}`, en: `the file cannot be read as ${p.kind}` };
    case 'noEmailColumn': return { ru: `в первой строке нет столбца email (есть: ${p.header || 'ничего'})`, en: `the first line has no email column (it has: ${p.header || 'nothing'})` };
    case 'noLines': return { ru: 'в файле нет строк с учениками', en: 'the file has no lines of students' };
    case 'tooManyLines': return { ru: `в файле ${p.lines} строк, больше ${p.max}: разделите его`, en: `the file has ${p.lines} lines, more than ${p.max}: split it` };
  }
}

/** The Status of a Grant files row, as staff read it (Russian unless the service is told otherwise). */
export function grantFileStatus(s: { status: string; granted: number; already: number; problems: number; problem: Record<Lang, string> | null }, lang: Lang): string {
  const t = {
    queued: { ru: 'в очереди', en: 'queued' },
    running: { ru: 'выполняется', en: 'running' },
    done: { ru: `готово: выдано ${s.granted}, уже было ${s.already}, не выдано ${s.problems}`, en: `done: ${s.granted} granted, ${s.already} had it already, ${s.problems} not granted` },
    refused: { ru: `отклонено: ${s.problem?.ru ?? ''}`, en: `refused: ${s.problem?.en ?? ''}` },
  } as Record<string, Record<Lang, string>>;
  return t[s.status]?.[lang] ?? s.status;
}

/** One line of a grant file's Report. */
export function grantFileReportLine(l: { line: number; email: string | null; problem: Record<Lang, string> | null; outcome: string }, lang: Lang): string {
  const who = l.email ? ` (${l.email})` : '';
  const what = l.problem?.[lang] ?? l.outcome;
  return lang === 'ru' ? `Строка ${l.line}${who}: ${what}` : `Line ${l.line}${who}: ${what}`;
}

/** Why a seat was not given or freed, in words: the refusal itself (seats.ts says it in English), with a Russian lead. */
export function seatRefusal(e: { code: string; message: string }, lang: Lang): string {
  if (e.code === 'PERMISSION_DENIED') return lang === 'ru' ? 'Это не ваш пакет мест.' : e.message;
  const lead = { ru: 'Не получилось', en: 'Not done' }[lang];
  return `${lead}: ${e.message}`;
}
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
