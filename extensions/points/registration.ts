import type { z } from 'zod';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import { kratosWebhook } from '../../schemas/events/kratos.ts';
import { discourseUserPayload, isIanaTimeZone, type ExternalRef } from '../../schemas/events/points.ts';
import { record, type CountingContext } from './ingest.ts';
import { lockForCounting } from './ledger.ts';
import {
  addPendingAliases, aliasesOf, findPerson, linkAliases, markResolved, parkedFor, refText, takePendingAliases, upsertPerson, type Person,
} from './people-store.ts';
import { recomputeScope } from './settle-store.ts';
import { linkReferral, type LinkOutcome } from './referrals.ts';
import type { Group } from './rules.ts';
import { settleGroups } from './settle.ts';
import { issuesOf } from '../../kernel/validation.ts';

/**
 * A person appears (kratos.registration) or changes their profile (kratos.settings): their
 * accounts become aliases, their parked activity is counted, and a referral code links
 * them to their ambassador. A Discourse account appears (discourse.user_created): it is
 * linked to the person with its e-mail, or waits for them.
 */

export type PeopleOutcome =
  | { type: 'applied'; parkedCounted: number; referral?: LinkOutcome; aliasesTaken: string[] }
  | { type: 'invalid'; reason: string; details?: unknown };

const issues = (e: z.ZodError) => issuesOf(e);

export async function onIdentity(tx: PoolClient, payload: unknown, ctx: CountingContext & { log: Logger; registration: boolean }): Promise<PeopleOutcome> {
  const parsed = kratosWebhook.safeParse(payload);
  if (!parsed.success) return { type: 'invalid', reason: 'Kratos identity payload is not valid', details: issues(parsed.error) };
  // Traits are what Kratos keeps (the time zone among them); the registration form's
  // transient_payload carries what only this moment needs: a referral code, a club name.
  const { identity: { traits }, transient_payload: hints } = parsed.data;
  const id = parsed.data.identity.id.toLowerCase();
  const zone = traits.time_zone && isIanaTimeZone(traits.time_zone) ? traits.time_zone : undefined;
  const name = [traits.name?.first, traits.name?.last].filter(Boolean).join(' ').trim();
  await lockForCounting(tx, [id]);
  await upsertPerson(tx, { personId: id, timeZone: zone, displayName: name || undefined, registered: ctx.registration }, ctx.defaultTimeZone);

  const refs: ExternalRef[] = [{ source: 'email', id: traits.email.trim().toLowerCase() }];
  if (traits.telegram?.id) refs.push({ source: 'telegram', id: String(traits.telegram.id) });
  if (hints?.discourse_username) refs.push({ source: 'discourse_username', id: hints.discourse_username.toLowerCase() });
  refs.push(...await takePendingAliases(tx, refs.map(refText)));
  const { taken } = await linkAliases(tx, id, refs);
  if (taken.length) ctx.log.warn({ component: 'points', person: id, taken }, 'accounts already belong to another person; left with them');

  const code = hints?.referral_code;
  const referral = ctx.registration && code ? await linkReferral(tx, id, code) : undefined;
  if (referral === 'unknown_code' || referral === 'own_code') ctx.log.info({ component: 'points', person: id, referral }, 'referral code not applied');

  const person: Person = { personId: id, timeZone: zone ?? (await currentZone(tx, id)) };
  const { counted, groups } = await recordParked(tx, person, await aliasesOf(tx, id), ctx);
  if (referral === 'linked') {
    // Activity counted before the link (collector events come with the person's id) now
    // earns the ambassador's share too: recompute the person, set-based.
    await recomputeScope(tx, { personIds: [id], kinds: null, fromDay: null }, ctx.now);
    await settleGroups(tx, groups.filter((g) => g.personId !== id), ctx.now);
  } else {
    await settleGroups(tx, groups, ctx.now);
  }
  return { type: 'applied', parkedCounted: counted, referral, aliasesTaken: taken };
}

async function currentZone(tx: PoolClient, personId: string): Promise<string> {
  const { rows } = await tx.query<{ time_zone: string }>('select time_zone from points_person where person_id = $1', [personId]);
  return rows[0]!.time_zone;
}

/** Moves a person's parked events into the ledger's events; returns the days to settle. */
async function recordParked(tx: PoolClient, person: Person, refs: string[], ctx: CountingContext): Promise<{ counted: number; groups: Group[] }> {
  const parked = await parkedFor(tx, refs);
  const groups: Group[] = [];
  let counted = 0;
  for (const p of parked) {
    const { externalRef: _ref, alternateRefs: _alt, ...event } = p.event;
    const r = await record(tx, { ...event, personId: person.personId }, person, p.inboxEventId);
    if (r) {
      // Several parked events may share a day: settle each day once, read after all inserts.
      groups.push(r.known.group, ...r.groups);
      counted += 1;
    }
  }
  await markResolved(tx, parked.map((p) => p.key), person.personId);
  return { counted, groups };
}

export async function onDiscourseUser(tx: PoolClient, payload: unknown, ctx: CountingContext & { log: Logger }): Promise<PeopleOutcome> {
  const parsed = discourseUserPayload.safeParse(payload);
  if (!parsed.success) return { type: 'invalid', reason: 'Discourse user payload is not valid', details: issues(parsed.error) };
  const { id, username, email } = parsed.data.user;
  const accounts: ExternalRef[] = [
    { source: 'discourse_user', id: String(id) },
    { source: 'discourse_username', id: username.toLowerCase() },
  ];
  if (!email) return { type: 'applied', parkedCounted: 0, aliasesTaken: [] };
  const emailRef: ExternalRef = { source: 'email', id: email.trim().toLowerCase() };
  const person = await findPerson(tx, [emailRef]);
  if (!person) {
    await addPendingAliases(tx, refText(emailRef), accounts.map(refText));
    return { type: 'applied', parkedCounted: 0, aliasesTaken: [] };
  }
  await lockForCounting(tx, [person.personId]);
  const { linked, taken } = await linkAliases(tx, person.personId, accounts);
  const { counted, groups } = await recordParked(tx, person, linked, ctx);
  await settleGroups(tx, groups, ctx.now);
  return { type: 'applied', parkedCounted: counted, aliasesTaken: taken };
}
