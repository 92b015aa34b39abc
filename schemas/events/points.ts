import { z } from 'zod';
import { answerRow, answersPayload } from './answers.ts';
import { nocodbDate, nocodbId } from './nocodb.ts';

/**
 * Events of the points capability (extensions/points): the one canonical event every
 * source is mapped to, and the inbox payloads it consumes. The hooks that produce the
 * payloads validate their envelope; these schemas validate what points relies on.
 */

/** Active actions the school rewards. Collector kinds arrive as `collector.<kind>`. */
export const POINTS_KINDS = [
  'club_post', 'club_topic', 'telegram_note', 'exercise_answer',
  'reading_heartbeat', 'ai_question', 'author_question', 'error_report', 'draft', 'note',
] as const;
export type PointsKind = (typeof POINTS_KINDS)[number];
export const pointsKind = z.enum(POINTS_KINDS);

/** The same list as schemas/events/collector.ts (collectorKinds): `note` is a note from another bot or app. */
export const COLLECTOR_KINDS = ['reading_heartbeat', 'ai_question', 'author_question', 'error_report', 'draft', 'note'] as const;
export type CollectorKind = (typeof COLLECTOR_KINDS)[number];

export function isIanaTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}
export const ianaTimeZone = z.string().min(1).max(64).refine(isIanaTimeZone, 'not an IANA time zone (for example Europe/Moscow)');

/** Where an external account is known: normalised ids (lower-case names and e-mails). */
export const ALIAS_SOURCES = ['email', 'telegram', 'discourse_user', 'discourse_username'] as const;
export type AliasSource = (typeof ALIAS_SOURCES)[number];
export const externalRef = z.object({ source: z.enum(ALIAS_SOURCES), id: z.string().min(1).max(320) });
export type ExternalRef = z.infer<typeof externalRef>;

const count = (max: number) => z.number().int().min(0).max(max);
/** Identity ids in PostgreSQL's spelling (lower case), so that ids compare equal everywhere. */
const identityId = () => z.uuid().transform((id) => id.toLowerCase());

export const canonicalEvent = z.object({
  /** Explicit idempotency key: the same key is the same event, counted once. */
  key: z.string().min(1).max(300),
  personId: identityId().optional(),
  externalRef: externalRef.optional(),
  /** Other ways the same person may be known (a Discourse user id and user name). */
  alternateRefs: z.array(externalRef).max(4).optional(),
  kind: pointsKind,
  occurredAt: z.iso.datetime({ offset: true }),
  /** The zone the person was in; the person's zone is used when absent. */
  timeZone: ianaTimeZone.optional(),
  source: z.string().min(1).max(40),
  /**
   * Versions of one thing: a post and its edits share `id`; the highest `version` counts,
   * and a retracting version (a deletion) counts nothing. Absent: the event is its own thing.
   */
  subject: z.object({
    id: z.string().min(1).max(300),
    version: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    retract: z.boolean().default(false),
  }).optional(),
  measures: z.object({
    characters: count(1_000_000).optional(),
    seconds: count(86_400).optional(),
    /** Actions this event stands for (default 1). */
    count: count(10_000).optional(),
  }).default({}),
  refs: z.looseObject({
    postId: z.union([z.string(), z.number()]).optional(),
    topicId: z.union([z.string(), z.number()]).optional(),
    exerciseId: z.union([z.string(), z.number()]).optional(),
    answerId: z.union([z.string(), z.number()]).optional(),
    noteId: z.union([z.string(), z.number()]).optional(),
    guideId: z.union([z.string(), z.number()]).optional(),
  }).default({}),
}).refine((e) => Boolean(e.personId) !== Boolean(e.externalRef), {
  message: 'exactly one of personId and externalRef is required', path: ['personId'],
});
export type CanonicalEvent = z.infer<typeof canonicalEvent>;

/**
 * `collector.<kind>`: the canonical event itself, from the authenticated batch endpoint,
 * either as above or in the collector's wire form (schemas/events/collector.ts:
 * person_id, external, occurred_at, time_zone), which is converted to it.
 */
export const collectorPayload = z.union([
  z.looseObject({
    key: z.string(),
    kind: z.string(),
    person_id: z.string().optional(),
    external: z.object({ source: z.string(), id: z.string() }).optional(),
    occurred_at: z.string(),
    time_zone: z.string().optional(),
    measures: z.unknown().optional(),
    refs: z.unknown().optional(),
  }).transform((e, ctx) => {
    const r = canonicalEvent.safeParse({
      key: e.key, kind: e.kind, personId: e.person_id, externalRef: e.external, occurredAt: e.occurred_at,
      timeZone: e.time_zone, source: 'collector', measures: e.measures ?? {}, refs: e.refs ?? {},
    });
    if (!r.success) {
      for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      return z.NEVER;
    }
    return r.data;
  }),
  // Tried second: the receiver's own shape (snake_case) is what arrives, and a failed parse costs more than a passed one.
  canonicalEvent,
]);

