import type { Logger } from 'pino';
import type { NocoApi } from './client.ts';
import { STAFF_TEXTS, type StaffViewTexts } from '../schemas/service/staff-texts.ts';

export const SERVICE_SOURCE_ALIAS = 'Service data (read-only)';

/**
 * Shows the staff views of the service's PostgreSQL database (schemas/service/staff-views.ts)
 * in the School base as an external data source, read-only for data and schema: staff see
 * them as grids, nobody edits them there. `databaseUrl` signs in as the reader role, which
 * may SELECT those views and nothing else, so the flag is not the only lock. New views from
 * later migrations appear through a meta sync. Then the tables get their Russian texts
 * (labelServiceTables).
 */
export async function attachServiceTables(
  deps: { api: NocoApi; log: Logger; userApi?: NocoApi },
  opts: { baseId: string; databaseUrl: string; tables: string[] },
): Promise<{ source: 'attached' | 'synced' | 'up to date' | 'stale'; labels: LabelReport }> {
  const source = await attachSource(deps, opts);
  if (source === 'attached' || source === 'synced') await waitForTables(deps.api, opts.baseId, opts.tables);
  const labels = await labelServiceTables(deps, { baseId: opts.baseId, tables: opts.tables });
  deps.log.info({ component: 'provision', source, labels }, 'the service source in NocoDB carries its Russian texts');
  return { source, labels };
}

async function attachSource(
  deps: { api: NocoApi; log: Logger; userApi?: NocoApi },
  opts: { baseId: string; databaseUrl: string; tables: string[] },
): Promise<'attached' | 'synced' | 'up to date' | 'stale'> {
  const { api, log } = deps;
  const existing = await findSource(api, opts.baseId);
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

interface SourceRow { id: string; alias?: string | null; is_schema_readonly?: boolean | number | null }
interface TableRow { id: string; table_name: string; title: string; description?: string | null; order?: number | null; source_id?: string }
interface ColumnRow { id: string; column_name: string; title: string; description?: string | null }

async function findSource(api: NocoApi, baseId: string): Promise<SourceRow | undefined> {
  const sources = ((await api.source.list(baseId)) as { list?: SourceRow[] }).list ?? [];
  return sources.find((s) => s.alias === SERVICE_SOURCE_ALIAS);
}

async function sourceTables(api: NocoApi, baseId: string, sourceId: string): Promise<TableRow[]> {
  return ((await api.dbTable.list(baseId)).list ?? []).filter((t) => t.source_id === sourceId) as unknown as TableRow[];
}

/** NocoDB loads a new source's tables one after another, after answering: wait for all of them. */
async function waitForTables(api: NocoApi, baseId: string, tables: string[]): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const source = await findSource(api, baseId);
    const shown = source ? new Set((await sourceTables(api, baseId, source.id)).map((t) => t.table_name)) : new Set<string>();
    if (tables.every((t) => shown.has(t))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

type TableRead = { columns?: ColumnRow[]; views?: { id: string; title: string; order?: number }[] };

/** A table just shown may not have all its columns yet (NocoDB adds them after the table). */
async function readLoaded(api: NocoApi, tableId: string, columns: string[]): Promise<TableRead> {
  for (let i = 0; ; i++) {
    const table = (await api.dbTable.read(tableId)) as unknown as TableRead;
    const names = new Set((table.columns ?? []).map((c) => c.column_name));
    if (i >= 15 || columns.every((c) => names.has(c))) return table;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface LabelReport {
  /** Tables whose description, place in the list or grid title was set now. */
  tables: number;
  /** Columns whose title or description was set now. */
  columns: number;
  /** Staff views without texts, and texts of views NocoDB does not show (yet). */
  untexted: string[];
  unshown: string[];
}

/**
 * Gives the service source's tables their Russian texts from schemas/service/staff-texts.ts:
 * the description, the place in the list (STAFF_TEXTS' order) and the grid's title of each
 * table, the title and description of each column. Sets only what differs, so a second run
 * changes nothing. What NocoDB 0.301 allows on a read-only source (measured): descriptions,
 * order and view titles, yes; a table's own title, never (it is the PostgreSQL name, and a
 * rename would rename the view: 403 read-only, 422 duplicate name when writable); a column's
 * title on a read-only source only for numbers, dates and check boxes (for text and JSON
 * columns NocoDB answers 200 and keeps the old title), so the flag is lifted for the column
 * edits and put back. The reader role may only SELECT, so PostgreSQL stays as it is meanwhile
 * (the views' definitions were compared before and after); a meta sync keeps all the texts.
 */
export async function labelServiceTables(
  deps: { api: NocoApi; log: Logger },
  opts: { baseId: string; tables: string[]; texts?: readonly StaffViewTexts[] },
): Promise<LabelReport> {
  const { api } = deps;
  const texts = opts.texts ?? STAFF_TEXTS;
  const report: LabelReport = { tables: 0, columns: 0, untexted: opts.tables.filter((t) => !texts.some((x) => x.view === t)), unshown: [] };
  const source = await findSource(api, opts.baseId);
  if (!source) return report;
  // A start that stopped between lifting the flag and putting it back left it lifted.
  if (!source.is_schema_readonly) await api.source.update(opts.baseId, source.id, { is_schema_readonly: true } as never);
  const tables = new Map((await sourceTables(api, opts.baseId, source.id)).map((t) => [t.table_name, t]));
  const retitle: { column: ColumnRow; title: string }[] = [];
  for (const [i, text] of texts.entries()) {
    const table = tables.get(text.view);
    if (!table) {
      if (opts.tables.includes(text.view)) report.unshown.push(text.view);
      continue;
    }
    const full = await readLoaded(api, table.id, Object.keys(text.columns));
    let changed = false;
    if ((table.description ?? '') !== text.description) {
      await api.dbTable.update(table.id, { description: text.description } as never);
      changed = true;
    }
    if (table.order !== i + 1) {
      await api.dbTable.reorder(table.id, { order: i + 1 });
      changed = true;
    }
    const grid = [...(full.views ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0))[0];
    if (grid && grid.title !== text.title) {
      await api.dbView.update(grid.id, { title: text.title } as never);
      changed = true;
    }
    if (changed) report.tables++;
    for (const column of full.columns ?? []) {
      const title = text.columns[column.column_name] ?? column.title;
      const description = text.columnNotes?.[column.column_name] ?? column.description ?? null;
      if (title !== column.title) retitle.push({ column: { ...column, description }, title });
      else if (description !== (column.description ?? null)) {
        // NocoDB takes a description on a read-only source (and the whole column back: so one edit with both).
        await api.dbTableColumn.update(column.id, { ...column, description } as never);
        report.columns++;
      }
    }
  }
  if (retitle.length > 0) {
    await api.source.update(opts.baseId, source.id, { is_schema_readonly: false } as never);
    try {
      for (const { column, title } of retitle) await api.dbTableColumn.update(column.id, { ...column, title } as never);
    } finally {
      await api.source.update(opts.baseId, source.id, { is_schema_readonly: true } as never);
    }
    report.columns += retitle.length;
  }
  return report;
}
