import type { Pool, PoolClient } from 'pg';
import type { ExternalRef } from '../../schemas/events/points.ts';

/**
 * SQL of claims (points_alias_claim, schemas/migrations/0212): external accounts a person
 * says are theirs, waiting for a proof; and of used link proofs (points_link_proof).
 */

/** Where a claim was made. */
export type ClaimedIn = 'registration' | 'settings' | 'telegram_login';

/** Records what a person claims, except accounts that are already their links; a repeated claim keeps its date. */
export async function addClaims(tx: PoolClient, personId: string, refs: ExternalRef[], claimedIn: ClaimedIn): Promise<void> {
  if (refs.length === 0) return;
  await tx.query(`insert into points_alias_claim (person_id, source, external_id, claimed_in)
    select $1::uuid, r.source, r.external_id, $4 from unnest($2::text[], $3::text[]) as r(source, external_id)
    where not exists (select 1 from points_person_alias a where a.source = r.source and a.external_id = r.external_id and a.person_id = $1::uuid)
    on conflict (person_id, source, external_id) do nothing`,
  [personId, refs.map((r) => r.source), refs.map((r) => r.id), claimedIn]);
}

/** Claims of one source that the person's profile no longer makes (a changed e-mail or Telegram id) go. */
export async function withdrawClaims(tx: PoolClient, personId: string, source: ExternalRef['source'], keep: string[]): Promise<void> {
  await tx.query(`delete from points_alias_claim where person_id = $1 and source = $2 and linked_at is null and not (external_id = any($3::text[]))`,
    [personId, source, keep]);
}

/** Claims that became this person's links (refs as `source:id`). */
export async function markClaimsLinked(tx: PoolClient, personId: string, refs: string[]): Promise<void> {
  if (refs.length === 0) return;
  await tx.query(`update points_alias_claim set linked_at = now()
    where person_id = $1 and linked_at is null and source || ':' || external_id = any($2::text[])`, [personId, refs]);
}

/**
 * People whose e-mail claims are due for a look at Kratos, the longest waiting first (by
 * the database's clock, as the claims' dates); or one person's, due or not.
 */
export async function dueEmailClaims(db: Pool, limit: number, personId?: string): Promise<{ personId: string; emails: string[] }[]> {
  const { rows } = await db.query<{ person_id: string; emails: string[] }>(`
    select person_id::text, array_agg(external_id order by external_id) as emails from points_alias_claim
    where source = 'email' and linked_at is null and (case when $2::uuid is null then next_check_at <= now() else person_id = $2::uuid end)
    group by person_id order by min(next_check_at), person_id limit $1`, [limit, personId ?? null]);
  return rows.map((r) => ({ personId: r.person_id, emails: r.emails }));
}

/**
 * Not verified yet: looked at again after 2, 4, 8 ... minutes, then once a day. Someone who
 * never confirms costs one Kratos request a day.
 */
export async function postponeEmailClaims(tx: PoolClient, personId: string): Promise<void> {
  await tx.query(`update points_alias_claim set checks = checks + 1, checked_at = now(),
      next_check_at = now() + least(interval '1 day', interval '1 minute' * power(2, least(checks + 1, 11)))
    where person_id = $1 and source = 'email' and linked_at is null`, [personId]);
}

/**
 * A signed proof is good once. 'fresh': first use; 'again': this person used it before (a
 * form sent twice); 'elsewhere': another person did (a replayed payload).
 */
export async function useProof(tx: PoolClient, nonce: string, personId: string): Promise<'fresh' | 'again' | 'elsewhere'> {
  await tx.query(`delete from points_link_proof where used_at < now() - interval '2 days'`);
  const { rows } = await tx.query<{ person_id: string; fresh: boolean }>(`
    with ins as (insert into points_link_proof (nonce, person_id) values ($1, $2) on conflict (nonce) do nothing returning person_id)
    select person_id::text, true as fresh from ins
    union all select person_id::text, false from points_link_proof where nonce = $1 and not exists (select 1 from ins)`, [nonce, personId]);
  const row = rows[0];
  // No row: another transaction inserted it after this statement's snapshot was taken.
  if (!row) return 'elsewhere';
  if (row.fresh) return 'fresh';
  return row.person_id === personId ? 'again' : 'elsewhere';
}

export interface PersonLinks {
  linked: { source: string; id: string; proof: string | null }[];
  waiting: { source: string; id: string; linkedToAnotherPerson: boolean }[];
}

/** A person's links and the claims still waiting (their account page). */
export async function linksOf(db: Pool | PoolClient, personId: string): Promise<PersonLinks> {
  const [linked, waiting] = await Promise.all([
    db.query<{ source: string; id: string; proof: string | null }>(
      'select source, external_id as id, proof from points_person_alias where person_id = $1 order by source, external_id', [personId]),
    db.query<{ source: string; id: string; taken: boolean }>(`
      select c.source, c.external_id as id, coalesce(a.person_id <> c.person_id, false) as taken from points_alias_claim c
      left join points_person_alias a on a.source = c.source and a.external_id = c.external_id
      where c.person_id = $1 and c.linked_at is null order by c.source, c.external_id`, [personId]),
  ]);
  return { linked: linked.rows, waiting: waiting.rows.map((r) => ({ source: r.source, id: r.id, linkedToAnotherPerson: r.taken })) };
}
