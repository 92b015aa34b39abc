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
});

export const prices = defineTable({
  key: 'prices', title: 'Prices', description: 'A plan\'s price from a date, in minor units (kopecks, cents). A new price is a new row; what was sold keeps its price',
  columns: { AmountMinor: col.int('Price in minor units: 990000 is 9 900.00'), ValidFrom: col.date('The first day of this price'), Note: col.text() },
  hooks: ['insert', 'update', 'delete'],
});

export const priceSchedules = defineTable({
  key: 'price_schedules', title: 'Price schedules', description: 'A rule that raises a plan\'s price on a schedule, e.g. +10000 (100 RUB) every 3 months from 2025-07-01',
  columns: {
    StepMinor: col.int('Added on each step date, in minor units'), EveryMonths: col.int('Months between steps (3: each quarter)'),
    StartsOn: col.date('The first step date'), EndsOn: col.date('No steps after this day (empty: no end)'),
    CapMinor: col.int('The price never goes above this (empty: no cap)'),
  },
  hooks: ['insert', 'update', 'delete'],
});

export const grants = defineTable({
  key: 'grants', title: 'Grants', description: 'Subscriptions staff give by hand: a person, a plan, a kind and a reason (required). Tick Revoked (with a reason) to take it back. What became of each is in billing_grants',
  columns: {
    Kind: col.select(GRANT_KINDS), Reason: col.longText('Why it is given (required)'),
    StartsOn: col.date('Empty: today'), EndsOn: col.date('The last day; empty: one period of the plan'),
    Revoked: col.bool(), RevokeReason: col.text('Why it is taken back (required to revoke)'),
  },
  hooks: ['insert', 'update', 'delete'],
});

export const billingTables = [products, plans, prices, priceSchedules, grants];
