import { z } from 'zod';

/**
 * Payloads the identity capability reads (extensions/identity), each validated here:
 * Kratos web hooks, NocoDB row events and the rows read back from NocoDB, the CSV of a
 * bulk import, and the HTTP API's parameters.
 */

/** Kratos' traits and hook bodies are declared once, in kratos.ts; the names the capability reads them by. */
export { kratosTraits as identityTraits, kratosWebhook as identityHookPayload } from './kratos.ts';
export type { KratosTraits as IdentityTraits, KratosWebhook as IdentityHookPayload } from './kratos.ts';

const rowId = z.coerce.number().int().positive();
const text = z.string().nullish().transform((v) => (v ? v.trim() || null : null));

/** nocodb.<table>.<operation> inbox payloads (hooks/nocodb.ts, hooks/nocodb-sweep.ts). */
export const nocodbRowPayload = z.looseObject({
  table: z.string(),
  operation: z.enum(['insert', 'update', 'delete']),
  row: z.looseObject({ Id: rowId }),
  previous: z.looseObject({}).nullish(),
  via: z.enum(['webhook', 'sweep']).optional(),
});
export type NocodbRowPayload = z.infer<typeof nocodbRowPayload>;

/** A NocoDB link field: `{Id, Title}` for belongs-to, or the foreign key column itself. */
const linkedId = z.union([z.looseObject({ Id: rowId }).transform((l) => l.Id), rowId]).nullish().transform((v) => v ?? null);

/** Rows as NocoRows returns them (schemas/nocodb): only the fields the permission sync reads. */
export const personRow = z.looseObject({
  Id: rowId, IdentityId: text,
  Roles: z.union([z.string(), z.array(z.string())]).nullish()
    .transform((v) => (Array.isArray(v) ? v : (v ?? '').split(',')).map((r) => r.trim()).filter(Boolean)),
});
export const mentorRow = z.looseObject({ Id: rowId, IdentityId: text, people_id: linkedId, Active: z.coerce.boolean().nullish().transform((v) => v === true) });
export const workbookRow = z.looseObject({ Id: rowId, people_id: linkedId, groups_id: linkedId, guides_id: linkedId });
export const guideRow = z.looseObject({ Id: rowId, Slug: text });
export const subscriptionRow = z.looseObject({
  Id: rowId, IdentityId: text, Status: z.string().nullish().transform((v) => v ?? null),
  EndsOn: z.string().nullish().transform((v) => (v ? v.slice(0, 10) : null)),
});
export const groupRow = z.looseObject({ Id: rowId, Title: text });
export const crmRow = z.looseObject({ Id: rowId });

/** One line of a bulk import CSV (scripts/import-students.ts); headers are matched case-insensitively. */
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);
export const importLine = z.object({
  email: z.preprocess(blankToUndefined, z.email({ pattern: z.regexes.unicodeEmail }).max(320)).transform((e) => e.toLowerCase()),
  name: z.preprocess(blankToUndefined, z.string().max(200).optional()),
  telegram_username: z.preprocess(
    (v) => (typeof blankToUndefined(v) === 'string' ? (blankToUndefined(v) as string).replace(/^@/, '') : undefined),
    z.string().regex(/^[A-Za-z0-9_]{4,32}$/, 'a Telegram username is 4-32 letters, digits or _').optional(),
  ),
  group: z.preprocess(blankToUndefined, z.string().max(200).optional()),
  locale: z.preprocess(blankToUndefined, z.enum(['ru', 'en']).optional()),
  jurisdiction: z.preprocess(blankToUndefined, z.enum(['ru', 'world']).optional()),
  phone: z.preprocess(blankToUndefined, z.string().max(40).optional()),
});
export type ImportLine = z.infer<typeof importLine>;

/** Route parameters and queries of /api/identity. */
export const rowIdParam = z.object({ id: z.string().regex(/^[1-9]\d{0,9}$/, 'a NocoDB row id').transform(Number) });
export const reconcileQuery = z.object({
  dry_run: z.enum(['true', 'false', '1', '0']).optional().transform((v) => v === 'true' || v === '1'),
});
