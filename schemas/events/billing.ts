import { z } from 'zod';
import { DURATIONS, GRANT_KINDS, PRODUCT_KINDS, RENEWAL_PRICES } from '../nocodb/billing.ts';

/**
 * Rows of billing's NocoDB tables (schemas/nocodb/billing.ts) as their webhooks and the
 * sweep carry them, validated before billing mirrors them. Empty cells are null; a
 * belongs-to link comes as its foreign key (`plans_id`) and as `{Id, ...}`.
 */
const rowId = z.coerce.number().int().positive();
const text = z.string().nullish().transform((v) => (v ? v.trim() || null : null));
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'expected a date YYYY-MM-DD').transform((v) => v.slice(0, 10)).nullish().transform((v) => v ?? null);
const count = z.coerce.number().int().nullish().transform((v) => v ?? null);
const bool = z.union([z.boolean(), z.number(), z.string()]).nullish().transform((v) => v === true || v === 1 || v === '1' || v === 'true');
const fk = z.coerce.number().int().positive().nullish().transform((v) => v ?? null);

export const productRow = z.looseObject({
  Id: rowId, Title: text, Code: text, Kind: z.enum(PRODUCT_KINDS).nullish().transform((v) => v ?? null), TelegramChat: text,
  NextStepsRu: text, NextStepsEn: text,
  UpdatedAt: z.string().nullish(),
});
export const planRow = z.looseObject({
  Id: rowId, Title: text, Duration: z.enum(DURATIONS).nullish().transform((v) => v ?? null),
  StartsOn: day, EndsOn: day, Jurisdiction: z.enum(['ru', 'world']).nullish().transform((v) => v ?? null),
  Currency: z.enum(['RUB', 'USD', 'EUR', 'XTR']).nullish().transform((v) => v ?? null), Archived: bool,
  RenewalPrice: z.enum(RENEWAL_PRICES).nullish().transform((v) => v ?? null), TrialDays: count, Installments: count,
  UpdatedAt: z.string().nullish(), products_id: fk,
});
export const priceRow = z.looseObject({
  Id: rowId, AmountMinor: count, ValidFrom: day, UpdatedAt: z.string().nullish(), plans_id: fk,
});
export const priceScheduleRow = z.looseObject({
  Id: rowId, StepMinor: count, EveryMonths: count, StartsOn: day, EndsOn: day, CapMinor: count, UpdatedAt: z.string().nullish(), plans_id: fk,
});
export const grantRow = z.looseObject({
  Id: rowId, Kind: z.enum(GRANT_KINDS).nullish().transform((v) => v ?? null), Reason: text, StartsOn: day, EndsOn: day,
  Revoked: bool, RevokeReason: text, UpdatedAt: z.string().nullish(), people_id: fk, plans_id: fk,
});

/** GET /api/billing/... query parameters. */
export const figuresQuery = z.object({
  on: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  from: z.string().regex(/^\d{4}-\d{2}$/, 'expected a month YYYY-MM').optional(),
  to: z.string().regex(/^\d{4}-\d{2}$/, 'expected a month YYYY-MM').optional(),
  months: z.coerce.number().int().min(1).max(60).optional(),
});
