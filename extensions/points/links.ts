import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { inTransaction } from '../../kernel/db.ts';
import { verifiedEmails } from '../../schemas/events/kratos.ts';
import type { ExternalRef } from '../../schemas/events/points.ts';
import {
  addClaims, dueEmailClaims, linksOf, markClaimsLinked, postponeEmailClaims, useProof, withdrawClaims, type PersonLinks,
} from './claims-store.ts';
import { record, type CountingContext } from './ingest.ts';
import { lockForCounting } from './ledger.ts';
import {
  aliasesOf, ensurePerson, linkAliases, markResolved, parkedFor, refText, takePendingAliases, type LinkResult, type Person, type Proof,
} from './people-store.ts';
import type { Group } from './rules.ts';
import { settleGroups } from './settle.ts';

/**
 * Verified links only (issue 12): an external account becomes a person's only through a
 * proof. An e-mail Kratos shows verified links, and with it the club accounts that came
 * with that e-mail; a Telegram account links when its owner signs in with Telegram's
 * Login Widget while signed in here (the account capability checks the signature). What a
 * person only says (an unverified e-mail, a Telegram id typed into the profile, a club
 * user name at registration) is a claim (claims-store.ts) that waits, shown to staff in
 * identity_pending_links. Activity of an account not linked yet stays parked and counts
 * once the link is made.
 */

const emailRef = (email: string): ExternalRef => ({ source: 'email', id: email });

/**
 * Links proven accounts to a locked person: a verified e-mail brings the club accounts that
 * waited for it (points_alias_pending); claims they fulfil are marked linked.
 */
export async function attach(tx: PoolClient, personId: string, proven: ExternalRef[], proof: Proof): Promise<LinkResult> {
  const emails = proof === 'verified_email' ? proven.filter((r) => r.source === 'email').map(refText) : [];
  const clubs = await takePendingAliases(tx, emails);
  const own = await linkAliases(tx, personId, proven, proof);
  const club = await linkAliases(tx, personId, clubs, 'club_email');
  const linked = [...own.linked, ...club.linked];
  await markClaimsLinked(tx, personId, linked);
  return { linked, taken: [...own.taken, ...club.taken] };
}

