import type { Logger } from 'pino';
import type { NocoApi } from './client.ts';

export const SERVICE_SOURCE_ALIAS = 'Service data (read-only)';

/**
 * Shows the service's own PostgreSQL tables (inbox, ledgers) in the School base as an
 * external data source, read-only for data and schema: staff see them as grids, nobody
 * edits them there. New tables from later migrations appear through a meta sync.
 */
export async function attachServiceTables(
  deps: { api: NocoApi; log: Logger; userApi?: NocoApi },
  opts: { baseId: string; databaseUrl: string; tables: string[] },
): Promise<'attached' | 'synced' | 'up to date' | 'stale'> {
  const { api, log } = deps;
  const sources = ((await api.source.list(opts.baseId)) as { list?: { id: string; alias?: string | null }[] }).list ?? [];
  const existing = sources.find((s) => s.alias === SERVICE_SOURCE_ALIAS);
  if (existing) {
    const shown = new Set(((await api.dbTable.list(opts.baseId)).list ?? []).filter((t) => t.source_id === existing.id).map((t) => t.table_name));
    const missing = opts.tables.filter((t) => !shown.has(t));
    if (missing.length === 0) return 'up to date';
    // NocoDB refuses a meta sync with an API token: it needs a user session.
    if (!deps.userApi) {
      log.warn({ component: 'provision', missing }, 'service tables not yet shown in NocoDB: run "Sync metadata" on the source in NocoDB');
      return 'stale';
    }
    await deps.userApi.source.metaDiffSync(opts.baseId, existing.id);
    return 'synced';
  }
  const u = new URL(opts.databaseUrl);
  await api.source.create(opts.baseId, {
    alias: SERVICE_SOURCE_ALIAS,
    type: 'pg',
    config: {
      client: 'pg',
      connection: {
        host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password), database: u.pathname.slice(1),
      },
      searchPath: ['public'],
    },
    is_schema_readonly: true,
    is_data_readonly: true,
    inflection_column: 'none',
    inflection_table: 'none',
  } as never);
  log.info({ component: 'provision' }, 'attached the service tables to NocoDB (read-only)');
  return 'attached';
}
