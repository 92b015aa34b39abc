import type { NocoApi, Row, TableIds } from './client.ts';
import { unavailable } from '../kernel/errors.ts';

/**
 * Reads the rows on the other side of a NocoDB link column (mm, hm), which NocoRows does
 * not: a row read through NocoRows carries an mm link only as a count, and its
 * `_nc_m2m_*` preview stops at 25 rows.
 */
export interface NocoLinks {
  /** Every linked row (all pages) with `fields`; [] when the row itself is gone. */
  list(tableKey: string, linkTitle: string, rowId: number, fields: string[]): Promise<Row[]>;
}

const PAGE = 1000;

export function nocoLinks(api: NocoApi, ids: TableIds): NocoLinks {
  const columns = new Map<string, Promise<Map<string, string>>>();
  const tableId = (key: string) => {
    const id = ids.tables.get(key);
    if (!id) throw new Error(`NocoDB table ${key} is not provisioned`);
    return id;
  };
  const columnId = async (key: string, title: string) => {
    let byTitle = columns.get(key);
    if (!byTitle) {
      byTitle = api.dbTable.read(tableId(key)).then((t) => new Map((t.columns ?? []).map((c) => [c.title ?? '', c.id as string])));
      columns.set(key, byTitle);
      byTitle.catch(() => columns.delete(key));
    }
    const id = (await byTitle).get(title);
    if (!id) throw new Error(`no link column ${title} on NocoDB table ${key}`);
    return id;
  };

  return {
    async list(key, linkTitle, rowId, fields) {
      const names = ids.names;
      const column = await columnId(key, names.title(key, linkTitle));
      const target = names.links(key).find((l) => l.key === linkTitle)?.target;
      const rows: Row[] = [];
      for (let offset = 0; ; offset += PAGE) {
        let page: Row[];
        try {
          const res = await api.dbDataTableRow.nestedList(tableId(key), column, String(rowId), { fields: target ? names.fields(target, fields.join(',')) : fields.join(','), limit: PAGE, offset } as never);
          page = ((res as { list?: Row[] }).list ?? []).map((r) => (target ? names.fromNoco(target, r) as Row : r));
        } catch (e) {
          const status = (e as { response?: { status?: number } }).response?.status;
          if (status === 404) return [];
          if (status === undefined || status >= 500) throw unavailable('NOCODB_UNAVAILABLE', 'NocoDB did not answer a link read');
          throw e;
        }
        rows.push(...page);
        if (page.length < PAGE) return rows;
      }
    },
  };
}
