import type { Pool, PoolClient } from 'pg';
import type { WorkbookView } from './read.ts';

/**
 * SQL of workbook_view (schemas/migrations/0401): the last NocoDB read of each workbook.
 * A copy is fresh while it was read after the last change that touched the workbook and
 * is younger than `maxAgeMs`. `read_at` is when the NocoDB read began, so a change that
 * lands while a read is under way makes that read's copy stale at once.
 */
type Queryable = Pool | PoolClient;
export type CachedView = Omit<WorkbookView, 'answers'> & { answers: Omit<WorkbookView['answers'][number], 'history'>[] };

export async function freshView(db: Queryable, workbookId: number, now: Date, maxAgeMs: number): Promise<CachedView | null> {
  const { rows } = await db.query<{ view: CachedView }>(`select view from workbook_view
    where workbook_id = $1 and read_at > coalesce(invalidated_at, '-infinity') and read_at > $2::timestamptz - make_interval(secs => $3::float8 / 1000)`,
  [workbookId, now, maxAgeMs]);
  return rows[0]?.view ?? null;
}

export async function storeView(db: Queryable, workbookId: number, view: CachedView, readAt: Date): Promise<void> {
  await db.query(`insert into workbook_view (workbook_id, view, read_at) values ($1, $2, $3)
    on conflict (workbook_id) do update set view = excluded.view, read_at = excluded.read_at
    where workbook_view.read_at < excluded.read_at`, [workbookId, view, readAt]);
}

/** The copies of these workbooks (all of them: null) are stale from `at` on. */
export async function invalidateViews(db: Queryable, workbookIds: number[] | null, at: Date): Promise<void> {
  if (workbookIds === null) {
    await db.query('update workbook_view set invalidated_at = greatest(coalesce(invalidated_at, $1), $1)', [at]);
    return;
  }
  if (workbookIds.length === 0) return;
  await db.query(`insert into workbook_view (workbook_id, view, read_at, invalidated_at)
    select id, '{}'::jsonb, '-infinity', $2 from unnest($1::int[]) as id
    on conflict (workbook_id) do update set invalidated_at = greatest(coalesce(workbook_view.invalidated_at, excluded.invalidated_at), excluded.invalidated_at)`,
  [workbookIds, at]);
}
