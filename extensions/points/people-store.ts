import type { Pool, PoolClient } from 'pg';
import type { CanonicalEvent, ExternalRef } from '../../schemas/events/points.ts';
import { LOCK_PERSON, LOCK_RULES } from './ledger.ts';

/**
 * SQL of persons, their external accounts (aliases) and parked events: activity of an
 * account nobody has claimed yet, kept until its person appears. With the text form an
 * alias takes in those tables (refText, parseRef).
 */

export interface Person {
  personId: string;
  timeZone: string;
}

/** The external accounts an event names, first the one it was sent with (none when it names a person). */
export const refsOf = (e: CanonicalEvent): ExternalRef[] => (e.personId || !e.externalRef ? [] : [e.externalRef, ...(e.alternateRefs ?? [])]);

/** `source:external_id`, the form aliases take in points_parked.refs. */
export const refText = (r: ExternalRef) => `${r.source}:${r.id}`;

export function parseRef(text: string): ExternalRef | undefined {
  const i = text.indexOf(':');
  const source = text.slice(0, i);
  const id = text.slice(i + 1);
  if (i <= 0 || !id) return undefined;
  if (source !== 'email' && source !== 'telegram' && source !== 'discourse_user' && source !== 'discourse_username') return undefined;
  return { source, id };
}

const LOCKS = `pg_advisory_xact_lock_shared(${LOCK_RULES}, 0)::text as rules_lock,
  pg_advisory_xact_lock(${LOCK_PERSON}, hashtext(person_id::text))::text as person_lock`;

/**
 * The person of an event, locked for counting (ledger.ts, lockForCounting) in the same
 * round trip: by id (created on first sight with the default zone), or by the first of
 * its external accounts that is linked (undefined when none is: the event parks).
 */
export async function resolveAndLock(tx: PoolClient, who: { personId: string } | { refs: ExternalRef[] }, defaultTimeZone: string): Promise<Person | undefined> {
  if ('personId' in who) {
    const { rows } = await tx.query<{ person_id: string; time_zone: string | null }>({
      name: 'points.person-by-id',
      text: `select person_id::text, (select time_zone from points_person p where p.person_id = x.person_id) as time_zone, ${LOCKS}
        from (select $1::uuid as person_id) x`,
      values: [who.personId],
    });
    const row = rows[0]!;
    return row.time_zone ? { personId: row.person_id, timeZone: row.time_zone } : ensurePerson(tx, row.person_id, defaultTimeZone);
  }
  if (who.refs.length === 0) return undefined;
  const { rows } = await tx.query<{ person_id: string; time_zone: string }>({
    name: 'points.person-by-ref',
    text: `with found as (
        select p.person_id, p.time_zone
        from unnest($1::text[], $2::text[]) with ordinality as r(source, external_id, n)
        join points_person_alias a on a.source = r.source and a.external_id = r.external_id
        join points_person p on p.person_id = a.person_id
        order by r.n limit 1
      )
      select person_id::text, time_zone, ${LOCKS} from found`,
    values: [who.refs.map((r) => r.source), who.refs.map((r) => r.id)],
  });
  const row = rows[0];
  return row ? { personId: row.person_id, timeZone: row.time_zone } : undefined;
}

/** A person known by id: created on first sight with the default zone (registration may set another). */
export async function ensurePerson(tx: PoolClient, personId: string, defaultTimeZone: string): Promise<Person> {
  const found = await tx.query<{ time_zone: string }>('select time_zone from points_person where person_id = $1', [personId]);
  if (found.rows[0]) return { personId, timeZone: found.rows[0].time_zone };
  const { rows } = await tx.query<{ time_zone: string }>(`
    with ins as (insert into points_person (person_id, time_zone) values ($1, $2) on conflict (person_id) do nothing returning time_zone)
    select time_zone from ins union all select time_zone from points_person where person_id = $1`, [personId, defaultTimeZone]);
  return { personId, timeZone: rows[0]?.time_zone ?? defaultTimeZone };
}

/**
 * The people of many events at once (ingest-batch.ts): by id (created on first sight with
 * the default zone), or by the first of their external accounts that is linked (undefined:
 * the event parks). Not locked: the caller locks them all in one statement.
 */
