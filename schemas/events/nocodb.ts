import { z } from 'zod';

/** A NocoDB row id, as a number or its text. */
export const nocodbId = z.coerce.number().int().positive();
/** A NocoDB timestamp (`2025-03-01 10:00:00+00:00`), or any text Date.parse reads. */
export const nocodbDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date');

/** NocoDB v3 webhook body, as delivered with the custom body `{{ json event }}` (FIELD-NOTES). */
const row = z.looseObject({ Id: z.union([z.number(), z.string()]) });

export const nocodbWebhook = z.object({
  type: z.enum(['records.after.insert', 'records.after.update', 'records.after.delete']),
  id: z.string().min(1),
  base_id: z.string().min(1),
  version: z.literal('v3'),
  data: z.object({
    table_id: z.string().min(1),
    table_name: z.string(),
    rows: z.array(row).min(1).max(1000),
    previous_rows: z.array(row).optional(),
  }),
});
export type NocodbWebhook = z.infer<typeof nocodbWebhook>;

/** What a NocoDB row change becomes in the inbox, from a webhook or from the sweep. */
export interface NocodbRowEvent {
  table: string;
  tableId: string;
  operation: 'insert' | 'update' | 'delete';
  row: Record<string, unknown> & { Id: number | string };
  /** The row before an update; absent when the change was found by the sweep. */
  previous?: Record<string, unknown>;
  via: 'webhook' | 'sweep';
}
