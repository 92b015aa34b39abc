import type { AddressInfo } from 'node:net';
import http from 'node:http';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import type { Capability, Consumer } from '../../kernel/capability.ts';
import { createPlatform, type Platform } from '../../service/platform.ts';
import { schoolTables } from '../../schemas/nocodb/index.ts';
import type { DefinedTable } from '../../schemas/nocodb/index.ts';
import { testLog } from './stack.ts';
import { schoolNames, type NocoNames } from '../../nocodb/names.ts';

export const testSecrets = {
  nocodb: 'nocodb-secret-for-tests-0123456789',
  kratos: 'kratos-key-for-tests-0123456789',
  discourse: 'discourse-secret-for-tests',
  collector: 'collector-token-for-tests-0123456789',
  telegram: 'telegram-secret-for-tests',
};

export interface RunningPlatform extends Platform {
  url: string;
  close(): Promise<void>;
}

const allow: RequestHandler = (_req, _res, next) => next();

/** The real service (express + inbox + bull workers) on an ephemeral port, with the given capabilities. */
export async function startTestPlatform(opts: {
  db: pg.Pool;
  outsideDb?: pg.Pool;
  redisUrl: string;
  moneta?: { accountId: string; integrityCode: string };
  stripe?: { webhookSecret: string; toleranceSeconds: number };
  yookassa?: import('../../hooks/yookassa.ts').YookassaHookConfig;
  capabilities?: Capability[];
  consumers?: Consumer[];
  tableById?: (id: string) => DefinedTable | undefined;
  /** How NocoDB titles the tables (its webhook rows are translated); default: the School base in Russian, as the service's default. */
  names?: NocoNames;
  staleSeconds?: number;
  runWorkers?: boolean;
  /** Guards the staff pages; by default everyone passes (tests of other things). */
  staffGuard?: RequestHandler;
  /** Guards what changes the queues; by default the staff guard. */
  operatorGuard?: RequestHandler;
  /** A port chosen beforehand (freePort), when the capabilities must know the service's address; default any. */
  port?: number;
}): Promise<RunningPlatform> {
  const capabilities = [...(opts.capabilities ?? []), ...(opts.consumers ? [{ name: 'test', consumers: opts.consumers }] : [])];
  const platform = createPlatform({
    db: opts.db, outsideDb: opts.outsideDb, redisUrl: opts.redisUrl, log: testLog, ...(opts.moneta ? { moneta: opts.moneta } : {}), ...(opts.stripe ? { stripe: opts.stripe } : {}),
    ...(opts.yookassa ? { yookassa: opts.yookassa } : {}), secrets: testSecrets, capabilities,
    tableById: opts.tableById ?? ((id) => schoolTables.find((t) => t.key === id)), names: opts.names ?? schoolNames('ru'),
    health: {}, staffGuard: opts.staffGuard ?? allow, ...(opts.operatorGuard ? { operatorGuard: opts.operatorGuard } : {}), inboxStaleSeconds: opts.staleSeconds ?? 120, maxAttempts: 5, concurrency: 4,
    runWorkers: opts.runWorkers,
  });
  const server = http.createServer(platform.app);
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...platform, url,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await platform.stop();
    },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