/** Moves a locked person's parked events (of these aliases) into the ledger's events; returns the days to settle. */
export async function recordParked(tx: PoolClient, person: Person, refs: string[], ctx: CountingContext): Promise<{ counted: number; groups: Group[] }> {
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

/** Counts what waited for a locked person's links and settles the days it touched; returns how many events. */
async function countLinked(tx: PoolClient, personId: string, ctx: CountingContext): Promise<number> {
  const person = await ensurePerson(tx, personId, ctx.defaultTimeZone);
  const { counted, groups } = await recordParked(tx, person, await aliasesOf(tx, personId), ctx);
  await settleGroups(tx, groups, ctx.now);
  return counted;
}

export type TelegramLinkOutcome =
  | { type: 'linked'; parkedCounted: number }
  /** Already this person's link. */
  | { type: 'already' }
  /** Another person's link: left with them; the claim waits for staff. */
  | { type: 'taken' }
  /** This signed payload was used by another person. */
  | { type: 'reused' };

export interface LinkContext {
  defaultTimeZone: string;
  now: Date;
}

/**
 * A Telegram account its owner proved (`nonce`: the proof's signature, good once) becomes
 * the signed-in person's link; its parked notes count.
 */
export async function linkTelegram(db: Pool, input: { personId: string; telegramId: string; nonce: string }, ctx: LinkContext): Promise<TelegramLinkOutcome> {
  return inTransaction(db, async (tx) => {
    const { personId } = input;
    await lockForCounting(tx, [personId]);
    if ((await useProof(tx, input.nonce, personId)) === 'elsewhere') return { type: 'reused' };
    const ref: ExternalRef = { source: 'telegram', id: input.telegramId };
    const before = await aliasesOf(tx, personId);
    await ensurePerson(tx, personId, ctx.defaultTimeZone);
    const { taken } = await attach(tx, personId, [ref], 'telegram_login');
    if (taken.length) {
      await addClaims(tx, personId, [ref], 'telegram_login');
      return { type: 'taken' };
    }
    if (before.includes(refText(ref))) return { type: 'already' };
    return { type: 'linked', parkedCounted: await countLinked(tx, personId, { ...ctx, inboxEventId: null }) };
  });
}

/**
 * The person whose Telegram account this is, by a verified link only (the Login Widget's
 * proof): a link made before issue 12 carries no proof and answers no one, as does a claim.
 */
export async function personOfTelegram(db: Pool, telegramUserId: string): Promise<string | null> {
  const { rows } = await db.query<{ person_id: string }>(
    `select person_id::text from points_person_alias where source = 'telegram' and external_id = $1 and proof = 'telegram_login'`, [telegramUserId]);
  return rows[0]?.person_id ?? null;
}

/** What the points capability needs of Kratos: an identity with its addresses, null when gone. */
export interface KratosIdentities {
  get(id: string): Promise<{ traits?: unknown; verifiable_addresses?: unknown } | null>;
}

export interface ClaimCheckDeps extends LinkContext {
  db: Pool;
  log: Logger;
  identities: KratosIdentities;
}

/** People whose e-mail claims one round looks at; a full round asks for the next at once. */
export const CLAIMS_PER_ROUND = 100;

/**
 * Kratos calls no hook when an address is verified: e-mail claims due for a look are
 * checked against the identity as Kratos has it now. A verified one links (with its club
 * accounts and their parked posts); one the profile no longer has is withdrawn; the others
 * wait longer. Returns how many people were looked at and how many accounts linked.
 * `personId`: that person's claims now, due or not.
 */
export async function settleEmailClaims(deps: ClaimCheckDeps, opts: { personId?: string } = {}): Promise<{ checked: number; linked: number }> {
  const due = await dueEmailClaims(deps.db, CLAIMS_PER_ROUND, opts.personId);
  let linked = 0;
  for (const { personId, emails } of due) linked += await settlePerson(deps, personId, emails, await deps.identities.get(personId));
  return { checked: due.length, linked };
}

/**
 * The same for the signed-in person as their session shows them (Kratos' own answer, no
 * further call): Kratos sends a person who followed the verification link to our start
 * page, so their e-mail links at once instead of at the loop's next look.
 */
export async function settleFromSession(deps: Omit<ClaimCheckDeps, 'identities'>, identity: { id: string; traits?: unknown; verifiable_addresses?: unknown }): Promise<number> {
  const personId = identity.id.toLowerCase();
  const due = await dueEmailClaims(deps.db, 1, personId);
  const verified = verifiedEmails(identity);
  if (!due[0] || !due[0].emails.some((e) => verified.has(e))) return 0;
  return settlePerson(deps, personId, due[0].emails, identity);
}

/** One person's e-mail claims against their identity (null: gone). Returns how many accounts linked. */
function settlePerson(deps: Omit<ClaimCheckDeps, 'identities'>, personId: string, emails: string[], identity: { traits?: unknown; verifiable_addresses?: unknown } | null): Promise<number> {
  return inTransaction(deps.db, async (tx) => {
    await lockForCounting(tx, [personId]);
    const present = identity ? addressesOf(identity) : new Set<string>();
    await withdrawClaims(tx, personId, 'email', emails.filter((e) => present.has(e)));
    const verified = identity ? verifiedEmails(identity) : new Set<string>();
    const proven = emails.filter((e) => verified.has(e));
    await postponeEmailClaims(tx, personId);
    if (proven.length === 0) return 0;
    const r = await attach(tx, personId, proven.map(emailRef), 'verified_email');
    if (r.taken.length) deps.log.warn({ component: 'points', person: personId, taken: r.taken }, 'a verified e-mail is another person\'s link; left with them');
    await countLinked(tx, personId, { ...deps, inboxEventId: null });
    return r.linked.length;
  });
}

/** Every address the identity has (verified or not) and its e-mail trait, lower-cased. */
function addressesOf(identity: { traits?: unknown; verifiable_addresses?: unknown }): Set<string> {
  const list = Array.isArray(identity.verifiable_addresses) ? identity.verifiable_addresses as { value?: unknown }[] : [];
  const email = (identity.traits as { email?: unknown } | undefined)?.email;
  return new Set([...list.map((a) => a.value), email].filter((v): v is string => typeof v === 'string').map((v) => v.trim().toLowerCase()));
}

export { linksOf, type PersonLinks };
