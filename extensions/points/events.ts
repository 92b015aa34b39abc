import { createHash } from 'node:crypto';
import type { z } from 'zod';
import {
  canonicalEvent, collectorBatchPayload, collectorPayload, COLLECTOR_KINDS, discoursePostPayload, discourseTopicPayload, nocodbAnswerPayload,
  telegramNotePayload, type CanonicalEvent, type ExternalRef, type PointsKind,
} from '../../schemas/events/points.ts';
import { cookedText, writtenCharacters } from './characters.ts';
import { issuesOf } from '../../kernel/validation.ts';

/**
 * Inbox payloads -> canonical events (schemas/events/points.ts). Pure: the caller passes
 * "now". Each mapping states its idempotency key and, for things that change (a post, an
 * answer), the subject and version that let an edit replace and a deletion cancel it.
 */

export type Mapped =
  /** `rejected`: events of a collector batch that were not valid (the others count). */
  | { type: 'events'; events: CanonicalEvent[]; rejected?: Rejected[] }
  /** Valid, but nothing to count (a private message, a whisper, a draft answer's first save). */
  | { type: 'skip'; reason: string }
  /** Not valid: recorded in points_ignored with the reason, never retried. */
  | { type: 'invalid'; reason: string; details?: unknown };

export interface Rejected {
  index: number;
  reason: string;
  details?: unknown;
}

/** Events further in the future than this are refused: a wrong clock, not activity. */
const FUTURE_SLACK_MS = 10 * 60_000;

export const CANONICAL_TOPICS = [
  'discourse.post_created', 'discourse.post_edited', 'discourse.post_destroyed', 'discourse.post_recovered',
  'discourse.topic_created', 'discourse.topic_destroyed', 'discourse.topic_recovered',
  'nocodb.answers.insert', 'nocodb.answers.update', 'nocodb.answers.delete',
  'telegram.note',
  ...COLLECTOR_KINDS.map((k) => `collector.${k}`),
  // A collector's batch, stored as one inbox event (hooks/collector.ts).
  'collector.batch',
] as const;

export function mapsToEvents(topic: string): boolean {
  return (CANONICAL_TOPICS as readonly string[]).includes(topic);
}

/** `receivedAt`: when the inbox took the delivery (a recovery has no time of its own in Discourse's body). */
export function mapEvent(topic: string, payload: unknown, now: Date, receivedAt: Date = now): Mapped {
  if (topic === 'collector.batch') return mapCollectorBatch(payload, now);
  let mapped: Mapped;
  try {
    mapped = route(topic, payload, receivedAt);
  } catch (e) {
    if (e instanceof RangeError) return { type: 'invalid', reason: e.message };
    throw e;
  }
  if (mapped.type !== 'events') return mapped;
  const events: CanonicalEvent[] = [];
  for (const e of mapped.events) {
    const checked = canonicalEvent.safeParse(e);
    if (!checked.success) return invalid('canonical event is not valid', checked.error);
    if (Date.parse(checked.data.occurredAt) > now.getTime() + FUTURE_SLACK_MS) {
      return { type: 'invalid', reason: `occurredAt ${checked.data.occurredAt} is in the future` };
    }
    events.push(checked.data);
  }
  return { type: 'events', events };
}

/** Each event of a batch on its own: an invalid one is rejected with its index, the others count. */
function mapCollectorBatch(payload: unknown, now: Date): Mapped {
  const parsed = collectorBatchPayload.safeParse(payload);
  if (!parsed.success) return invalid('collector batch is not valid', parsed.error);
  const events: CanonicalEvent[] = [];
  const rejected: Rejected[] = [];
  parsed.data.events.forEach((e, index) => {
    const kind = e && typeof e === 'object' && 'kind' in e ? String(e.kind) : '';
    const m = mapEvent(`collector.${kind}`, e, now);
    if (m.type === 'events') events.push(...m.events);
    else if (m.type === 'invalid') rejected.push({ index, reason: m.reason, ...(m.details === undefined ? {} : { details: m.details }) });
  });
  return { type: 'events', events, rejected };
}

function route(topic: string, payload: unknown, receivedAt: Date): Mapped {
  if (topic.startsWith('discourse.post_')) return fromDiscoursePost(topic.slice('discourse.post_'.length), payload, receivedAt);
  if (topic.startsWith('discourse.topic_')) return fromDiscourseTopic(topic.slice('discourse.topic_'.length), payload, receivedAt);
  if (topic === 'nocodb.answers.delete') return fromAnswerDeleted(payload);
  if (topic.startsWith('nocodb.answers.')) return fromAnswer(payload);
  if (topic === 'telegram.note') return fromTelegramNote(payload);
  if (topic.startsWith('collector.')) return fromCollector(topic.slice('collector.'.length), payload);
  return { type: 'invalid', reason: `topic ${topic} is not mapped to points` };
}

function invalid(reason: string, error: z.ZodError): Mapped {
  return { type: 'invalid', reason, details: issuesOf(error) };
}

