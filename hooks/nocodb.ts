import { createHash } from 'node:crypto';
import express, { type Router } from 'express';
import { nocodbWebhook, type NocodbRowEvent } from '../schemas/events/nocodb.ts';
import type { DefinedTable } from '../schemas/nocodb/index.ts';
import type { NocoNames } from '../nocodb/names.ts';
import { unauthorized } from '../kernel/errors.ts';
import type { Inbox, NewInboxEvent } from '../kernel/inbox.ts';
import { acknowledge, parseOr400, requireSecret } from './respond.ts';

export const NOCODB_SECRET_HEADER = 'X-School-Hook-Secret';

const OPERATION = {
  'records.after.insert': 'insert',
  'records.after.update': 'update',
  'records.after.delete': 'delete',
} as const;

/**
 * The key of one row change, the same whether it came by webhook or by the sweep: table,
 * row, modification time and a hash of the declared columns (NocoDB's timestamps have
 * one-second resolution, so two edits within a second differ by content).
 */
export function rowChangeKey(table: DefinedTable, operation: NocodbRowEvent['operation'], row: Record<string, unknown>): string {
  const stamp = operation === 'delete' ? 'deleted' : String(row.UpdatedAt ?? row.CreatedAt ?? '');
  const content = Object.keys(table.columns).map((c) => JSON.stringify(row[c] ?? null)).join('\u0001');
  const hash = createHash('sha256').update(content).digest('base64url').slice(0, 16);
  return `${table.key}:${row.Id}:${stamp}:${hash}`;
}

export function rowEvent(table: DefinedTable, tableId: string, event: Omit<NocodbRowEvent, 'table' | 'tableId'>): NewInboxEvent {
  return {
    source: 'nocodb',
    deliveryId: rowChangeKey(table, event.operation, event.row),
    topic: `nocodb.${table.key}.${event.operation}`,
    payload: { table: table.key, tableId, ...event } satisfies NocodbRowEvent,
  };
}

/**
 * NocoDB's "Test webhook" button sends a made-up row (populateSamplePayloadV2 and
 * getSampleColumnValue in nocodb 0.301.3: test/fixtures/nocodb/README.md): every text
 * column reads "Sample Text" or "Sample Long text", and the times are ISO strings, where
 * real rows carry `YYYY-MM-DD HH:mm:ss+00:00`. Such a delivery tests the connection and is
 * dropped; a real row never looks like it.
 */
export function isTestSample(rows: Record<string, unknown>[]): boolean {
  if (rows.length !== 1) return false;
  const row = rows[0]!;
  const texts = Object.values(row).filter((v): v is string => typeof v === 'string');
  const sample = texts.filter((v) => v === 'Sample Text' || v === 'Sample Long text');
  return sample.length > 0 && typeof row.CreatedAt === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(row.CreatedAt);
}

/**
 * NocoDB's v3 webhooks: a shared secret header authenticates; each row of a delivery
 * becomes its own inbox event keyed by the row change (see rowChangeKey).
 */
export function nocodbReceiver(deps: { inbox: Inbox; secret: () => string; tableById: (tableId: string) => DefinedTable | undefined; names?: NocoNames }): Router {
  const router = express.Router();
  const authenticated = requireSecret(NOCODB_SECRET_HEADER, deps.secret, () => unauthorized('WEBHOOK_SECRET_INVALID', `missing or wrong ${NOCODB_SECRET_HEADER}`));
  router.post('/', authenticated, express.json({ limit: '5mb' }), async (req, res) => {
    const body = parseOr400(nocodbWebhook, req.body, 'NocoDB webhook');
    if (isTestSample(body.data.rows)) {
      res.status(200).json({ accepted: 0, duplicates: 0, ignored: 'the sample of NocoDB\'s "Test webhook" button: nothing stored' });
      return;
    }
    const table = deps.tableById(body.data.table_id);
    if (!table) {
      // A table we do not know (added by staff): stored for the record, consumed by nobody.
      acknowledge(res, await deps.inbox.accept([{ source: 'nocodb', deliveryId: body.id, topic: 'nocodb.unknown', payload: body }]));
      return;
    }
    const operation = OPERATION[body.type];
    // NocoDB keys a row by the titles staff read (nocodb/names.ts); the inbox keeps our keys.
    const ours = <R extends Record<string, unknown>>(row: R): R => (deps.names ? deps.names.fromNoco(table.key, row) as R : row);
    const events = body.data.rows.map((row, i) => {
      const previous = body.data.previous_rows?.[i];
      return rowEvent(table, body.data.table_id, { operation, row: ours(row), previous: previous ? ours(previous) : previous, via: 'webhook' });
    });
    acknowledge(res, await deps.inbox.accept(events));
  });
  return router;
}
