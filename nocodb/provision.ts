import type { Logger } from 'pino';
import type { DefinedTable, LinkSpec } from '../schemas/nocodb/index.ts';
import type { NocoApi, TableIds } from './client.ts';
import { nocoNames, type LinkName, type NocoNames } from './names.ts';

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
  column_name?: string | null;
  uidt?: string;
  description?: string | null;
  system?: boolean | number | null;
  pk?: boolean | number | null;
  pv?: boolean | number | null;
  meta?: Record<string, unknown> | string | null;
  colOptions?: { fk_related_model_id?: string; type?: string; options?: NocoOption[] };
}

interface NocoOption { id?: string; title?: string; color?: string; order?: number }

const metaOf = (c: NocoColumn): Record<string, unknown> => {
  if (typeof c.meta === 'string') { try { return JSON.parse(c.meta) as Record<string, unknown>; } catch { return {}; } }
  return c.meta ?? {};
};

const SYSTEM_UIDT = new Set(['ID', 'CreatedTime', 'LastModifiedTime', 'CreatedBy', 'LastModifiedBy', 'Order', 'ForeignKey']);
const LINK_UIDT = new Set(['Links', 'LinkToAnotherRecord']);
export const HOOK_TITLE_PREFIX = 'school:';

function columnBody(names: NocoNames, tableKey: string, key: string, spec: DefinedTable['columns'][string]) {
  const shown = names.column(tableKey, key);
  return {
    title: shown?.title ?? key,
    column_name: key,
    uidt: spec.uidt,
    description: shown?.description ?? spec.description,
    ...(spec.precision !== undefined ? { meta: { precision: spec.precision, isLocaleString: false } } : {}),
    ...(spec.options ? { colOptions: { options: names.labels(tableKey, key).map(([, label]) => ({ title: label })) } } : {}),
  };
}

/**
 * The choices a column should offer: each of ours under its label, keeping the option NocoDB
 * has for it (found by its value or any label it had), so NocoDB renames the option and
 * every cell holding it; choices staff added stay as they are. null: nothing to change.
 */
function wantedOptions(present: NocoOption[], labels: [string, string][], known: (value: string) => string[]): NocoOption[] | null {
  const used = new Set<NocoOption>();
  const ours = labels.map(([value, label]) => {
    const names = new Set([value, label, ...known(value)]);
    const option = present.find((o) => !used.has(o) && o.title === label) ?? present.find((o) => !used.has(o) && names.has(o.title ?? ''));
    if (option) used.add(option);
    return option ? { ...option, title: label } : { title: label };
  });
  const kept = present.filter((o) => !used.has(o));
  const changed = ours.some((o, i) => !o.id || present.find((p) => p.id === o.id)?.title !== labels[i]![1]);
  return changed ? [...ours, ...kept] : null;
}

/** Every label a choice value has in any grid language (a base switched from one to another). */
function allLabels(table: DefinedTable, key: string, value: string): string[] {
  const ru = (table.ru?.options as Record<string, Record<string, string>> | undefined)?.[key]?.[value];
  return ru ? [ru] : [];
}

/**
 * Applies the declarative tables of schemas/nocodb to a NocoDB base, idempotently:
 * creates the base, missing tables, missing columns and links, and our webhooks, and shows
 * them as `names` says (titles, descriptions, choice labels, in the grid language). Columns
 * are ours by their column name (the English key), links by what they join, so a base made
 * in one language is retitled in another. It never drops what is there: columns the schema
 * does not declare and differing types are reported for a person to decide.
 */