/** An instant from a source's text; NocoDB may leave out the offset, which then is UTC. */
export function parseInstant(text: string): Date {
  let t = text.trim().replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) t += 'T00:00:00';
  if (!/([zZ]|[+-]\d{2}:?\d{2})$/.test(t)) t += 'Z';
  const at = new Date(Date.parse(t));
  if (Number.isNaN(at.getTime())) throw new RangeError(`not a date: ${text}`);
  return at;
}
const iso = (d: Date) => d.toISOString();
/** Versions double the time so that a retraction beats an edit of the same millisecond. */
const version = (at: Date, retract: boolean) => at.getTime() * 2 + (retract ? 1 : 0);

/**
 * One change of a Discourse post or topic: its key, its creation as the time of the
 * action, and the version by which a later change replaces an earlier one. What Discourse
 * sends (test/fixtures/discourse/README.md) decides each version's time:
 *   - created, edited: `updated_at` (topics have none: `created_at`);
 *   - destroyed: `deleted_at`, the deletion's own time (`updated_at` is the last edit's);
 *   - recovered: Discourse's body carries no time of it (staff recovery leaves `updated_at`
 *     alone, `deleted_at` is null again), so the time we received it: after the deletion
 *     it undoes, and before any edit made after it, which then replaces it as usual.
 * A retraction beats an edit of the same millisecond (version()).
 */
function discourseChange(thing: 'post' | 'topic', id: number, action: string, receivedAt: Date,
  t: { created_at: string; updated_at?: string | null; deleted_at?: string | null }): Pick<CanonicalEvent, 'key' | 'occurredAt'> & { subject: { id: string; version: number; retract: boolean } } {
  const retract = action === 'destroyed';
  const stamp = action === 'recovered' ? receivedAt
    : parseInstant(retract ? t.deleted_at ?? t.updated_at ?? t.created_at : t.updated_at ?? t.created_at);
  return {
    key: `discourse:${thing}:${id}:${action}:${stamp.getTime()}`,
    occurredAt: iso(parseInstant(t.created_at)),
    subject: { id: `discourse:${thing}:${id}`, version: version(stamp, retract), retract },
  };
}

function discourseRefs(userId: number, username: string | null | undefined): Pick<CanonicalEvent, 'externalRef' | 'alternateRefs'> {
  const refs: ExternalRef[] = username ? [{ source: 'discourse_username', id: username.toLowerCase() }] : [];
  return { externalRef: { source: 'discourse_user', id: String(userId) }, alternateRefs: refs };
}

function fromDiscoursePost(action: string, payload: unknown, receivedAt: Date): Mapped {
  const parsed = discoursePostPayload.safeParse(payload);
  if (!parsed.success) return invalid('Discourse post payload is not valid', parsed.error);
  const post = parsed.data.post;
  if (post.topic_archetype === 'private_message') return { type: 'skip', reason: 'private message' };
  if (post.post_type !== undefined && post.post_type !== 1) return { type: 'skip', reason: `post type ${post.post_type} is not a regular post` };
  // Discourse keeps the posts of a deleted account with no author (user_id null), and gives
  // them to the system user when staff recover them: they count to nobody.
  if (post.user_id === null || post.user_id === undefined) return { type: 'skip', reason: 'author deleted' };
  if (post.user_id <= 0) return { type: 'skip', reason: 'system user' };
  const change = discourseChange('post', post.id, action, receivedAt, post);
  const text = post.raw ?? (post.cooked !== undefined ? cookedText(post.cooked) : undefined);
  return {
    type: 'events',
    events: [{
      ...change,
      ...discourseRefs(post.user_id, post.username),
      kind: 'club_post',
      source: 'discourse',
      measures: change.subject.retract || text === undefined ? {} : { characters: writtenCharacters(text) },
      refs: { postId: post.id, ...(post.topic_id !== undefined ? { topicId: post.topic_id } : {}) },
    }],
  };
}

function fromDiscourseTopic(action: string, payload: unknown, receivedAt: Date): Mapped {
  const parsed = discourseTopicPayload.safeParse(payload);
  if (!parsed.success) return invalid('Discourse topic payload is not valid', parsed.error);
  const topic = parsed.data.topic;
  if (topic.archetype === 'private_message') return { type: 'skip', reason: 'private message' };
  const author = topic.created_by ?? topic.details?.created_by;
  if (!author) return { type: 'invalid', reason: 'Discourse topic payload names no author (created_by)' };
  if (author.id <= 0) return { type: 'skip', reason: 'system user' };
  return {
    type: 'events',
    events: [{
      ...discourseChange('topic', topic.id, action, receivedAt, topic),
      ...discourseRefs(author.id, author.username),
      kind: 'club_topic',
      source: 'discourse',
      measures: {},
      refs: { topicId: topic.id },
    }],
  };
}

/**
 * An answer counts once it leaves draft: its characters are the answer's. Each saved version
 * replaces the previous one (subject = the row); a row set back to draft or emptied counts
 * nothing. The day is the day it was submitted (SubmittedAt, else CreatedAt).
 */
