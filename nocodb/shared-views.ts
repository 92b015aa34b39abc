import { nocodbCall, tableIdOf, type NocoApi, type TableIds } from './client.ts';

/**
 * NocoDB meta calls for password-protected shared grid views (FIELD-NOTES "Shared views"),
 * which NocoRows does not make: create a grid view, scope it with a filter, hide columns,
 * share it, set its password and turn CSV download off. A shared grid view is read-only
 * for whoever opens it; NocoDB checks the password and the CSV flag on its public API.
 */
export interface GridShareSpec {
  tableKey: string;
  /** Unique within the table: the view is found again by its title. */
  title: string;
  /** The view shows only rows whose column (title or column_name, e.g. the foreign key `workbooks_id`) equals value. */
  filter: { column: string; value: string };
  /** Columns (by our keys, schemas/nocodb) the view does not show. */
  hidden: string[];
  password: string;
}

export interface GridShare {
  viewId: string;
  uuid: string;
  url: string;
}

export interface SharedViewInfo {
  viewId: string;
  uuid: string | null;
  allowCsvDownload: boolean;
  hasPassword: boolean;
  filters: { column: string; op: string; value: string }[];
  hiddenColumns: string[];
}

export interface NocoSharedViews {
  /** Finds or creates the view, then makes it match the spec; safe to repeat after a crash at any step. */
  ensureGridShare(spec: GridShareSpec): Promise<GridShare>;
  /** Deletes the view (and so its share); false when there was none. */
  remove(tableKey: string, title: string): Promise<boolean>;
  /** Deletes every view of the table whose title matches; returns the titles deleted. */
  removeMatching(tableKey: string, title: RegExp): Promise<string[]>;
  inspect(tableKey: string, title: string): Promise<SharedViewInfo | null>;
  hasColumn(tableKey: string, title: string): Promise<boolean>;
  /** The address people open: NocoDB's UI at /dashboard. */
  shareUrl(uuid: string): string;
}

interface Column { id: string; title: string; column_name: string | null }
interface View { id: string; title: string; uuid?: string | null; meta?: unknown; password?: string | null }

export function nocoSharedViews(api: NocoApi, ids: TableIds, publicUrl: string): NocoSharedViews {
  const tableId = (key: string) => tableIdOf(ids, key);
  const call = nocodbCall;
  const columns = async (key: string): Promise<Column[]> =>
    ((await call('a table read', () => api.dbTable.read(tableId(key)))).columns ?? []).map((c) => ({ id: c.id as string, title: c.title ?? '', column_name: c.column_name ?? null }));
  const findView = async (key: string, title: string): Promise<View | undefined> =>
    ((await call('a view list', () => api.dbView.list(tableId(key)))).list as View[] | undefined ?? []).find((v) => v.title === title);
  const filtersOf = async (viewId: string) =>
    ((await call('a filter list', () => api.dbTableFilter.read(viewId))).list ?? []) as { fk_column_id?: string; comparison_op?: string; value?: unknown }[];
  const viewColumns = async (viewId: string) =>
    (((await call('a view column list', () => api.dbViewColumn.list(viewId))) as unknown as { list?: { id: string; fk_column_id: string; show?: boolean | number }[] }).list ?? []);
  const shareUrl = (uuid: string) => `${publicUrl.replace(/\/+$/, '')}/dashboard/#/nc/view/${uuid}`;

  return {
    shareUrl,

    async ensureGridShare(spec) {
      const tid = tableId(spec.tableKey);
      const cols = await columns(spec.tableKey);
      const filterColumn = cols.find((c) => c.column_name === spec.filter.column || c.title === spec.filter.column);
      if (!filterColumn) throw new Error(`no column ${spec.filter.column} on NocoDB table ${spec.tableKey}`);

      const view = (await findView(spec.tableKey, spec.title))
        ?? (await call('a grid view creation', () => api.dbView.gridCreate(tid, { title: spec.title } as never))) as View;
      // The filter exists before the view is shared: a shared view without it would show every row.
      const filters = await filtersOf(view.id);
      if (!filters.some((f) => f.fk_column_id === filterColumn.id && f.comparison_op === 'eq' && String(f.value) === spec.filter.value)) {
        await call('a view filter creation', () => api.dbTableFilter.create(view.id, {
          fk_column_id: filterColumn.id, comparison_op: 'eq', value: spec.filter.value, logical_op: 'and',
        } as never));
      }
      const hiddenTitles = spec.hidden.map((key) => ids.names.title(spec.tableKey, key));
      const hide = new Set(cols.filter((c) => hiddenTitles.includes(c.title)).map((c) => c.id));
      for (const vc of await viewColumns(view.id)) {
        if (hide.has(vc.fk_column_id) && vc.show) await call('a view column update', () => api.dbViewColumn.update(view.id, vc.id, { show: false } as never));
      }
      const shared = (await call('a view share', () => api.dbViewShare.create(view.id))) as { uuid?: string };
      if (!shared.uuid) throw new Error(`NocoDB shared view ${view.id} without a uuid`);
      await call('a share update', () => api.dbViewShare.update(view.id, { password: spec.password, meta: { allowCSVDownload: false } } as never));
      return { viewId: view.id, uuid: shared.uuid, url: shareUrl(shared.uuid) };
    },

    async remove(tableKey, title) {
      const view = await findView(tableKey, title);
      if (!view) return false;
      await call('a view deletion', () => api.dbView.delete(view.id));
      return true;
    },

    async removeMatching(tableKey, title) {
      const views = ((await call('a view list', () => api.dbView.list(tableId(tableKey)))).list as View[] | undefined ?? []).filter((v) => title.test(v.title));
      for (const view of views) await call('a view deletion', () => api.dbView.delete(view.id));
      return views.map((v) => v.title);
    },

    async inspect(tableKey, title) {
      const view = await findView(tableKey, title);
      if (!view) return null;
      const shares = ((await call('a share list', () => api.dbViewShare.list(tableId(tableKey)))).list ?? []) as View[];
      const share = shares.find((s) => s.id === view.id);
      const meta = typeof share?.meta === 'string' ? JSON.parse(share.meta) : (share?.meta ?? {});
      const cols = new Map((await columns(tableKey)).map((c) => [c.id, c]));
      const name = (id: string | undefined) => (id && (cols.get(id)?.column_name ?? cols.get(id)?.title)) || '?';
      return {
        viewId: view.id,
        uuid: share?.uuid ?? null,
        allowCsvDownload: (meta as { allowCSVDownload?: boolean }).allowCSVDownload !== false,
        hasPassword: !!share?.password,
        filters: (await filtersOf(view.id)).map((f) => ({ column: name(f.fk_column_id), op: f.comparison_op ?? '', value: String(f.value ?? '') })),
        hiddenColumns: (await viewColumns(view.id)).filter((vc) => !vc.show).map((vc) => cols.get(vc.fk_column_id)?.title ?? '?'),
      };
    },

    async hasColumn(tableKey, title) {
      return (await columns(tableKey)).some((c) => c.title === ids.names.title(tableKey, title));
    },
  };
}
