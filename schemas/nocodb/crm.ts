import { col, defineTable } from './define.ts';

/** The CRM: contacts and leads, what the school sells and what was paid. Money is integer minor units. */
export const contacts = defineTable({
  key: 'contacts', title: 'Contacts', description: 'Everyone the school talks to; one per Ory identity (IdentityId)',
  columns: {
    Name: col.text(), Email: col.email(), Phone: col.phone(), TelegramUsername: col.text(),
    IdentityId: col.text('Ory Kratos identity id; unique'), Jurisdiction: col.select(['ru', 'world'] as const),
    Source: col.text('Where the contact came from'), Notes: col.longText(),
  },
  links: [
    { title: 'Leads', to: 'leads', type: 'hm' },
    { title: 'Subscriptions', to: 'subscriptions', type: 'hm' },
    { title: 'Payments', to: 'payments', type: 'hm' },
  ],
});

export const leads = defineTable({
  key: 'leads', title: 'Leads', description: 'Requests from the contact form',
  columns: {
    Name: col.text(), Email: col.email(), Phone: col.phone(), Message: col.longText(),
    Source: col.text(), Status: col.select(['new', 'contacted', 'won', 'lost'] as const),
  },
  hooks: ['insert'],
});

export const subscriptionTypes = defineTable({
  key: 'subscription_types', title: 'Subscription types', description: 'Kinds of access the school sells',
  columns: { Title: col.text(), Code: col.text(), Description: col.longText() },
  links: [{ title: 'Plans', to: 'subscription_plans', type: 'hm' }],
});

export const subscriptionPlans = defineTable({
  key: 'subscription_plans', title: 'Subscription plans', description: 'Prices and periods of a subscription type',
  columns: {
    Title: col.text(), PriceMinor: col.int('Price in minor units (kopecks, cents)'),
    Currency: col.select(['RUB', 'USD', 'EUR'] as const), Period: col.select(['month', 'quarter', 'year', 'once'] as const),
    Active: col.bool(),
  },
  links: [{ title: 'Subscriptions', to: 'subscriptions', type: 'hm' }],
});

export const subscriptions = defineTable({
  key: 'subscriptions', title: 'Subscriptions', description: 'A contact\'s subscription to a plan',
  columns: {
    IdentityId: col.text('Ory identity id of the holder'), Status: col.select(['active', 'paused', 'expired', 'cancelled'] as const),
    StartsOn: col.date(), EndsOn: col.date(),
  },
  links: [{ title: 'Payments', to: 'payments', type: 'hm' }],
  hooks: ['insert', 'update', 'delete'],
});

export const payments = defineTable({
  key: 'payments', title: 'Payments', description: 'Payments received; the money ledger itself is kept by the service',
  columns: {
    AmountMinor: col.int('Amount in minor units'), Currency: col.select(['RUB', 'USD', 'EUR'] as const),
    Provider: col.text(), ExternalId: col.text(), Status: col.select(['pending', 'succeeded', 'refunded', 'failed'] as const),
    PaidAt: col.dateTime(),
  },
});

export const crmTables = [contacts, leads, subscriptionTypes, subscriptionPlans, subscriptions, payments];
