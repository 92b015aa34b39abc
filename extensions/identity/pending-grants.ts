import type { Pool } from 'pg';
import { importLine, type ImportLine } from '../../schemas/events/identity.ts';

/**
 * SQL of identity_pending_grant (schemas/migrations/0105): import lines whose e-mail is an
 * identity's unverified address, waiting for that address to be verified.
 */

export interface PendingGrant {
  identityId: string;
  email: string;
  line: ImportLine;
  groupId: number | null;
}

/** Remembers (or refreshes, when the same e-mail is imported again) a line that waits. */
export async function rememberPendingGrant(db: Pool, g: PendingGrant & { groupTitle: string | null }): Promise<void> {
  await db.query(`insert into identity_pending_grant (identity_id, email, line, group_id, group_title) values ($1, $2, $3, $4, $5)
    on conflict (identity_id, email) do update set line = excluded.line, group_id = excluded.group_id, group_title = excluded.group_title,
      granted_at = null, last_error = null`,
  [g.identityId, g.email, JSON.stringify(g.line), g.groupId, g.groupTitle]);
}

/** The lines still waiting, those looked at longest ago first. */
export async function waitingGrants(db: Pool, limit: number): Promise<PendingGrant[]> {
  const { rows } = await db.query<{ identity_id: string; email: string; line: unknown; group_id: number | null }>(`
    select identity_id::text, email, line, group_id from identity_pending_grant where granted_at is null
    order by checked_at nulls first, created_at limit $1`, [limit]);
  return rows.flatMap((r) => {
    const line = importLine.safeParse(r.line);
    return line.success ? [{ identityId: r.identity_id, email: r.email, line: line.data, groupId: r.group_id }] : [];
  });
}

export async function markGranted(db: Pool, identityId: string, email: string): Promise<void> {
  await db.query('update identity_pending_grant set granted_at = now(), checked_at = now(), last_error = null where identity_id = $1 and email = $2 and granted_at is null',
    [identityId, email]);
}

export async function markChecked(db: Pool, identityId: string, email: string, error: string | null): Promise<void> {
  await db.query('update identity_pending_grant set checked_at = now(), last_error = $3 where identity_id = $1 and email = $2', [identityId, email, error]);
}

/** The identity is gone: nothing is left to give. */
export async function dropPendingGrant(db: Pool, identityId: string, email: string): Promise<void> {
  await db.query('delete from identity_pending_grant where identity_id = $1 and email = $2 and granted_at is null', [identityId, email]);
}
