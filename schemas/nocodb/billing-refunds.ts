import { z } from 'zod';
import { col, defineTable } from './define.ts';

/**
 * Refunds staff ask for (issue 14): a row names the payment (its provider payment id, as the
 * staff view billing_orders shows it), how much (empty: what is left of it) and why
 * (required). The service asks the payment's provider and writes back what became of it:
 * Status, ProviderRefundId and Problem are the service's, edits to them are overwritten. A
 * row is one refund: once asked, a change of its Payment or AmountMinor asks for nothing
 * more (a new refund is a new row). The record is billing_refund_request in PostgreSQL.
 */
export const REFUND_STATUSES = ['pending', 'succeeded', 'failed', 'refused'] as const;

export const refunds = defineTable({
  key: 'refunds', title: 'Refunds',
  description: 'Money given back: the payment (provider payment id from billing_orders), the amount in minor units (empty: the rest) and the reason (required). Status, ProviderRefundId and Problem are written by the service',
  columns: {
    Payment: col.text('The provider payment id, as billing_orders shows it (provider_payment_id); provider:id when two providers share it'),
    AmountMinor: col.int('How much, in minor units: 150000 is 1 500.00 (empty: what is left of the payment)'),
    Reason: col.longText('Why the money is given back (required)'),
    Status: col.select(REFUND_STATUSES, 'Written by the service: pending (asked, the provider has not confirmed), succeeded (booked), failed (the provider said no), refused (not asked: see Problem)'),
    ProviderRefundId: col.text('Written by the service: the provider\'s id of the refund'),
    Problem: col.longText('Written by the service: why it was not done'),
  },
  hooks: ['insert', 'update'],
  ru: {
    title: 'Возвраты', description: 'Возврат денег: платёж (id платежа у провайдера из billing_orders), сумма в минимальных единицах (пусто: остаток) и причина (обязательна). Статус, ID у провайдера и Проблему пишет сервис',
    columns: {
      Payment: ['Платёж', 'Id платежа у провайдера, как его показывает billing_orders (provider_payment_id); provider:id, если такой id есть у двух провайдеров'],
      AmountMinor: ['Сумма', 'Сколько, в минимальных единицах: 150000 — это 1 500.00 (пусто: остаток платежа)'],
      Reason: ['Причина', 'Почему деньги возвращаются (обязательно)'],
      Status: ['Статус', 'Пишет сервис: ожидает (запрошен, провайдер не подтвердил), проведён (учтён), отклонён (провайдер отказал), не запрошен (см. Проблема)'],
      ProviderRefundId: ['ID у провайдера', 'Пишет сервис: id возврата у провайдера'],
      Problem: ['Проблема', 'Пишет сервис: почему возврат не сделан'],
    },
    options: { Status: { pending: 'ожидает', succeeded: 'проведён', failed: 'отклонён', refused: 'не запрошен' } },
  },
});

export const billingRefundTables = [refunds];

const cell = z.string().nullish().transform((v) => (v && v.trim() ? v.trim() : null));

/** A Refunds row as its webhook and the sweep carry it (empty cells are null). */
export const refundRow = z.looseObject({
  Id: z.coerce.number().int().positive(),
  Payment: cell,
  AmountMinor: z.union([z.number(), z.string(), z.null()]).optional().transform((v, ctx) => {
    if (v === null || v === undefined || v === '') return null;
    const n = Number(v);
    if (!Number.isSafeInteger(n)) { ctx.addIssue({ code: 'custom', message: 'a whole number of minor units' }); return z.NEVER; }
    return n;
  }),
  Reason: cell,
  Status: z.string().nullish(),
  ProviderRefundId: z.string().nullish(),
  Problem: z.string().nullish(),
  UpdatedAt: z.string().nullish(),
});
export type RefundRow = z.infer<typeof refundRow>;
