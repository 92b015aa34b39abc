import { randomInt } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';

/**
 * Ambassadors: a referral code per ambassador; a person who registers with it is linked
 * to the ambassador for good, and the rule's ambassador share of each of their counted
 * actions becomes a separate ledger line for the ambassador (rules.ts, settle-store.ts).
 */

/** No 0/O, 1/I/L: codes are read aloud and typed from screens. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export function newReferralCode(length = 8): string {
  let code = '';
  for (let i = 0; i < length; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

export const normaliseCode = (code: string) => code.trim().toUpperCase().replace(/[^A-Z0-9]/g, '');

/** The ambassador's code, created on first request (a retry returns the same code). */
export async function referralCodeOf(db: Pool | PoolClient, personId: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const { rows } = await db.query<{ code: string }>(`
      with ins as (insert into points_referral_code (code, person_id) values ($2, $1) on conflict do nothing returning code)
      select code from ins union all select code from points_referral_code where person_id = $1`, [personId, newReferralCode()]);
    if (rows[0]) return rows[0].code;
  }
  throw new Error('could not create a unique referral code');
}

export type LinkOutcome = 'linked' | 'already_linked' | 'unknown_code' | 'own_code';

export async function linkReferral(tx: PoolClient, personId: string, code: string): Promise<LinkOutcome> {
  const { rows } = await tx.query<{ person_id: string }>('select person_id from points_referral_code where code = $1', [normaliseCode(code)]);
  const ambassador = rows[0]?.person_id;
  if (!ambassador) return 'unknown_code';
  if (ambassador === personId) return 'own_code';
  const r = await tx.query(`insert into points_referral (person_id, ambassador_id, code) values ($1, $2, $3)
    on conflict (person_id) do nothing`, [personId, ambassador, normaliseCode(code)]);
  return (r.rowCount ?? 0) > 0 ? 'linked' : 'already_linked';
}

export interface Referred {
  personId: string;
  displayName: string | null;
  linkedAt: Date;
  /** Points the ambassador received from this person. */
  points: number;
}

export async function referralsOf(db: Pool | PoolClient, ambassadorId: string): Promise<Referred[]> {
  const { rows } = await db.query<{ person_id: string; display_name: string | null; linked_at: Date; points: number }>(`
    select r.person_id, p.display_name, r.linked_at,
      coalesce((select sum(l.points) from points_ledger l where l.person_id = r.ambassador_id and l.role = 'ambassador' and l.from_person_id = r.person_id), 0)::float8 as points
    from points_referral r left join points_person p on p.person_id = r.person_id
    where r.ambassador_id = $1 order by r.linked_at, r.person_id`, [ambassadorId]);
  return rows.map((r) => ({ personId: r.person_id, displayName: r.display_name, linkedAt: r.linked_at, points: r.points }));
}
