import type { Logger } from 'pino';
import type { NocoApi } from './client.ts';

export const SERVICE_SOURCE_ALIAS = 'Service data (read-only)';

/**
 * Shows the staff views of the service's PostgreSQL database (schemas/service/staff-views.ts)
 * in the School base as an external data source, read-only for data and schema: staff see
 * them as grids, nobody edits them there. `databaseUrl` signs in as the reader role, which
 * may SELECT those views and nothing else, so the flag is not the only lock. New views from
 * later migrations appear through a meta sync.
 */
export async function attachServiceTables(
  deps: { api: NocoApi; log: Logger; userApi?: NocoApi },
  opts: { baseId: string; databaseUrl: string; tables: string[] },
): Promise<'attached' | 'synced' | 'up to date' | 'stale'> {
  const { api, log } = deps;
  const sources = ((await api.source.list(opts.baseId)) as { list?: { id: string; alias?: string | null }[] }).list ?? [];
  const existing = sources.find((s) => s.alias === SERVICE_SOURCE_ALIAS);
  const u = new URL(opts.databaseUrl);
  const config = {
    client: 'pg',
    connection: {
      host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password), database: u.pathname.slice(1),
    },
    searchPath: ['public'],
  };
  if (existing) {
    const shown = new Set(((await api.dbTable.list(opts.baseId)).list ?? []).filter((t) => t.source_id === existing.id).map((t) => t.table_name));
    const extra = [...shown].filter((t) => !opts.tables.includes(t as string));
    if (extra.length > 0) {
      // Attached by an older start, with other credentials and every table: a meta sync keeps
      // NocoDB's cached connection, so the source is made again (it holds no data of its own).
      await api.source.delete(opts.baseId, existing.id);
      log.info({ component: 'provision', hidden: extra.length }, 'the service source showed more than the staff views: attached again as the reader');
    } else {
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
  }
  const source = {
    alias: SERVICE_SOURCE_ALIAS,
    type: 'pg',
    config,
    is_schema_readonly: true,
    is_data_readonly: true,
    inflection_column: 'none',
    inflection_table: 'none',
  };
  // NocoDB makes one source of a base at a time and answers 400 while another loads.
  for (let attempt = 1; ; attempt++) {
    try {
      await api.source.create(opts.baseId, source as never);
      break;
    } catch (e) {
      const msg = (e as { response?: { data?: { msg?: string } } }).response?.data?.msg ?? '';
      if (!/in progress/i.test(msg) || attempt >= 60) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  log.info({ component: 'provision' }, 'attached the service tables to NocoDB (read-only)');
  return 'attached';
}
