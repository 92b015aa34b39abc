import { col, defineTable } from './define.ts';

/**
 * Billing's catalog and staff grants (issue 13), edited by staff in NocoDB. These rows are
 * requests and settings; the record of what was sold, granted and paid is the service's own
 * (schemas/migrations/05xx), shown back to staff as read-only grids.
 */
export const PRODUCT_KINDS = ['subscription', 'course', 'training', 'internship', 'workshop', 'seminar'] as const;
export const DURATIONS = ['month', 'quarter', 'year', '2 years', 'fixed dates'] as const;
export const RENEWAL_PRICES = ['price at renewal', 'price bought at'] as const;
export const GRANT_KINDS = ['free', 'free corporate'] as const;

export const products = defineTable({
  key: 'products', title: 'Products', description: 'What the school sells: a subscription (БР, БР+), a course, a training, an internship, a workshop, a seminar; and what each opens (Guides)',
  columns: {
    Title: col.text(), Code: col.text('A short stable code, e.g. br, br-plus'), Kind: col.select(PRODUCT_KINDS),
    Description: col.longText(), TelegramChat: col.text('The Telegram chat its holders are let into (id or @name)'),
    NextStepsRu: col.longText('What a payer does next (Russian): shown on the thank-you page and sent after paying. Plain text; a line "- " is a list item, [text](https://...) a link'),
    NextStepsEn: col.longText('The same in English (empty: the Russian text, else the default)'),
  },
  links: [
    { title: 'Plans', to: 'plans', type: 'hm' },
    { title: 'Guides', to: 'guides', type: 'mm' },
  ],
  hooks: ['insert', 'update', 'delete'],
  ru: {
    title: 'Продукты', description: 'Что продаёт школа: подписку (БР, БР+), курс, тренинг, стажировку, мастерскую, семинар; и что каждый продукт открывает (Руководства)',
    columns: {
      Title: ['Название', 'Название продукта'],
      Code: ['Код', 'Короткий постоянный код, например br, br-plus'],
      Kind: ['Вид', 'Вид продукта'],
      Description: ['Описание', 'Описание продукта'],
      TelegramChat: ['Чат Telegram', 'Чат Telegram, куда пускают владельцев продукта (id или @имя)'],
      NextStepsRu: ['Следующие шаги по-русски', 'Что плательщику делать дальше (по-русски): показывается на странице благодарности и отправляется после оплаты. Простой текст; строка «- » — пункт списка, [текст](https://...) — ссылка'],
      NextStepsEn: ['Следующие шаги по-английски', 'То же по-английски (пусто: русский текст, а если нет и его — текст по умолчанию)'],
    },
    options: {
      Kind: { subscription: 'подписка', course: 'курс', training: 'тренинг', internship: 'стажировка', workshop: 'мастерская', seminar: 'семинар' },
    },
    links: {
      Plans: ['Тарифы', 'Тарифы, по которым продаётся продукт'],
      Guides: ['Руководства', 'Руководства, которые открывает продукт'],
    },
    backLinks: { Plans: 'Продукт' },
  },
});

export const plans = defineTable({
  key: 'plans', title: 'Plans', description: 'How a product is sold: for how long, where (ru: roubles, world: other currencies), archived or not, and how a renewal is priced',
  columns: {
    Title: col.text(), Duration: col.select(DURATIONS),
    StartsOn: col.date('Fixed dates only: the first day (a seminar)'), EndsOn: col.date('Fixed dates only: the last day'),
    Jurisdiction: col.select(['ru', 'world'] as const), Currency: col.select(['RUB', 'USD', 'EUR', 'XTR'] as const, 'XTR: Telegram Stars, whole stars; such a plan is sold through the school bot only'),
    Archived: col.bool('No longer sold; its holders keep it'),
    RenewalPrice: col.select(RENEWAL_PRICES, 'price at renewal: a renewal pays the price of its day; price bought at: the price the person first paid'),
    TrialDays: col.int('Days of trial before the first payment (0: none)'),
    Installments: col.int('Parts it may be paid in (1: at once)'),
  },
  links: [
    { title: 'Prices', to: 'prices', type: 'hm' },
    { title: 'Price schedules', to: 'price_schedules', type: 'hm' },
    { title: 'Grants', to: 'grants', type: 'hm' },
    // The groups whose members hold this plan while they are members (a mentor-led course includes it).
    { title: 'Groups', to: 'groups', type: 'hm' },
  ],
  hooks: ['insert', 'update', 'delete'],
  ru: {
    title: 'Тарифы', description: 'Как продаётся продукт: на какой срок, где (ru: за рубли, world: в других валютах), в архиве или нет и какая цена у продления',
    columns: {
      Title: ['Название', 'Название тарифа'],
      Duration: ['Срок', 'На какой срок продаётся тариф'],
      StartsOn: ['Начало', 'Только для точных дат: первый день (семинар)'],
      EndsOn: ['Конец', 'Только для точных дат: последний день'],
      Jurisdiction: ['Юрисдикция', 'Где продаётся: ru — за рубли, world — в других валютах'],
      Currency: ['Валюта', 'XTR: звёзды Telegram, целыми звёздами; такой тариф продаётся только через бота школы'],
      Archived: ['В архиве', 'Больше не продаётся; у владельцев он остаётся'],
      RenewalPrice: ['Цена продления', 'цена на день продления: продление оплачивается по цене своего дня; цена первой оплаты: по цене, которую человек заплатил в первый раз'],
      TrialDays: ['Пробные дни', 'Дней пробного периода до первой оплаты (0: без пробного периода)'],
      Installments: ['Части оплаты', 'На сколько частей можно разбить оплату (1: сразу целиком)'],
    },
    options: {
      Duration: { month: 'месяц', quarter: 'квартал', year: 'год', '2 years': '2 года', 'fixed dates': 'точные даты' },
      RenewalPrice: { 'price at renewal': 'цена на день продления', 'price bought at': 'цена первой оплаты' },
    },
    links: {
      Prices: ['Цены', 'Цены тарифа по датам'],
      'Price schedules': ['Графики цен', 'Правила, по которым цена тарифа растёт по расписанию'],
      Grants: ['Выдачи доступа', 'Подписки на этот тариф, выданные вручную'],
      Groups: ['Группы', 'Группы, участники которых владеют этим тарифом, пока состоят в группе'],
    },
    backLinks: { Prices: 'Тариф', 'Price schedules': 'Тариф', Grants: 'Тариф', Groups: 'Тариф' },
  },
});

