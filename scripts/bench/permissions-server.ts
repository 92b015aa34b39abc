/**
 * The service for scripts/bench/permissions.ts, in its own process so the load generator
 * does not share its event loop: the real platform with the identity capability, Ory
 * pointed at the stand-in. NocoDB is not started: the benchmarked route reads nothing from it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { register } from '../../extensions/identity/index.ts';
import { createNocoApi, type NocoRows } from '../../nocodb/client.ts';
import { createOry } from '../../ory/client.ts';
import { createPool } from '../../kernel/db.ts';
import { createLogger } from '../../service/log.ts';
import { createPlatform } from '../../service/platform.ts';
import { schoolNames } from '../../nocodb/names.ts';

const [dbUrl, redisUrl, oryUrl] = process.argv.slice(2) as [string, string, string];
const log = createLogger('warn', 'bench');
const db = createPool(dbUrl, 8);
const noNocodb = new Proxy({}, { get: () => () => Promise.reject(new Error('no NocoDB in this benchmark')) }) as NocoRows;
const identity = register({
  db, log, clock: () => new Date(), nocodb: noNocodb,
  ory: createOry({ mode: 'self-hosted', kratosPublicUrl: oryUrl, kratosAdminUrl: oryUrl, ketoReadUrl: oryUrl, ketoWriteUrl: oryUrl }),
  noco: { api: createNocoApi('http://127.0.0.1:9', 'unused'), ids: { baseId: '', tables: new Map(), names: schoolNames('ru') }, publicUrl: 'http://127.0.0.1:9' },
  workbookPageUrl: (id) => `http://127.0.0.1:9/workbooks/${id}`,
});
const platform = createPlatform({
  db, redisUrl, log, secrets: { nocodb: 'x'.repeat(32), kratos: 'x'.repeat(32), discourse: 'x'.repeat(16), collector: 'x'.repeat(32), telegram: 'x'.repeat(16) },
  capabilities: [identity], tableById: () => undefined, health: {}, staffGuard: (_req, _res, next) => next(),
  inboxStaleSeconds: 120, maxAttempts: 5, concurrency: 1, runWorkers: false,
});
const server = http.createServer(platform.app);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