export async function resolvePeople(tx: PoolClient, events: CanonicalEvent[], defaultTimeZone: string): Promise<(Person | undefined)[]> {
  const byId = [...new Set(events.flatMap((e) => (e.personId ? [e.personId] : [])))];
  const zones = new Map<string, string>();
  if (byId.length) {
    const { rows } = await tx.query<{ person_id: string; time_zone: string }>({
      name: 'points.batch-people-by-id',
      text: `with ins as (
          insert into points_person (person_id, time_zone) select p, $2 from unnest($1::uuid[]) p order by p
          on conflict (person_id) do nothing returning person_id, time_zone
        )
        select person_id::text, time_zone from ins
        union all select person_id::text, time_zone from points_person where person_id = any($1::uuid[])`,
      values: [byId, defaultTimeZone],
    });
    for (const r of rows) zones.set(r.person_id, r.time_zone);
  }
  const refRows = events.flatMap((e, n) => refsOf(e).map((ref, order) => ({ n, order, ref })));
  const byRef = new Map<number, Person>();
  if (refRows.length) {
    const { rows } = await tx.query<{ n: number; person_id: string; time_zone: string }>({
      name: 'points.batch-people-by-ref',
      text: `select distinct on (r.n) r.n, p.person_id::text, p.time_zone
        from unnest($1::int[], $2::int[], $3::text[], $4::text[]) as r(n, ord, source, external_id)
        join points_person_alias a on a.source = r.source and a.external_id = r.external_id
        join points_person p on p.person_id = a.person_id
        order by r.n, r.ord`,
      values: [refRows.map((r) => r.n), refRows.map((r) => r.order), refRows.map((r) => r.ref.source), refRows.map((r) => r.ref.id)],
    });
    for (const r of rows) byRef.set(r.n, { personId: r.person_id, timeZone: r.time_zone });
  }
  return events.map((e, n) => {
    const id = e.personId;
    return id ? { personId: id, timeZone: zones.get(id) ?? defaultTimeZone } : byRef.get(n);
  });
}

/** The person behind the first of `refs` that is linked, in the order given. */
export async function findPerson(tx: PoolClient, refs: ExternalRef[]): Promise<Person | undefined> {
  if (refs.length === 0) return undefined;
  const { rows } = await tx.query<{ person_id: string; time_zone: string }>(`
    select p.person_id, p.time_zone
    from unnest($1::text[], $2::text[]) with ordinality as r(source, external_id, n)
    join points_person_alias a on a.source = r.source and a.external_id = r.external_id
    join points_person p on p.person_id = a.person_id
    order by r.n limit 1`, [refs.map((r) => r.source), refs.map((r) => r.id)]);
  const row = rows[0];
  return row ? { personId: row.person_id, timeZone: row.time_zone } : undefined;
}

/** Parks events of people not known yet, each under the accounts it names; returns how many were new. */
export async function park(tx: PoolClient, events: { event: CanonicalEvent; inboxEventId: string | null }[]): Promise<number> {
  if (events.length === 0) return 0;
  const r = await tx.query({
    name: 'points.park',
    text: `insert into points_parked (key, refs, event, inbox_event_id)
      select key, array(select jsonb_array_elements_text(refs)), event, inbox_event_id
      from unnest($1::text[], $2::jsonb[], $3::jsonb[], $4::bigint[]) as t(key, refs, event, inbox_event_id)
      on conflict (key) do nothing`,
    values: [events.map((p) => p.event.key), events.map((p) => JSON.stringify(refsOf(p.event).map(refText))),
      events.map((p) => JSON.stringify(p.event)), events.map((p) => p.inboxEventId)],
  });
  return r.rowCount ?? 0;
}

export interface ParkedEvent {
  key: string;
  event: CanonicalEvent;
  inboxEventId: string | null;
}

/** Parked events of any of these aliases, locked until the transaction ends. */
export async function parkedFor(tx: PoolClient, refs: string[]): Promise<ParkedEvent[]> {
  if (refs.length === 0) return [];
  const { rows } = await tx.query<{ key: string; event: CanonicalEvent; inbox_event_id: string | null }>(`
    select key, event, inbox_event_id::text from points_parked where resolved_at is null and refs && $1::text[]
    order by parked_at, key for update`, [refs]);
  return rows.map((r) => ({ key: r.key, event: r.event, inboxEventId: r.inbox_event_id }));
}

