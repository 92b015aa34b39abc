import type { Logger } from 'pino';
import type { DefinedTable, LinkSpec } from '../schemas/nocodb/index.ts';
import type { NocoApi, TableIds } from './client.ts';

export interface ProvisionReport {
  baseId: string;
  createdTables: string[];
  addedColumns: string[];
  createdLinks: string[];
  hooks: { created: string[]; updated: string[] };
  /** Columns in NocoDB that the schema does not declare: renamed or removed there, never dropped here. */
  unknownColumns: string[];
  /** Columns whose NocoDB type differs from the schema: reported, not changed. */
  typeMismatches: string[];
  /** How a column or table is shown, set again as the schema says (decimals shown, the row's title column). */
  shownAs: string[];
}

export interface HookTarget {
  /** Where NocoDB posts its webhooks, e.g. http://127.0.0.1:3000/hooks/nocodb */
  url: string;
  secretHeader: string;
  secret: string;
}

interface NocoColumn {
  id?: string;
  title?: string;
  uidt?: string;
  system?: boolean | number | null;
  pk?: boolean | number | null;
  pv?: boolean | number | null;
  meta?: Record<string, unknown> | string | null;
  colOptions?: { fk_related_model_id?: string };
}

const metaOf = (c: NocoColumn): Record<string, unknown> => {
  if (typeof c.meta === 'string') { try { return JSON.parse(c.meta) as Record<string, unknown>; } catch { return {}; } }
  return c.meta ?? {};
};

const SYSTEM_UIDT = new Set(['ID', 'CreatedTime', 'LastModifiedTime', 'CreatedBy', 'LastModifiedBy', 'Order', 'ForeignKey']);
const LINK_UIDT = new Set(['Links', 'LinkToAnotherRecord']);
export const HOOK_TITLE_PREFIX = 'school:';

function columnBody(title: string, spec: DefinedTable['columns'][string]) {
  return {
    title,
    column_name: title,
    uidt: spec.uidt,
    description: spec.description,
    ...(spec.precision !== undefined ? { meta: { precision: spec.precision, isLocaleString: false } } : {}),
    ...(spec.options ? { colOptions: { options: spec.options.map((o) => ({ title: o })) } } : {}),
  };
}

/**
 * Applies the declarative tables of schemas/nocodb to a NocoDB base, idempotently:
 * creates the base, missing tables, missing columns and links, and our webhooks. It never
 * drops or alters what is there: differences are reported for a person to decide.
 */
export async function provisionBase(deps: { api: NocoApi; log: Logger }, opts: {
  baseTitle: string;
  tables: DefinedTable[];
  hookTarget?: HookTarget;
}): Promise<{ ids: TableIds; report: ProvisionReport }> {
  const { api, log } = deps;
  const bases = await api.base.list();
  let baseId = (bases.list ?? []).find((b) => b.title === opts.baseTitle)?.id;
  const report: ProvisionReport = {
    baseId: '', createdTables: [], addedColumns: [], createdLinks: [], hooks: { created: [], updated: [] },
    unknownColumns: [], typeMismatches: [], shownAs: [],
  };
  if (!baseId) {
    baseId = (await api.base.create({ title: opts.baseTitle } as never)).id as string;
    log.info({ component: 'provision', base: opts.baseTitle }, 'created NocoDB base');
  }
  report.baseId = baseId;

  const existing = new Map<string, string>();
  for (const t of (await api.dbTable.list(baseId)).list ?? []) existing.set(t.table_name ?? '', t.id as string);

  const ids: TableIds = { baseId, tables: new Map() };
  for (const table of opts.tables) {
    let id = existing.get(table.key);
    if (!id) {
      const columns = Object.entries(table.columns).map(([title, spec]) => columnBody(title, spec));
      id = (await api.dbTable.create(baseId, { table_name: table.key, title: table.title, description: table.description, columns } as never)).id as string;
      report.createdTables.push(table.key);
      log.info({ component: 'provision', table: table.key }, 'created table');
    }
    ids.tables.set(table.key, id);
  }

  for (const table of opts.tables) {
    const tableId = ids.tables.get(table.key)!;
    const columns = ((await api.dbTable.read(tableId)).columns ?? []) as NocoColumn[];
    const byTitle = new Map(columns.map((c) => [c.title ?? '', c]));
    for (const [title, spec] of Object.entries(table.columns)) {
      const present = byTitle.get(title);
      if (!present) {
        await api.dbTableColumn.create(tableId, columnBody(title, spec) as never);
        report.addedColumns.push(`${table.key}.${title}`);
        log.info({ component: 'provision', column: `${table.key}.${title}` }, 'added column');
      } else if (present.uidt !== spec.uidt) {
        report.typeMismatches.push(`${table.key}.${title}: NocoDB has ${present.uidt}, schema says ${spec.uidt}`);
      } else if (spec.precision !== undefined && metaOf(present).precision !== spec.precision && present.id) {
        await api.dbTableColumn.update(present.id, { ...columnBody(title, spec), meta: { ...metaOf(present), precision: spec.precision } } as never);
        report.shownAs.push(`${table.key}.${title}: ${spec.precision} decimals`);
      }
    }
    const display = table.display ? byTitle.get(table.display) : undefined;
    if (display?.id && !display.pv) {
      await api.dbTableColumn.primaryColumnSet(display.id);
      report.shownAs.push(`${table.key}: rows titled by ${table.display}`);
    }
    for (const link of table.links ?? []) {
      if (byTitle.has(link.title)) continue;
      await createLink(api, ids, table.key, link);
      report.createdLinks.push(`${table.key}.${link.title} -> ${link.to} (${link.type})`);
    }
  }

  // Unknown columns are judged after links exist, so the reverse sides NocoDB adds count as known.
  const knownReverse = reverseLinkTitles(opts.tables);
  for (const table of opts.tables) {
    const columns = ((await api.dbTable.read(ids.tables.get(table.key)!)).columns ?? []) as NocoColumn[];
    const declared = new Set([...Object.keys(table.columns), ...(table.links ?? []).map((l) => l.title), ...(knownReverse.get(table.key) ?? [])]);
    for (const c of columns) {
      if (c.system || c.pk || SYSTEM_UIDT.has(c.uidt ?? '') || declared.has(c.title ?? '')) continue;
      report.unknownColumns.push(`${table.key}.${c.title} (${c.uidt})`);
    }
  }

  if (opts.hookTarget) await provisionHooks(api, ids, opts.tables, opts.hookTarget, report);
  if (report.unknownColumns.length) {
    log.warn({ component: 'provision', columns: report.unknownColumns }, 'columns in NocoDB not declared in schemas/ (renamed or removed?): left untouched');
  }
  return { ids, report };
}

