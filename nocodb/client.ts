import { Api } from 'nocodb-sdk';
import { unavailable } from '../kernel/errors.ts';
import type { NocoNames } from './names.ts';

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
  /** How the base shows our keys (nocodb/names.ts): rows, queries and link titles are translated through it. */
  names: NocoNames;
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
  const names = ids.names;
  const query = (key: string, q: { where?: string; sort?: string; fields?: string }) => ({
    ...(q.where !== undefined ? { where: names.where(key, q.where) } : {}),
    ...(q.sort !== undefined ? { sort: names.sort(key, q.sort) } : {}),
    ...(q.fields !== undefined ? { fields: names.fields(key, q.fields) } : {}),
  });
  return {
    list: (key, q = {}) => guard('a list', async () => {
      const res = await api.dbDataTableRow.list(tableId(key), { ...q, ...query(key, q), limit: q.limit ?? 1000 } as never);
      return ((res.list ?? []) as Row[]).map((r) => names.fromNoco(key, r) as Row);
    }),
    get: (key, id) => guard('a read', async () => names.fromNoco(key, (await api.dbDataTableRow.read(tableId(key), String(id) as never)) as Row) as Row),
    insert: (key, rows) => guard('an insert', async () => {
      const res = await api.dbDataTableRow.create(tableId(key), rows.map((r) => names.toNoco(key, r)));
      return (Array.isArray(res) ? res : [res]) as { Id: number }[];
    }),
    update: (key, rows) => guard('an update', async () => {
      await api.dbDataTableRow.update(tableId(key), rows.map((r) => names.toNoco(key, r)));
    }),
    link: (key, linkTitle, rowId, targetIds) => guard('a link', async () => {
      const table = await api.dbTable.read(tableId(key));
      const shown = names.title(key, linkTitle);
      const column = (table.columns ?? []).find((c) => c.title === shown);
      if (!column?.id) throw new Error(`no link ${linkTitle} (${shown}) on ${key}`);
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

/** A file of an Attachment cell, as NocoDB lists it (schemas/nocodb/define.ts nocodbFile). */
export interface NocoFileRef { path?: string | null; signedPath?: string | null; url?: string | null; signedUrl?: string | null; title?: string | null }

export interface NocoFiles {
  /** The bytes of an attached file, or why not: NocoDB has no such file, or it is larger than `maxBytes`. */
  download(file: NocoFileRef, maxBytes: number): Promise<{ bytes: Buffer } | { problem: 'missing' | 'too large' }>;
}

/**
 * Attachments as NocoDB 0.301 serves them: local storage gives `path` (download/...) and a
 * temporary `signedPath` (dltemp/...), both under NocoDB's own address; S3-like storage gives
 * `url` and a temporary `signedUrl`. The token goes only to NocoDB's own address, never to a
 * storage host.
 */
export function nocoFiles(baseUrl: string, token: string): NocoFiles {
  const origin = new URL(baseUrl).origin;
  return {
    async download(file, maxBytes) {
      const relative = [file.path, file.signedPath].filter((p): p is string => !!p).map((p) => new URL(p.replace(/^\/+/, ''), `${baseUrl.replace(/\/+$/, '')}/`).toString());
      const absolute = [file.signedUrl, file.url].filter((u): u is string => !!u && /^https?:\/\//.test(u));
      const candidates = [...relative, ...absolute];
      if (candidates.length === 0) return { problem: 'missing' };
      for (const url of candidates) {
        const ours = new URL(url).origin === origin;
        let res: Response;
        try {
          res = await fetch(url, { headers: ours ? { 'xc-token': token } : {}, signal: AbortSignal.timeout(30_000) });
        } catch {
          throw unavailable('NOCODB_UNAVAILABLE', 'NocoDB did not answer a file download');
        }
        if (res.status === 404 || res.status === 403 || res.status === 400) continue;
        if (!res.ok) throw unavailable('NOCODB_UNAVAILABLE', `NocoDB answered ${res.status} to a file download`);
        if (Number(res.headers.get('content-length') ?? 0) > maxBytes) return { problem: 'too large' };
        const bytes = Buffer.from(await res.arrayBuffer());
        return bytes.length > maxBytes ? { problem: 'too large' } : { bytes };
      }
      return { problem: 'missing' };
    },
  };
}

/** The table ids of a base provisioning made (by our table keys), shown as `names` says; for commands beside the service. */
export async function baseTables(api: NocoApi, baseTitle: string, names: NocoNames): Promise<TableIds> {
  const base = ((await api.base.list()).list ?? []).find((b) => b.title === baseTitle);
  if (!base?.id) throw new Error(`no NocoDB base "${baseTitle}": start the stack once (npm start) to provision it`);
  const tables = ((await api.dbTable.list(base.id)).list ?? []).map((t) => [t.table_name ?? '', t.id as string] as const);
  return { baseId: base.id, tables: new Map(tables), names };
}