export async function markResolved(tx: PoolClient, keys: string[], personId: string): Promise<void> {
  if (keys.length === 0) return;
  await tx.query('update points_parked set resolved_at = now(), person_id = $2 where key = any($1::text[])', [keys, personId]);
}

export interface PersonFacts {
  personId: string;
  /** Set only when the source says so; otherwise the stored zone (or the default) stays. */
  timeZone?: string;
  displayName?: string;
  registered: boolean;
}

export async function upsertPerson(tx: PoolClient, p: PersonFacts, defaultTimeZone: string): Promise<void> {
  await tx.query(`
    insert into points_person (person_id, time_zone, display_name, registered_at)
    values ($1, coalesce($2, $3), $4, case when $5 then now() end)
    on conflict (person_id) do update set
      time_zone = coalesce($2, points_person.time_zone),
      display_name = coalesce($4, points_person.display_name),
      registered_at = coalesce(points_person.registered_at, excluded.registered_at)`,
  [p.personId, p.timeZone ?? null, defaultTimeZone, p.displayName ?? null, p.registered]);
}

export interface LinkResult {
  /** Aliases now (or already) this person's. */
  linked: string[];
  /** Aliases that belong to someone else: left alone, first owner keeps them. */
  taken: string[];
}

/** How a link was proven (schemas/migrations/0212): only these make an external account a person's. */
export type Proof = 'verified_email' | 'club_email' | 'telegram_login';

/**
 * Links proven aliases to a person (links.ts decides what is proven). An alias someone
 * else already has stays theirs: its points must not move by anyone's say-so.
 */
export async function linkAliases(tx: PoolClient, personId: string, refs: ExternalRef[], proof: Proof): Promise<LinkResult> {
  if (refs.length === 0) return { linked: [], taken: [] };
  await tx.query(`insert into points_person_alias (source, external_id, person_id, proof)
    select s, e, $3::uuid, $4 from unnest($1::text[], $2::text[]) as r(s, e) on conflict (source, external_id) do nothing`,
  [refs.map((r) => r.source), refs.map((r) => r.id), personId, proof]);
  const { rows } = await tx.query<{ ref: string; person_id: string }>(`
    select a.source || ':' || a.external_id as ref, a.person_id from points_person_alias a
    join unnest($1::text[], $2::text[]) as r(source, external_id) on a.source = r.source and a.external_id = r.external_id`,
  [refs.map((r) => r.source), refs.map((r) => r.id)]);
  return {
    linked: rows.filter((r) => r.person_id === personId).map((r) => r.ref),
    taken: rows.filter((r) => r.person_id !== personId).map((r) => r.ref),
  };
}

/** All aliases of a person, as refs. */
export async function aliasesOf(tx: PoolClient, personId: string): Promise<string[]> {
  const { rows } = await tx.query<{ ref: string }>(`select source || ':' || external_id as ref from points_person_alias where person_id = $1`, [personId]);
  return rows.map((r) => r.ref);
}

/** Remembers that whoever owns `ref` (an e-mail) also owns `aliases` (a Discourse account). */
export async function addPendingAliases(tx: PoolClient, ref: string, aliases: string[]): Promise<void> {
  await tx.query(`insert into points_alias_pending (ref, alias) select $1, a from unnest($2::text[]) a on conflict do nothing`, [ref, aliases]);
}

/** Pending aliases for any of `refs`, taken (deleted) for linking. */
export async function takePendingAliases(tx: PoolClient, refs: string[]): Promise<ExternalRef[]> {
  const { rows } = await tx.query<{ alias: string }>('delete from points_alias_pending where ref = any($1::text[]) returning alias', [refs]);
  return rows.map((r) => parseRef(r.alias)).filter((r): r is ExternalRef => r !== undefined);
}

export async function personTimeZone(db: Pool | PoolClient, personId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ time_zone: string }>('select time_zone from points_person where person_id = $1', [personId]);
  return rows[0]?.time_zone;
}

/** The zone future events of a person count in; counted days never move (each event keeps its zone). */
export async function setTimeZone(db: Pool | PoolClient, personId: string, timeZone: string): Promise<void> {
  await db.query(`insert into points_person (person_id, time_zone) values ($1, $2)
    on conflict (person_id) do update set time_zone = excluded.time_zone`, [personId, timeZone]);
}
