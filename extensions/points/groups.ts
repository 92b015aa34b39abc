import type { PoolClient } from 'pg';
import { nocodbGroupMemberPayload } from '../../schemas/events/points.ts';
import { issuesOf } from '../../kernel/validation.ts';

/**
 * Group membership, mirrored from NocoDB's group_members for group ratings. NocoDB never
 * reuses a row id, so a deleted row stays a tombstone: an insert that arrives after its
 * delete (webhooks have no order) does not bring the member back.
 */
export type GroupOutcome = { type: 'applied' } | { type: 'invalid'; reason: string; details?: unknown };

export async function mirrorGroupMember(tx: PoolClient, operation: string, payload: unknown): Promise<GroupOutcome> {
  const parsed = nocodbGroupMemberPayload.safeParse(payload);
  if (!parsed.success) {
    return { type: 'invalid', reason: 'group_members row is not valid', details: issuesOf(parsed.error) };
  }
  const row = parsed.data.row;
  if (operation === 'delete') {
    await tx.query(`insert into points_group_member (nocodb_id, deleted) values ($1, true)
      on conflict (nocodb_id) do update set deleted = true, updated_at = now()`, [row.Id]);
    return { type: 'applied' };
  }
  if (row.Group === null || row.Group === undefined || !row.Person) return { type: 'invalid', reason: 'group_members row needs Group and Person' };
  await tx.query(`insert into points_group_member (nocodb_id, group_id, person_id) values ($1, $2, $3)
    on conflict (nocodb_id) do update set group_id = excluded.group_id, person_id = excluded.person_id, updated_at = now()
    where not points_group_member.deleted`, [row.Id, String(row.Group), row.Person]);
  return { type: 'applied' };
}
