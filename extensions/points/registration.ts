import type { z } from 'zod';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import { kratosWebhook, verifiedEmails } from '../../schemas/events/kratos.ts';
import { discourseUserPayload, isIanaTimeZone, type ExternalRef } from '../../schemas/events/points.ts';
import type { CountingContext } from './ingest.ts';
import { lockForCounting } from './ledger.ts';
import { addClaims, markClaimsLinked, withdrawClaims } from './claims-store.ts';
import { attach, recordParked } from './links.ts';
import { addPendingAliases, aliasesOf, findPerson, linkAliases, refText, upsertPerson, type Person } from './people-store.ts';
import { recomputeScope } from './settle-store.ts';
import { linkReferral, type LinkOutcome } from './referrals.ts';
import { settleGroups } from './settle.ts';
import { issuesOf } from '../../kernel/validation.ts';

/**
 * A person appears (kratos.registration) or changes their profile (kratos.settings): the
 * accounts they prove become their aliases (links.ts), what they only claim waits, their
 * parked activity is counted, and a referral code links them to their ambassador. A
 * Discourse account appears (discourse.user_created): it is linked to the person whose
 * verified e-mail it has, or waits for them.
 */

export type PeopleOutcome =
  | { type: 'applied'; parkedCounted: number; referral?: LinkOutcome; aliasesTaken: string[] }
  | { type: 'invalid'; reason: string; details?: unknown };

const issues = (e: z.ZodError) => issuesOf(e);

/**
 * What a profile proves and what it only claims: its e-mail is proven once Kratos shows it
 * verified; a Telegram id typed into the traits and a club user name typed at registration
 * are claims (anyone can type anyone's), linked only by their proofs.
 */
export function profileRefs(email: string, verified: boolean, telegramId: number | undefined, clubUsername: string | undefined): { proven: ExternalRef[]; claimed: ExternalRef[] } {
  const mail: ExternalRef = { source: 'email', id: email.trim().toLowerCase() };
  const claimed: ExternalRef[] = verified ? [] : [mail];
  if (telegramId) claimed.push({ source: 'telegram', id: String(telegramId) });
  if (clubUsername) claimed.push({ source: 'discourse_username', id: clubUsername.toLowerCase() });
  return { proven: verified ? [mail] : [], claimed };
}

export async function onIdentity(tx: PoolClient, payload: unknown, ctx: CountingContext & { log: Logger; registration: boolean }): Promise<PeopleOutcome> {
  const parsed = kratosWebhook.safeParse(payload);
  if (!parsed.success) return { type: 'invalid', reason: 'Kratos identity payload is not valid', details: issues(parsed.error) };
  // Traits are what Kratos keeps (the time zone among them); the registration form's
  // transient_payload carries what only this moment needs: a referral code, a club name.
  const { identity, transient_payload: hints } = parsed.data;
  const { traits } = identity;
  const id = identity.id.toLowerCase();
  const zone = traits.time_zone && isIanaTimeZone(traits.time_zone) ? traits.time_zone : undefined;
  const name = [traits.name?.first, traits.name?.last].filter(Boolean).join(' ').trim();
  await lockForCounting(tx, [id]);
  await upsertPerson(tx, { personId: id, timeZone: zone, displayName: name || undefined, registered: ctx.registration }, ctx.defaultTimeZone);

  const email = traits.email.trim().toLowerCase();
  const { proven, claimed } = profileRefs(email, verifiedEmails(identity).has(email), traits.telegram?.id, hints?.discourse_username);
  // A changed e-mail or Telegram id withdraws the claim of the old one.
  await withdrawClaims(tx, id, 'email', [email]);
  await withdrawClaims(tx, id, 'telegram', traits.telegram?.id ? [String(traits.telegram.id)] : []);
  const claimedIn = ctx.registration ? 'registration' : 'settings';
  await addClaims(tx, id, claimed, claimedIn);
  const { taken } = await attach(tx, id, proven, 'verified_email');
  if (taken.length) {
    ctx.log.warn({ component: 'points', person: id, taken }, 'accounts already belong to another person; left with them');
    // A verified e-mail that is someone else's link waits as a claim, for staff to see.
    await addClaims(tx, id, proven.filter((r) => taken.includes(refText(r))), claimedIn);
  }

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
  // The person was found by their e-mail link, which only a verified address makes.
  await lockForCounting(tx, [person.personId]);
  const { linked, taken } = await linkAliases(tx, person.personId, accounts, 'club_email');
  await markClaimsLinked(tx, person.personId, linked);
  const { counted, groups } = await recordParked(tx, person, linked, ctx);
  await settleGroups(tx, groups, ctx.now);
  return { type: 'applied', parkedCounted: counted, aliasesTaken: taken };
}
