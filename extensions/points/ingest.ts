import type { PoolClient } from 'pg';
import type { CanonicalEvent } from '../../schemas/events/points.ts';
import { localDay } from './calendar.ts';
import { insertEvent, lockForCounting, type GroupState, type NewEvent, type OtherVersion } from './ledger.ts';
import { park, refsOf, resolveAndLock, type Person } from './people-store.ts';
import { compareKeys, type Group } from './rules.ts';
import { settleGroups } from './settle.ts';

export interface CountingContext {
  defaultTimeZone: string;
  /** Booking time of the lines this appends. */
  now: Date;
  inboxEventId: string | null;
}

export type IngestOutcome = 'counted' | 'duplicate' | 'parked';

/** The versions an event belongs to: itself alone when it names no subject. */
export const subjectOf = (e: CanonicalEvent) => e.subject ?? { id: e.key, version: 0, retract: false };

/**
 * One canonical event into the ledger: find its person (or park it until they appear),
 * append it once (its key), then settle the days it touches. Runs in the caller's
 * transaction, which also marks the inbox event done. Three round trips in the common
 * case: person and lock, event and its day, lines.
 */
export async function ingest(tx: PoolClient, event: CanonicalEvent, ctx: CountingContext): Promise<IngestOutcome> {
  const refs = refsOf(event);
  const person = await resolveAndLock(tx, event.personId ? { personId: event.personId } : { refs }, ctx.defaultTimeZone);
  if (!person) return (await park(tx, [{ event, inboxEventId: ctx.inboxEventId }])) ? 'parked' : 'duplicate';
  const r = await record(tx, event, person, ctx.inboxEventId);
  if (!r) return 'duplicate';
  await settleGroups(tx, r.groups, ctx.now, [r.known]);
  return 'counted';
}

export interface Recorded {
  /** The event's own day, with the event in it. */
  known: { group: Group; state: GroupState };
  /** Other days touched: other versions of the same subject. */
  groups: Group[];
}

/** The row an event appends for its person: the zone it counts in, its local day, its subject's version. */
export function newEvent(event: CanonicalEvent, person: Person, inboxEventId: string | null): NewEvent {
  const timeZone = event.timeZone ?? person.timeZone;
  const occurredAt = new Date(Date.parse(event.occurredAt));
  const subject = subjectOf(event);
  return {
    key: event.key, personId: person.personId, kind: event.kind, source: event.source, occurredAt, timeZone,
    day: localDay(occurredAt, timeZone), subject: subject.id, version: subject.version, retract: subject.retract,
    actions: event.measures.count ?? 1, characters: event.measures.characters ?? null, seconds: event.measures.seconds ?? null,
    refs: event.refs, inboxEventId,
  };
}

/** Appends the event for a known, locked person; null for a duplicate. */
export async function record(tx: PoolClient, event: CanonicalEvent, person: Person, inboxEventId: string | null): Promise<Recorded | null> {
  const row = newEvent(event, person, inboxEventId);
  const { occurredAt } = row;
  const subject = subjectOf(event);
  const group: Group = { personId: person.personId, kind: event.kind, day: row.day };
  const inserted = await insertEvent(tx, row);
  if (!inserted) return null;
  const me: OtherVersion = { eventId: inserted.id, personId: person.personId, kind: event.kind, day: group.day, version: String(subject.version), key: event.key };
  const state = withNewEvent(inserted.before, me, subject.retract, inserted.others, {
    eventId: inserted.id, key: event.key, occurredAt: occurredAt.getTime(), actions: event.measures.count ?? 1,
    characters: event.measures.characters ?? null, seconds: event.measures.seconds ?? null,
  });
  const sameDay = (o: OtherVersion) => o.personId === group.personId && o.kind === group.kind && o.day === group.day;
  const groups = inserted.others.filter((o) => !sameDay(o)).map(groupOf);
  groups.push(...await retractFormerOwners(tx, subject.id, [me, ...inserted.others]));
  return { known: { group, state }, groups };
}

const groupOf = (o: OtherVersion): Group => ({ personId: o.personId, kind: o.kind, day: o.day });

const newer = (a: Pick<OtherVersion, 'version' | 'key'>, b: Pick<OtherVersion, 'version' | 'key'>) => {
  const d = BigInt(a.version) - BigInt(b.version);
  return d > 0n || (d === 0n && compareKeys(a.key, b.key) > 0);
};

/** The day as read before the insert, plus the new event, with the liveness it changes. */
function withNewEvent(before: GroupState, me: OtherVersion, retract: boolean, others: OtherVersion[], action: GroupState['live'][number]): GroupState {
  const mine = others.filter((o) => o.personId === me.personId);
  const live = !retract && !mine.some((o) => newer(o, me));
  const superseded = new Set(mine.filter((o) => newer(me, o)).map((o) => o.eventId));
  return {
    ...before,
    eventIds: [...before.eventIds, me.eventId],
    live: [...before.live.filter((a) => !superseded.has(a.eventId)), ...(live ? [action] : [])],
  };
}

/**
 * A thing can change hands (staff move a Discourse post to another user). Liveness is per
 * person, so each former owner gets a retracting version at the latest version: their
 * copy stops counting, and a full recomputation, which looks at one person at a time,
 * reaches the same answer.
 */
async function retractFormerOwners(tx: PoolClient, subject: string, versions: OtherVersion[]): Promise<Group[]> {
  const owners = new Set(versions.map((v) => v.personId));
  if (owners.size < 2) return [];
  const latest = versions.reduce((a, b) => (newer(a, b) ? a : b));
  const groups: Group[] = [];
  for (const former of owners) {
    if (former === latest.personId) continue;
    const theirs = versions.filter((v) => v.personId === former);
    await lockForCounting(tx, [former]);
    const r = await insertEvent(tx, {
      key: `${subject}:moved:${former}:${latest.version}`, personId: former, kind: theirs[0]!.kind, source: 'points',
      occurredAt: new Date(0), timeZone: 'UTC', day: theirs[0]!.day, subject, version: Number(latest.version), retract: true,
      actions: 0, characters: null, seconds: null, refs: { movedTo: latest.personId }, inboxEventId: null,
    });
    if (r) groups.push(...theirs.map(groupOf));
  }
  return groups;
}
