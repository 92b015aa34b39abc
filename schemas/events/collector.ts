import { z } from 'zod';

/** Kinds of "active actions" other collectors may report (guides' front end, bots, ...). */
export const collectorKinds = ['reading_heartbeat', 'ai_question', 'author_question', 'error_report', 'draft', 'note'] as const;

/** One event from a collector: an explicit idempotency key, who, what, when (with offset) and how much. */
export const collectorEvent = z.object({
  key: z.string().min(1).max(200),
  kind: z.enum(collectorKinds),
  person_id: z.uuid().optional(),
  external: z.object({ source: z.string().min(1).max(50), id: z.string().min(1).max(200) }).optional(),
  occurred_at: z.iso.datetime({ offset: true }),
  time_zone: z.string().min(1).max(64).optional(),
  measures: z.object({
    characters: z.number().int().min(0).max(1_000_000).optional(),
    seconds: z.number().int().min(0).max(86_400).optional(),
    count: z.number().int().min(0).max(10_000).optional(),
  }).default({}),
  refs: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
}).refine((e) => e.person_id || e.external, 'either person_id or external is required');
export type CollectorEvent = z.infer<typeof collectorEvent>;

export const collectorBatch = z.object({ events: z.array(collectorEvent).min(1).max(1000) });
