import { z } from 'zod';

/** Headers Discourse sends with every webhook delivery. */
export const discourseHeaders = z.object({
  'x-discourse-event-id': z.string().min(1),
  'x-discourse-event': z.string().regex(/^[a-z_]+$/),
  'x-discourse-event-type': z.string().regex(/^[a-z_]+$/),
  'x-discourse-instance': z.string().optional(),
});

const post = z.looseObject({
  id: z.number().int(),
  topic_id: z.number().int().optional(),
  // Null when the author's account was deleted (Discourse keeps such posts).
  user_id: z.number().int().nullish(),
  username: z.string().nullish(),
  raw: z.string().optional(),
  cooked: z.string().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
  deleted_at: z.string().nullish(),
});
const topic = z.looseObject({ id: z.number().int(), title: z.string().optional(), created_at: z.string().optional() });

/**
 * The body is one object keyed by the event type (`X-Discourse-Event-Type`: post, topic,
 * user, ping, ...). Posts and topics, which we count, are checked field by field; other
 * types only for their shape.
 */
const bodies = new Map<string, z.ZodType>([
  ['post', z.object({ post }).loose()],
  ['topic', z.object({ topic }).loose()],
  ['ping', z.object({ ping: z.string() }).loose()],
]);

export function discourseBodyFor(eventType: string): z.ZodType {
  let schema = bodies.get(eventType);
  if (!schema) {
    schema = z.object({ [eventType]: z.looseObject({}) }).loose();
    bodies.set(eventType, schema);
  }
  return schema;
}