export async function provisionBase(deps: { api: NocoApi; log: Logger }, opts: {
  baseTitle: string;
  tables: DefinedTable[];
  /** How the base shows the tables; default: in Russian, as the service's NOCODB_LANGUAGE. */
  names?: NocoNames;
  hookTarget?: HookTarget;
}): Promise<{ ids: TableIds; report: ProvisionReport }> {
  const { api, log } = deps;
  const names = opts.names ?? nocoNames(opts.tables, 'ru');
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

  const existing = new Map<string, ExistingTable>();
  for (const t of (await api.dbTable.list(baseId)).list ?? []) {
    const tableName = t.table_name ?? '';
    // A table caught between the two steps of retitleTable is still ours.
    const key = tableName.endsWith(RETITLING) ? tableName.slice(0, -RETITLING.length) : tableName;
    if (existing.has(key) && key !== tableName) continue;
    existing.set(key, { id: t.id as string, tableName, title: t.title ?? '', description: (t as { description?: string | null }).description ?? '' });
  }

  const ids: TableIds = { baseId, tables: new Map(), names };
  for (const table of opts.tables) {
    const shown = names.table(table.key);
    const found = existing.get(table.key);
    let id = found?.id;
    if (!id) {
      const columns = Object.entries(table.columns).map(([key, spec]) => columnBody(names, table.key, key, spec));
      id = (await api.dbTable.create(baseId, { table_name: table.key, title: shown.title, description: shown.description, columns } as never)).id as string;
      report.createdTables.push(table.key);
      log.info({ component: 'provision', table: table.key }, 'created table');
    } else if (found) {
      if (found.title !== shown.title || found.tableName !== table.key) {
        await retitleTable(api, id, table.key, found, shown.title);
        report.shownAs.push(`${table.key}: titled "${shown.title}"`);
      }
      if ((found.description ?? '') !== (shown.description ?? '')) {
        // NocoDB takes a description alone (with it, it changes nothing else).
        await api.dbTable.update(id, { description: shown.description ?? '' } as never);
        report.shownAs.push(`${table.key}: described`);
      }
    }
    ids.tables.set(table.key, id);
  }

  const readColumns = async (key: string) => ((await api.dbTable.read(ids.tables.get(key)!)).columns ?? []) as NocoColumn[];
  for (const table of opts.tables) {
    const tableId = ids.tables.get(table.key)!;
    const columns = await readColumns(table.key);
    const byName = new Map(columns.filter((c) => c.column_name).map((c) => [c.column_name!, c]));
    for (const [key, spec] of Object.entries(table.columns)) {
      const present = byName.get(key);
      const body = columnBody(names, table.key, key, spec);
      if (!present) {
        await api.dbTableColumn.create(tableId, body as never);
        report.addedColumns.push(`${table.key}.${key}`);
        log.info({ component: 'provision', column: `${table.key}.${key}` }, 'added column');
        continue;
      }
      if (present.uidt !== spec.uidt) {
        report.typeMismatches.push(`${table.key}.${key}: NocoDB has ${present.uidt}, schema says ${spec.uidt}`);
        continue;
      }
      const changes: string[] = [];
      if (present.title !== body.title) changes.push(`titled "${body.title}"`);
      if ((present.description ?? '') !== (body.description ?? '')) changes.push('described');
      const precision = spec.precision !== undefined && metaOf(present).precision !== spec.precision;
      if (precision) changes.push(`${spec.precision} decimals`);
      const options = spec.options
        ? wantedOptions(present.colOptions?.options ?? [], names.labels(table.key, key), (v) => allLabels(table, key, v))
        : null;
      if (options) changes.push('choices labelled');
      if (changes.length === 0 || !present.id) continue;
      await api.dbTableColumn.update(present.id, {
        ...body,
        ...(spec.precision !== undefined ? { meta: { ...metaOf(present), precision: spec.precision } } : { meta: metaOf(present) }),
        ...(spec.options ? { colOptions: { options: options ?? present.colOptions?.options ?? [] } } : {}),
      } as never);
      report.shownAs.push(`${table.key}.${key}: ${changes.join(', ')}`);
    }
    const display = table.display ? byName.get(table.display) : undefined;
    if (display?.id && !display.pv) {
      await api.dbTableColumn.primaryColumnSet(display.id);
      report.shownAs.push(`${table.key}: rows titled by ${table.display}`);
    }
  }

  // Links: ours are found by what they join (the title may be another language's), then titled.
  for (const table of opts.tables) {
    for (const link of table.links ?? []) {
      const own = names.links(table.key).find((l) => l.side === 'own' && l.key === link.title)!;
      let column = findLink(await readColumns(table.key), ids.tables.get(link.to), own);
      if (!column) {
        await createLink(api, ids, table.key, link, own.title);
        report.createdLinks.push(`${table.key}.${link.title} -> ${link.to} (${link.type})`);
        column = findLink(await readColumns(table.key), ids.tables.get(link.to), own);
      }
      if (column?.id && (column.title !== own.title || (column.description ?? '') !== (own.description ?? '') || !countsAs(column, own))) {
        await api.dbTableColumn.update(column.id, { ...column, title: own.title, description: own.description, meta: linkMeta(column, own) } as never);
        report.shownAs.push(`${table.key}.${link.title}: titled "${own.title}"`);
      }
    }
  }
  for (const table of opts.tables) {
    for (const back of names.links(table.key).filter((l) => l.side === 'back')) {
      const column = findLink(await readColumns(table.key), ids.tables.get(back.target), back);
      if (column?.id && (column.title !== back.title || !countsAs(column, back))) {
        await api.dbTableColumn.update(column.id, { ...column, title: back.title, meta: linkMeta(column, back) } as never);
        report.shownAs.push(`${table.key}.${back.key}: titled "${back.title}"`);
      }
    }
  }

  // Lookups: a read-only column through a link, found by the link and the column it shows.
  for (const table of opts.tables) {
    for (const lookup of names.lookups(table.key)) {
      const columns = await readColumns(table.key);
      const link = names.links(table.key).find((l) => l.key === lookup.link);
      const linkColumn = link ? columns.find((c) => LINK_UIDT.has(c.uidt ?? '') && c.title === link.title) : undefined;
      const target = link ? ((await api.dbTable.read(ids.tables.get(link.target)!)).columns ?? []) as NocoColumn[] : [];
      // The column shown is a declared one, or a lookup of the linked table (a student's name through the workbook).
      const shown = target.find((c) => c.column_name === lookup.column)
        ?? (link ? target.find((c) => c.uidt === 'Lookup' && c.title === names.title(link.target, lookup.column)) : undefined);
      // Provisioned without the linked table (a test's subset of the tables), or without the lookup it shows: nothing to show.
      if (!linkColumn?.id || !shown?.id) continue;
      const present = columns.find((c) => c.uidt === 'Lookup'
        && (c.colOptions as { fk_relation_column_id?: string; fk_lookup_column_id?: string } | undefined)?.fk_relation_column_id === linkColumn.id
        && (c.colOptions as { fk_lookup_column_id?: string } | undefined)?.fk_lookup_column_id === shown.id);
      if (!present) {
        await api.dbTableColumn.create(ids.tables.get(table.key)!, {
          uidt: 'Lookup', title: lookup.title, description: lookup.description, fk_relation_column_id: linkColumn.id, fk_lookup_column_id: shown.id,
        } as never);
        report.addedColumns.push(`${table.key}.${lookup.key}`);
      } else if (present.id && (present.title !== lookup.title || (present.description ?? '') !== (lookup.description ?? ''))) {
        await api.dbTableColumn.update(present.id, { ...present, title: lookup.title, description: lookup.description } as never);
        report.shownAs.push(`${table.key}.${lookup.key}: titled "${lookup.title}"`);
      }
    }
  }

  // Unknown columns are judged after links exist, so the reverse sides NocoDB adds count as known.
  for (const table of opts.tables) {
    const columns = await readColumns(table.key);
    const declaredNames = new Set(Object.keys(table.columns));
    const linkTitles = new Set(names.links(table.key).map((l) => l.title));
    const lookupTitles = new Set(names.lookups(table.key).map((l) => l.title));
    for (const c of columns) {
      if (c.system || c.pk || SYSTEM_UIDT.has(c.uidt ?? '')) continue;
      if (c.column_name && declaredNames.has(c.column_name)) continue;
      if (LINK_UIDT.has(c.uidt ?? '') && linkTitles.has(c.title ?? '')) continue;
      if (c.uidt === 'Lookup' && lookupTitles.has(c.title ?? '')) continue;
      report.unknownColumns.push(`${table.key}.${c.title} (${c.uidt})`);
    }
  }

  if (opts.hookTarget) await provisionHooks(api, ids, opts.tables, opts.hookTarget, report);
  if (report.unknownColumns.length) {
    log.warn({ component: 'provision', columns: report.unknownColumns }, 'columns in NocoDB not declared in schemas/ (renamed or removed?): left untouched');
  }
  return { ids, report };
}