export const prices = defineTable({
  key: 'prices', title: 'Prices', description: 'A plan\'s price from a date, in minor units (kopecks, cents). A new price is a new row; what was sold keeps its price',
  columns: { AmountMinor: col.int('Price in minor units: 990000 is 9 900.00'), ValidFrom: col.date('The first day of this price'), Note: col.text() },
  hooks: ['insert', 'update', 'delete'],
  ru: {
    title: 'Цены', description: 'Цена тарифа с определённого дня, в минимальных единицах (копейках, центах). Новая цена — новая строка; проданное сохраняет свою цену',
    columns: {
      AmountMinor: ['Сумма', 'Цена в минимальных единицах: 990000 — это 9 900.00'],
      ValidFrom: ['Действует с', 'Первый день этой цены'],
      Note: ['Примечание', 'Примечание к цене'],
    },
  },
});

export const priceSchedules = defineTable({
  key: 'price_schedules', title: 'Price schedules', description: 'A rule that raises a plan\'s price on a schedule, e.g. +10000 (100 RUB) every 3 months from 2025-07-01',
  columns: {
    StepMinor: col.int('Added on each step date, in minor units'), EveryMonths: col.int('Months between steps (3: each quarter)'),
    StartsOn: col.date('The first step date'), EndsOn: col.date('No steps after this day (empty: no end)'),
    CapMinor: col.int('The price never goes above this (empty: no cap)'),
  },
  hooks: ['insert', 'update', 'delete'],
  ru: {
    title: 'Графики цен', description: 'Правило, по которому цена тарифа растёт по расписанию, например +10000 (100 RUB) каждые 3 месяца с 2025-07-01',
    columns: {
      StepMinor: ['Шаг', 'Сколько добавляется в каждую дату шага, в минимальных единицах'],
      EveryMonths: ['Период в месяцах', 'Месяцев между шагами (3: каждый квартал)'],
      StartsOn: ['Начало', 'Первая дата шага'],
      EndsOn: ['Конец', 'После этого дня шагов нет (пусто: без конца)'],
      CapMinor: ['Потолок', 'Выше этой цены не поднимается никогда (пусто: без потолка)'],
    },
  },
});

export const grants = defineTable({
  key: 'grants', title: 'Grants', description: 'Subscriptions staff give by hand: a person, a plan, a kind and a reason (required). Tick Revoked (with a reason) to take it back. What became of each is in billing_grants',
  columns: {
    Kind: col.select(GRANT_KINDS), Reason: col.longText('Why it is given (required)'),
    StartsOn: col.date('Empty: today'), EndsOn: col.date('The last day; empty: one period of the plan'),
    Revoked: col.bool(), RevokeReason: col.text('Why it is taken back (required to revoke)'),
  },
  hooks: ['insert', 'update', 'delete'],
  ru: {
    title: 'Выдачи доступа', description: 'Подписки, которые сотрудники выдают вручную: человек, тариф, вид и причина (обязательна). Чтобы забрать, отметьте Отозвана (и укажите причину). Что стало с каждой выдачей — в billing_grants',
    columns: {
      Kind: ['Вид', 'Вид выдачи'],
      Reason: ['Причина', 'Почему выдаётся (обязательно)'],
      StartsOn: ['Начало', 'Первый день; пусто: сегодня'],
      EndsOn: ['Конец', 'Последний день; пусто: один период тарифа'],
      Revoked: ['Отозвана', 'Отмечено: выдача отозвана'],
      RevokeReason: ['Причина отзыва', 'Почему доступ забирают (обязательно, чтобы отозвать)'],
    },
    options: { Kind: { free: 'бесплатно', 'free corporate': 'бесплатно корпоративно' } },
  },
});

export const billingTables = [products, plans, prices, priceSchedules, grants];
