import type { Pool, PoolClient } from 'pg';

/** SQL of identity_private.workbook_share (schemas/migrations/0102). */
export interface StoredShare {
  workbookId: number;
  viewId: string;
  uuid: string;
  url: string;
  password: string;
  owner: string | null;
}

export async function lockShare(tx: PoolClient, workbookId: number): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`identity.share:${workbookId}`]);
}

export async function shareOf(db: Pool | PoolClient, workbookId: number): Promise<StoredShare | null> {
  const { rows } = await db.query<{ view_id: string; share_uuid: string; url: string; password: string; owner: string | null }>(
    'select view_id, share_uuid, url, password, owner from identity_private.workbook_share where workbook_id = $1', [workbookId]);
  const r = rows[0];
  return r ? { workbookId, viewId: r.view_id, uuid: r.share_uuid, url: r.url, password: r.password, owner: r.owner } : null;
}

export async function saveShare(tx: PoolClient, s: StoredShare): Promise<void> {
  await tx.query(`insert into identity_private.workbook_share (workbook_id, view_id, share_uuid, url, password, owner)
    values ($1, $2, $3, $4, $5, $6)
    on conflict (workbook_id) do update set view_id = excluded.view_id, share_uuid = excluded.share_uuid, url = excluded.url,
      password = excluded.password, owner = excluded.owner, updated_at = now()`,
  [s.workbookId, s.viewId, s.uuid, s.url, s.password, s.owner]);
}

export async function forgetShare(tx: PoolClient, workbookId: number): Promise<void> {
  await tx.query('delete from identity_private.workbook_share where workbook_id = $1', [workbookId]);
}
