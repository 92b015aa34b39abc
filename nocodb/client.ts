import { Api } from 'nocodb-sdk';
import { unavailable } from '../kernel/errors.ts';

/**
 * The one module that talks to NocoDB's API (meta and data). Everything else asks it by
 * our table keys; it is never on a hot path (NocoDB's row API does about 50 writes/s).
 */
export type NocoApi = Api<unknown>;

export function createNocoApi(url: string, token: string, kind: 'api-token' | 'user-session' = 'api-token'): NocoApi {
  return new Api({ baseURL: url, headers: { [kind === 'api-token' ? 'xc-token' : 'xc-auth']: token }, timeout: 30_000 });
}

export interface TableIds {
  baseId: string;
  tables: Map<string, string>;
}

export type Row = Record<string, unknown> & { Id: number };

export interface NocoRows {
  list(tableKey: string, query?: { where?: string; sort?: string; limit?: number; offset?: number; fields?: string }): Promise<Row[]>;
  get(tableKey: string, id: number | string): Promise<Row>;
  insert(tableKey: string, rows: Record<string, unknown>[]): Promise<{ Id: number }[]>;
  update(tableKey: string, rows: ({ Id: number | string } & Record<string, unknown>)[]): Promise<void>;
  link(tableKey: string, linkTitle: string, rowId: number | string, targetIds: (number | string)[]): Promise<void>;
  health(): Promise<boolean>;
}

/** The NocoDB id of one of our tables; a table provisioning has not made is a programming error. */
export function tableIdOf(ids: TableIds, key: string): string {
  const id = ids.tables.get(key);
  if (!id) throw new Error(`NocoDB table ${key} is not provisioned`);
  return id;
}

/** NocoDB down or failing (no answer, 5xx) becomes a 503 NOCODB_UNAVAILABLE; its 4xx pass through. */
export async function nocodbCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    const status = (e as { response?: { status?: number } }).response?.status;
    if (status === undefined || status >= 500) throw unavailable('NOCODB_UNAVAILABLE', `NocoDB did not answer ${what}`);
    throw e;
  }
}

export function nocoRows(api: NocoApi, ids: TableIds): NocoRows {
  const tableId = (key: string) => tableIdOf(ids, key);
  const guard = nocodbCall;
  return {
    list: (key, query = {}) => guard('a list', async () => {
      const res = await api.dbDataTableRow.list(tableId(key), { ...query, limit: query.limit ?? 1000 } as never);
      return (res.list ?? []) as Row[];
    }),
    get: (key, id) => guard('a read', async () => (await api.dbDataTableRow.read(tableId(key), String(id) as never)) as Row),
    insert: (key, rows) => guard('an insert', async () => {
      const res = await api.dbDataTableRow.create(tableId(key), rows);
      return (Array.isArray(res) ? res : [res]) as { Id: number }[];
    }),
    update: (key, rows) => guard('an update', async () => {
      await api.dbDataTableRow.update(tableId(key), rows);
    }),
    link: (key, linkTitle, rowId, targetIds) => guard('a link', async () => {
      const table = await api.dbTable.read(tableId(key));
      const column = (table.columns ?? []).find((c) => c.title === linkTitle);
      if (!column?.id) throw new Error(`no link ${linkTitle} on ${key}`);
      await api.dbDataTableRow.nestedLink(tableId(key), column.id, String(rowId) as never, targetIds.map((Id) => ({ Id })) as never);
    }),
    health: async () => {
      try {
        await api.utils.appHealth();
        return true;
      } catch {
        return false;
      }
    },
  };
}
