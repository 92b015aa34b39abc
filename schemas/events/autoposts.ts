import { z } from 'zod';

/**
 * Rows of the autoposts' NocoDB tables (schemas/nocodb/autoposts.ts) as webhooks, the sweep
 * and reads carry them. NocoDB prints a DateTime as `2026-05-01 09:00:00+00:00`; one without
 * an offset is UTC. A belongs-to link comes as its foreign key (`post_templates_id`).
 */
const rowId = z.coerce.number().int().positive();
const text = z.string().nullish().transform((v) => (v ? v.trim() || null : null));
const bool = z.union([z.boolean(), z.number(), z.string()]).nullish().transform((v) => v === true || v === 1 || v === '1' || v === 'true');
const fk = z.union([z.looseObject({ Id: rowId }).transform((l) => l.Id), rowId]).nullish().transform((v) => v ?? null);

export const nocodbDateTime = z.string().nullish().transform((v, ctx) => {
  if (!v || !v.trim()) return null;
  const iso = v.trim().replace(' ', 'T');
  const at = new Date(/([zZ]|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`);
  if (Number.isNaN(at.getTime())) {
    ctx.addIssue({ code: 'custom', message: `not a date and time: ${v}` });
    return z.NEVER;
  }
  return at;
});

export const autopostRow = z.looseObject({
  Id: rowId, Title: text, SendAt: nocodbDateTime, Cancelled: bool, post_templates_id: fk, UpdatedAt: z.string().nullish(),
});
export const postTemplateRow = z.looseObject({
  Id: rowId, Title: text, Text: z.string().nullish().transform((v) => v ?? null),
  Language: z.enum(['ru', 'en']).nullish().transform((v) => v ?? 'ru'),
});
export type AutopostRow = z.infer<typeof autopostRow>;
export type PostTemplateRow = z.infer<typeof postTemplateRow>;
