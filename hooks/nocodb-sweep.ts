import type pg from 'pg';
import type { Logger } from 'pino';
import { rowEvent } from './nocodb.ts';
import type { DefinedTable } from '../schemas/nocodb/index.ts';
import type { Inbox } from '../kernel/inbox.ts';
import { startLoop, type Loop } from '../kernel/loop.ts';
import type { NocoApi, TableIds } from '../nocodb/client.ts';

const PAGE = 1000;

/** NocoDB prints times as `2026-11-25 22:23:49+00:00`; filters take `YYYY-MM-DD HH:mm:ss` in UTC. */
const toFilterTime = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');
const parseTime = (v: unknown): Date | undefined => (typeof v === 'string' && v ? new Date(v.replace(' ', 'T')) : undefined);

/**
 * NocoDB's webhooks are at most once (FIELD-NOTES): the sweep reads rows changed since its
 * cursor and feeds them to the inbox as the same row-change events the webhook would give,
 * so a change the webhook already delivered is a duplicate and has no second effect.
 * Deletions cannot be swept (the row is gone): they rely on the webhook.
 */
export async function sweepTable(deps: { api: NocoApi; ids: TableIds; db: pg.Pool; inbox: Inbox; log: Logger }, table: DefinedTable, overlapSeconds = 2): Promise<number> {
  const tableId = deps.ids.tables.get(table.key);
  if (!tableId) return 0;
  const { rows: cursorRows } = await deps.db.query<{ swept_to: Date }>('select swept_to from nocodb_sweep_cursor where table_key = $1', [table.key]);
  const from = cursorRows[0]?.swept_to ?? new Date(0);
  // NocoDB stores seconds: re-read a short overlap; what was already taken is a duplicate.
  const since = toFilterTime(new Date(from.getTime() - overlapSeconds * 1000));
  const where = `(UpdatedAt,ge,exactDate,${since})~or(CreatedAt,ge,exactDate,${since})`;
  let newest = from;
  let total = 0;
  for (let offset = 0; ; offset += PAGE) {
    const res = await deps.api.dbDataTableRow.list(tableId, { where, limit: PAGE, offset, sort: 'Id' } as never);
    // In our keys and values, as the webhook receiver gives them (nocodb/names.ts).
    const rows = ((res.list ?? []) as Record<string, unknown>[]).map((r) => deps.ids.names.fromNoco(table.key, r) as Record<string, unknown> & { Id: number });
    if (rows.length === 0) break;
    const events = rows.map((row) => rowEvent(table, tableId, { operation: row.UpdatedAt ? 'update' : 'insert', row, via: 'sweep' }));
    total += (await deps.inbox.accept(events)).accepted;
    for (const row of rows) {
      const t = parseTime(row.UpdatedAt) ?? parseTime(row.CreatedAt);
      if (t && t > newest) newest = t;
    }
    if (rows.length < PAGE) break;
  }
  await deps.db.query(`insert into nocodb_sweep_cursor (table_key, swept_to, last_count) values ($1, $2, $3)
    on conflict (table_key) do update set swept_to = excluded.swept_to, swept_at = now(), last_count = excluded.last_count`, [table.key, newest, total]);
  if (total) deps.log.info({ component: 'sweep', table: table.key, accepted: total }, 'sweep found changes the webhooks had not delivered');
  return total;
}

/**
 * Deletions fire a webhook at most once and cannot be swept by time (the row is gone). For a
 * table whose deletions matter (it declares a delete hook), this compares the ids NocoDB
 * has now with the rows the inbox was told of and not told were deleted, and feeds a delete
 * event for each one gone, carrying the last row seen (keyed as the webhook's would be, so a
 * webhook that did arrive makes it a duplicate). When more would go than `maxShare` of the
 * known rows (a wrong table, a half-read listing), it deletes nothing and says so.
 */
export async function sweepDeletions(deps: { api: NocoApi; ids: TableIds; db: pg.Pool; inbox: Inbox; log: Logger }, table: DefinedTable, maxShare = 0.2): Promise<number> {
  const tableId = deps.ids.tables.get(table.key);
  if (!tableId || !table.hooks?.includes('delete')) return 0;
  const present = new Set<string>();
  for (let offset = 0; ; offset += PAGE) {
    const res = await deps.api.dbDataTableRow.list(tableId, { fields: 'Id', limit: PAGE, offset, sort: 'Id' } as never);
    const rows = (res.list ?? []) as { Id: number }[];
    for (const r of rows) present.add(String(r.Id));
    if (rows.length < PAGE) break;
  }
  const topic = (op: string) => `nocodb.${table.key}.${op}`;
  const { rows: known } = await deps.db.query<{ id: string; row: Record<string, unknown> & { Id: number } }>(`
    select distinct on (payload->'row'->>'Id') payload->'row'->>'Id' as id, payload->'row' as row
    from inbox_event e
    where topic = any($1::text[]) and payload->'row'->>'Id' is not null
      and not exists (select 1 from inbox_event d where d.topic = $2 and d.payload->'row'->>'Id' = e.payload->'row'->>'Id')
    order by payload->'row'->>'Id', id desc`, [[topic('insert'), topic('update')], topic('delete')]);
  const gone = known.filter((k) => !present.has(k.id));
  if (gone.length === 0) return 0;
  if (gone.length > Math.max(10, known.length * maxShare)) {
    deps.log.warn({ component: 'sweep', table: table.key, gone: gone.length, known: known.length }, 'too many rows look deleted: nothing done, check the table in NocoDB');
    return 0;
  }
  const events = gone.map((k) => rowEvent(table, tableId, { operation: 'delete', row: k.row, via: 'sweep' }));
  const { accepted } = await deps.inbox.accept(events);
  if (accepted) deps.log.info({ component: 'sweep', table: table.key, accepted }, 'sweep found deletions the webhooks had not delivered');
  return accepted;
}

/** Sweeps every table with webhooks every `intervalSeconds` (kernel/loop.ts); a failing table is retried next round. */
export function startSweeper(deps: Parameters<typeof sweepTable>[0] & { tables: DefinedTable[]; intervalSeconds: number }): Promise<Loop> {
  return startLoop({
    name: 'nocodb.sweep', log: deps.log, intervalMs: deps.intervalSeconds * 1000, runAtStart: false, exclusive: deps.db,
    async run() {
      for (const table of deps.tables.filter((t) => t.hooks?.length)) {
        await sweepTable(deps, table).catch((e: Error) => deps.log.warn({ component: 'sweep', table: table.key, err: e.message }, 'sweep failed; will retry'));
      }
    },
  });
}