async function createLink(api: NocoApi, ids: TableIds, key: string, link: LinkSpec) {
  const parentId = ids.tables.get(key)!;
  const childId = ids.tables.get(link.to);
  if (!childId) throw new Error(`link ${key}.${link.title} points at unknown table ${link.to}`);
  await api.dbTableColumn.create(parentId, { uidt: 'Links', title: link.title, parentId, childId, type: link.type } as never);
}

/** NocoDB names the other side of a link after the declaring table's title. */
function reverseLinkTitles(tables: DefinedTable[]): Map<string, string[]> {
  const reverse = new Map<string, string[]>();
  for (const t of tables) {
    for (const link of t.links ?? []) {
      const list = reverse.get(link.to) ?? [];
      list.push(t.title);
      reverse.set(link.to, list);
    }
  }
  return reverse;
}

function hookBody(table: DefinedTable, target: HookTarget) {
  return {
    title: `${HOOK_TITLE_PREFIX}${table.key}`,
    event: 'after' as const,
    operation: table.hooks ?? [],
    version: 'v3',
    active: true,
    notification: {
      type: 'URL',
      payload: {
        method: 'POST',
        path: target.url,
        body: '{{ json event }}',
        headers: [{ enabled: true, name: target.secretHeader, value: target.secret }],
      },
    },
  };
}

async function provisionHooks(api: NocoApi, ids: TableIds, tables: DefinedTable[], target: HookTarget, report: ProvisionReport) {
  for (const table of tables) {
    if (!table.hooks?.length) continue;
    const tableId = ids.tables.get(table.key)!;
    const wanted = hookBody(table, target);
    const hooks = ((await api.dbTableWebhook.list(tableId)).list ?? []) as (Record<string, unknown> & { id: string; title: string })[];
    const ours = hooks.find((h) => h.title === wanted.title);
    if (!ours) {
      await api.dbTableWebhook.create(tableId, wanted as never);
      report.hooks.created.push(table.key);
      continue;
    }
    if (JSON.stringify(normalizeNotification(ours.notification)) !== JSON.stringify(wanted.notification)
      || JSON.stringify(ours.operation) !== JSON.stringify(wanted.operation) || !ours.active) {
      await api.dbTableWebhook.update(ours.id, { ...ours, ...wanted } as never);
      report.hooks.updated.push(table.key);
    }
  }
}

function normalizeNotification(n: unknown): unknown {
  const parsed = typeof n === 'string' ? JSON.parse(n) : n;
  const p = (parsed as { type?: string; payload?: Record<string, unknown> }) ?? {};
  const headers = (p.payload?.headers as { enabled?: boolean; name?: string; value?: string }[] | undefined) ?? [];
  return {
    type: p.type,
    payload: {
      method: p.payload?.method, path: p.payload?.path, body: p.payload?.body,
      headers: headers.map((h) => ({ enabled: h.enabled, name: h.name, value: h.value })),
    },
  };
}