function fromAnswer(payload: unknown): Mapped {
  const parsed = nocodbAnswerPayload.safeParse(payload);
  if (!parsed.success) return invalid('NocoDB answers row is not valid', parsed.error);
  const row = parsed.data.row;
  const personId = row.Student;
  if (!personId) return { type: 'invalid', reason: 'answers row has no StudentIdentity' };
  const answer = row.Answer;
  const retract = row.Status === 'draft' || answer.trim() === '';
  const updated = parseInstant((row.UpdatedAt ?? row.CreatedAt)!);
  const occurred = parseInstant((row.SubmittedAt ?? row.CreatedAt ?? row.UpdatedAt)!);
  const hash = createHash('sha256').update(`${row.Status ?? ''}\u0001${answer}`).digest('base64url').slice(0, 12);
  return {
    type: 'events',
    events: [{
      key: `nocodb:answers:${row.Id}:${updated.getTime()}:${hash}`,
      personId,
      kind: 'exercise_answer',
      occurredAt: iso(occurred),
      source: 'nocodb',
      subject: { id: `nocodb:answers:${row.Id}`, version: version(updated, retract), retract },
      measures: retract ? {} : { characters: writtenCharacters(answer) },
      refs: { answerId: row.Id, ...(row.Exercise !== null && row.Exercise !== undefined ? { exerciseId: row.Exercise } : {}) },
    }],
  };
}

/**
 * A deleted answer counts nothing from then on: its retraction beats every version (NocoDB
 * never gives a row id again), whether the delete webhook or the deletion sweep brought it.
 */
function fromAnswerDeleted(payload: unknown): Mapped {
  const parsed = nocodbAnswerPayload.safeParse(payload);
  if (!parsed.success) return invalid('NocoDB answers row is not valid', parsed.error);
  const row = parsed.data.row;
  if (!row.Student) return { type: 'skip', reason: 'a deleted answer of nobody' };
  return {
    type: 'events',
    events: [{
      key: `nocodb:answers:${row.Id}:deleted`,
      personId: row.Student,
      kind: 'exercise_answer',
      occurredAt: iso(parseInstant((row.SubmittedAt ?? row.CreatedAt ?? row.UpdatedAt)!)),
      source: 'nocodb',
      subject: { id: `nocodb:answers:${row.Id}`, version: Number.MAX_SAFE_INTEGER, retract: true },
      measures: {},
      refs: { answerId: row.Id },
    }],
  };
}

const telegramTime = (t: number | string) => (typeof t === 'number' ? new Date(t * 1000) : parseInstant(t));

/**
 * A note to the school's bot. An edit is a new version of the same note, ordered by its
 * edit_date (Telegram's seconds): never by update_id, which Telegram may start afresh after
 * a week without updates. Two edits within one second are one version: the first counted stays.
 */
function fromTelegramNote(payload: unknown): Mapped {
  const parsed = telegramNotePayload.safeParse(payload);
  if (!parsed.success) return invalid('Telegram note payload is not valid', parsed.error);
  const note = parsed.data;
  const written = telegramTime(note.date);
  const edited = note.edited === true || note.edit_date !== undefined;
  const editedAt = note.edit_date !== undefined ? telegramTime(note.edit_date) : written;
  const order = Math.floor(editedAt.getTime() / 1000);
  return {
    type: 'events',
    events: [{
      key: `telegram:note:${note.note_id}${edited ? `:edit:${order}` : ''}`,
      externalRef: { source: 'telegram', id: String(note.telegram_user_id) },
      kind: 'telegram_note',
      occurredAt: iso(written),
      source: 'telegram',
      subject: { id: `telegram:note:${note.note_id}`, version: edited ? order : 0, retract: false },
      measures: { characters: writtenCharacters(note.text) },
      refs: { noteId: note.note_id },
    }],
  };
}

const NEEDS: Partial<Record<PointsKind, 'seconds' | 'characters'>> = { reading_heartbeat: 'seconds', draft: 'characters' };

/**
 * The collector's events are canonical already (or its wire form, converted). The key is
 * namespaced by person, so that one person's client cannot take (and so cancel) another
 * person's key.
 */
function fromCollector(kind: string, payload: unknown): Mapped {
  const parsed = collectorPayload.safeParse(payload);
  if (!parsed.success) return invalid('collector event is not valid', parsed.error);
  const e = parsed.data;
  if (e.kind !== kind) return { type: 'invalid', reason: `event kind ${e.kind} does not match topic collector.${kind}` };
  const need = NEEDS[e.kind];
  if (need && e.measures[need] === undefined) return { type: 'invalid', reason: `${e.kind} needs measures.${need}` };
  const who = e.personId ?? (e.externalRef ? `${e.externalRef.source}:${e.externalRef.id}` : '');
  const ns = `collector:${who}:`;
  const subject = e.subject ? { ...e.subject, id: ns + e.subject.id } : undefined;
  return { type: 'events', events: [{ ...e, key: ns + e.key, source: 'collector', subject }] };
}