interface ExistingTable { id: string; tableName: string; title: string; description: string }

const RETITLING = '__retitling';

/**
 * NocoDB 0.301 changes a table's title only together with its name (TablesService.tableUpdate
 * renames the PostgreSQL table and refuses the name the table already has), so a table is
 * retitled in two steps, away to `<key>__retitling` and back to `<key>`. A crash between them
 * leaves the table under the passing name, which provisioning knows and finishes.
 */
async function retitleTable(api: NocoApi, id: string, key: string, found: ExistingTable, title: string) {
  if (found.tableName === key) {
    await api.dbTable.update(id, { table_name: `${key}${RETITLING}`, title: `${title}${RETITLING}` } as never);
  }
  await api.dbTable.update(id, { table_name: key, title } as never);
}

/**
 * The link column of a table that is `link`: by its title in any language first, else the
 * only link of its kind to that table (hm: Links there, bt on the other side; mm: mm).
 */
function findLink(columns: NocoColumn[], otherId: string | undefined, link: LinkName): NocoColumn | undefined {
  const kind = link.side === 'own' ? link.type : (link.type === 'hm' ? 'bt' : 'mm');
  const candidates = columns.filter((c) => LINK_UIDT.has(c.uidt ?? '') && c.colOptions?.fk_related_model_id === otherId && c.colOptions?.type === kind);
  return candidates.find((c) => c.title === link.title) ?? candidates.find((c) => c.title === link.key)
    ?? (candidates.length === 1 ? candidates[0] : undefined);
}

/** Whether a link column counts its rows with the word `link` wants (NocoDB's own when it wants none). */
function countsAs(column: NocoColumn, link: LinkName): boolean {
  if (!link.counted) return true;
  const meta = metaOf(column);
  return meta.singular === link.counted && meta.plural === link.counted;
}

function linkMeta(column: NocoColumn, link: LinkName): Record<string, unknown> {
  return link.counted ? { ...metaOf(column), singular: link.counted, plural: link.counted } : metaOf(column);
}

async function createLink(api: NocoApi, ids: TableIds, key: string, link: LinkSpec, title: string) {
  const parentId = ids.tables.get(key)!;
  const childId = ids.tables.get(link.to);
  if (!childId) throw new Error(`link ${key}.${link.title} points at unknown table ${link.to}`);
  await api.dbTableColumn.create(parentId, { uidt: 'Links', title, parentId, childId, type: link.type } as never);
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
