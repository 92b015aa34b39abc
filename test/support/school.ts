/**
 * The whole school as service/main.ts wires it (loadCapabilities, the real staff guard), on
 * the real NocoDB, PostgreSQL and Redis, with the Ory stand-in: for tests that walk what a
 * person meets.
 */
import { createNocoApi, nocoRows, type NocoRows, type TableIds } from '../../nocodb/client.ts';
import { provisionBase } from '../../nocodb/provision.ts';
import { NOCODB_SECRET_HEADER } from '../../hooks/nocodb.ts';
import { yookassaHookConfig } from '../../hooks/yookassa.ts';
import { startSweeper } from '../../hooks/nocodb-sweep.ts';
import { schoolTables } from '../../schemas/nocodb/index.ts';
import { defaultRules } from '../../schemas/nocodb/points-rules.ts';
import { loadConfig, stripeSettings } from '../../service/config.ts';
import { loadCapabilities, type Capabilities } from '../../service/capabilities.ts';
import { objectGuard } from '../../service/guard.ts';
import { browserUrls, type WebhookTarget } from '../../ory/standin/index.ts';
import { freshDatabase, testLog, useNocodb, useRedis } from './stack.ts';
import { freePort, startTestPlatform, testSecrets, type RunningPlatform } from './platform.ts';
import { startStandin, type Harness } from '../ory/standin-harness.ts';
import { registerThroughStandin, type Registered } from '../e2e/register.ts';
import { schoolNames } from '../../nocodb/names.ts';

export interface School {
  platform: RunningPlatform;
  standin: Harness;
  rows: NocoRows;
  ids: TableIds;
  db: import('pg').Pool;
  /** The service database's URL (the superuser's), e.g. to attach it to NocoDB as a reader. */
  dbUrl: string;
  capabilities: Capabilities;
  nocodb: { url: string; token: string };
  register(first: string): Promise<Registered>;
  close(): Promise<void>;
}

/**
 * `sweep`: also run the NocoDB sweep as service/main.ts does (NocoDB's webhooks are at most
 * once: a test that waits on a row's effect end to end must not hang on one lost delivery).
 */
export async function startSchool(label: string, env: Record<string, string> = {}, opts: { sweep?: boolean } = {}): Promise<School> {
  const nocodb = await useNocodb();
  const noco = createNocoApi(nocodb.url, nocodb.token);
  const db = await freshDatabase(label);
  const redis = await useRedis();
  const ids: TableIds = { baseId: '', tables: new Map(), names: schoolNames('ru') };
  const rows = nocoRows(noco, ids);
  const hook: WebhookTarget = { url: 'http://127.0.0.1:9/unset', apiKey: testSecrets.kratos };
  // The service's address is chosen first: its pages and Kratos' redirects must agree on it.
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const standin = await startStandin({ webhooks: { registration: hook }, browser: browserUrls(publicUrl) });
  // As service/main.ts does: the base exists before the capabilities are built (they take table ids).
  const baseTitle = `School (${label})`;
  const first = await provisionBase({ api: noco, log: testLog }, { baseTitle, tables: schoolTables });
  ids.baseId = first.ids.baseId;
  for (const [k, v] of first.ids.tables) ids.tables.set(k, v);
  const config = loadConfig({ DATA_DIR: `.data/test/${label}`, PUBLIC_URL: publicUrl, PORT: String(port), ...env });
  const capabilities = loadCapabilities({
    config, db: db.pool, log: testLog, ory: standin.ory, nocodb: rows, clock: () => new Date(),
    noco: { api: noco, ids, url: nocodb.url, token: nocodb.token, publicUrl: nocodb.url },
  });
  const platform = await startTestPlatform({
    db: db.pool, redisUrl: redis.url, capabilities: capabilities.all,
    tableById: (id) => schoolTables.find((t) => ids.tables.get(t.key) === id),
    staffGuard: objectGuard(standin.ory)('view', () => 'Report:operations'), port,
    ...(config.MONETA_ACCOUNT_ID && config.MONETA_INTEGRITY_CODE ? { moneta: { accountId: config.MONETA_ACCOUNT_ID, integrityCode: config.MONETA_INTEGRITY_CODE } } : {}),
    ...(stripeSettings(config).hook ? { stripe: stripeSettings(config).hook } : {}),
    ...(config.YOOKASSA_SHOP_ID && config.YOOKASSA_SECRET_KEY ? { yookassa: yookassaHookConfig(config.YOOKASSA_ALLOWED_NETWORKS, config.TRUSTED_PROXIES) } : {}),
  });
  for (const c of capabilities.all) await c.start?.();
  hook.url = `${platform.url}/hooks/kratos/registration`;
  await provisionBase({ api: noco, log: testLog }, {
    baseTitle, tables: schoolTables,
    hookTarget: { url: `${platform.url}/hooks/nocodb`, secretHeader: NOCODB_SECRET_HEADER, secret: testSecrets.nocodb },
  });
  await rows.insert('points_rules', defaultRules);
  const sweeper = opts.sweep
    ? await startSweeper({ api: noco, ids, db: db.pool, inbox: platform.inbox, log: testLog, tables: schoolTables, intervalSeconds: 3 })
    : null;
  return {
    platform, standin, rows, ids, db: db.pool, dbUrl: db.url, capabilities, nocodb: { url: nocodb.url, token: nocodb.token },
    register: (name) => registerThroughStandin(standin.url, name),
    async close() {
      await sweeper?.stop();
      for (const c of capabilities.all) await c.stop?.();
      await platform.close();
      await standin.close();
    },
  };
}

/** A session token for e-mail and password through Kratos' API login flow (the stand-in's), as a native app signs in. */
export async function passwordSession(kratosUrl: string, email: string, password: string): Promise<string> {
  const flow = await (await fetch(`${kratosUrl}/self-service/login/api`, { headers: { accept: 'application/json' } })).json() as { id: string };
  const login = await fetch(`${kratosUrl}/self-service/login?flow=${flow.id}`, {
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ method: 'password', identifier: email, password }),
  });
  if (login.status !== 200) throw new Error(`${email} could not sign in: ${login.status}`);
  return ((await login.json()) as { session_token: string }).session_token;
}