/** A collector's batch as stored (hooks/collector.ts): each event is mapped on its own, so one bad event costs only itself. */
export const collectorBatchPayload = z.object({ events: z.array(z.unknown()).min(1).max(1000) });

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date');
const discourseId = z.number().int();

/** Discourse webhook bodies (only what points reads; Discourse sends much more). */
export const discoursePostPayload = z.object({
  post: z.looseObject({
    id: discourseId,
    topic_id: discourseId.optional(),
    /** Null once the author's account is deleted (Discourse keeps the post). */
    user_id: discourseId.nullish(),
    username: z.string().min(1).nullish(),
    raw: z.string().optional(),
    cooked: z.string().optional(),
    post_number: z.number().int().optional(),
    post_type: z.number().int().optional(),
    topic_archetype: z.string().optional(),
    created_at: isoDate,
    updated_at: isoDate.optional(),
    deleted_at: isoDate.nullish(),
  }),
});
export type DiscoursePostPayload = z.infer<typeof discoursePostPayload>;

export const discourseTopicPayload = z.object({
  topic: z.looseObject({
    id: discourseId,
    archetype: z.string().optional(),
    created_at: isoDate,
    updated_at: isoDate.optional(),
    deleted_at: isoDate.nullish(),
    user_id: discourseId.optional(),
    created_by: z.looseObject({ id: discourseId, username: z.string().min(1) }).optional(),
    details: z.looseObject({
      created_by: z.looseObject({ id: discourseId, username: z.string().min(1) }).optional(),
    }).optional(),
  }),
});
export type DiscourseTopicPayload = z.infer<typeof discourseTopicPayload>;

/** Internationalised addresses (`анна@пример.рф`, or its punycode) are valid, as Discourse and Kratos take them. */
export const discourseUserPayload = z.object({
  user: z.looseObject({ id: discourseId, username: z.string().min(1), email: z.email({ pattern: z.regexes.unicodeEmail }).optional() }),
});

/** A NocoDB row change as the inbox carries it (hooks/nocodb.ts). */
const nocodbRowEvent = <R extends z.ZodType>(table: string, row: R) => z.looseObject({
  table: z.literal(table),
  row,
  previous: z.record(z.string(), z.unknown()).optional(),
});

/**
 * nocodb.answers.*: the answers row (declared once in answers.ts), and what points needs of
 * it besides: a time to count it on, and the student as an identity id. Points reads the row alone.
 */
export const nocodbAnswerPayload = answersPayload.pick({ table: true }).extend({
  row: answerRow
    .refine((r) => r.UpdatedAt || r.CreatedAt, 'a row needs UpdatedAt or CreatedAt')
    .refine((r) => !r.Student || identityId().safeParse(r.Student).success, {
      message: 'StudentIdentity is not an identity id (a UUID)', path: ['Student'],
    }),
});
export type NocodbAnswerPayload = z.infer<typeof nocodbAnswerPayload>;

/**
 * A number NocoDB may send as text, within bounds. The bounds keep every ledger line within
 * PostgreSQL's integer: with an event's measures at their limits (10,000 actions, 1,000,000
 * characters, 86,400 seconds) one event earns at most about 2.1e8 points.
 */
const nullableNumber = (min: number, max: number) => z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)])
  .pipe(z.number().min(min).max(max)).nullish();
export const nocodbRulePayload = nocodbRowEvent('points_rules', z.looseObject({
  Id: nocodbId,
  Kind: pointsKind.nullish(),
  Points: nullableNumber(-10_000, 10_000),
  PerCharacter: nullableNumber(0, 100),
  PerMinute: nullableNumber(0, 1_000),
  MinLength: nullableNumber(0, 1_000_000),
  DailyCap: nullableNumber(0, 1_000_000),
  CooldownSeconds: nullableNumber(0, 86_400),
  EffectiveFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}/).nullish(),
  AmbassadorShare: nullableNumber(0, 1),
  UpdatedAt: nocodbDate.nullish(),
}));
export type NocodbRulePayload = z.infer<typeof nocodbRulePayload>;

export const telegramNotePayload = z.object({
  update_id: z.number().int().optional(),
  note_id: z.union([z.string().min(1), z.number().int()]),
  telegram_user_id: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]),
  text: z.string(),
  /** Telegram's unix seconds, or an ISO date-time: when the note was first sent. */
  date: z.union([z.number().int().positive(), z.iso.datetime({ offset: true })]),
  /** An edit of the note: a new version of it, ordered by edit_date (update ids are not stable). */
  edited: z.boolean().optional(),
  edit_date: z.union([z.number().int().positive(), z.iso.datetime({ offset: true })]).optional(),
});
export type TelegramNotePayload = z.infer<typeof telegramNotePayload>;
