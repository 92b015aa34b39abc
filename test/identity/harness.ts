/**
 * The identity capability on real components, wired as the service wires it: the platform
 * (express, inbox, bull workers) with the capability, a School base in the real NocoDB
 * whose webhooks point at the platform, and the Ory stand-in whose after-registration
 * hook posts to the platform's /hooks/kratos/registration. Sessions come from the
 * stand-in's API registration and login flows.
 */
import { randomBytes } from 'node:crypto';
import { createNocoApi, nocoRows, type NocoApi, type NocoRows, type Row, type TableIds } from '../../nocodb/client.ts';
import { provisionBase } from '../../nocodb/provision.ts';
import { NOCODB_SECRET_HEADER } from '../../hooks/nocodb.ts';
import { KRATOS_KEY_HEADER } from '../../hooks/kratos.ts';
import { register, type IdentityCapability, type IdentityDeps } from '../../extensions/identity/index.ts';
import { schoolTables, type DefinedTable } from '../../schemas/nocodb/index.ts';
import type { WebhookTarget } from '../../ory/standin/index.ts';
import { webhookBody } from '../../ory/standin/webhook.ts';
import { freshDatabase, testLog, useNocodb, useRedis, type TestDatabase } from '../support/stack.ts';
import { startTestPlatform, testSecrets, waitFor, type RunningPlatform } from '../support/platform.ts';
import { startStandin, type Harness } from '../ory/standin-harness.ts';
import { registerThroughStandin } from '../e2e/register.ts';
import { schoolNames } from '../../nocodb/names.ts';

/** The School base as provisioning makes it (workbooks carry ShareUrl, which the capability writes back). */
export const tables: DefinedTable[] = schoolTables;

export interface Person {
  id: string;
  email: string;
  password: string;
  token: string;
  /** The body the stand-in posted to the registration web hook. */
  hookBody: Record<string, unknown>;
}

export interface Reply {
  status: number;
  body: any;
}

export interface IdentityHarness {
  db: TestDatabase;
  platform: RunningPlatform;
  standin: Harness;
  api: NocoApi;
  ids: TableIds;
  rows: NocoRows;
  deps: IdentityDeps;
  identity: IdentityCapability;
  /** Registers through the stand-in's API flow; `transientPayload` goes to the web hook as the form would send it. */
  signUp(name: string, traits?: Record<string, unknown>, transientPayload?: Record<string, unknown>): Promise<Person>;
  logIn(email: string, password: string): Promise<string>;
  /** Calls /api/identity<path> with a session token (none: anonymous). */
  call(method: string, path: string, token?: string): Promise<Reply>;
  postKratosHook(flow: 'registration' | 'settings', body: unknown): Promise<Reply>;
  /** The rows of a table with this IdentityId. */
  byIdentity(table: string, identityId: string): Promise<Row[]>;
  /** Waits for the people row the registration hook creates. */
  personOf(identityId: string): Promise<Row>;
  can(subject: string, relation: string, namespace: string, object: string): Promise<boolean>;
  waitForPermission(what: string, subject: string, relation: string, namespace: string, object: string, expected: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Where the identity capability under test says a workbook's page is. */
export const workbookPageUrlForTests = (id: number) => `https://school.test/workbooks/${id}`;

export async function identityHarness(label: string): Promise<IdentityHarness> {
  const nocodb = await useNocodb();
  const api = createNocoApi(nocodb.url, nocodb.token);
  const db = await freshDatabase(`identity_${label}`);
  const redis = await useRedis();
  const ids: TableIds = { baseId: '', tables: new Map(), names: schoolNames('ru') };
  const rows = nocoRows(api, ids);
  // The stand-in reads the hook's URL when it calls it: set once the platform listens.
  const registrationHook: WebhookTarget = { url: 'http://127.0.0.1:9/unset', apiKey: testSecrets.kratos };
  const standin = await startStandin({ webhooks: { registration: registrationHook } });
  const deps: IdentityDeps = {
    db: db.pool, log: testLog, ory: standin.ory, nocodb: rows, clock: () => new Date(),
    noco: { api, ids, publicUrl: nocodb.url },
  };
  const identity = register({ ...deps, workbookPageUrl: workbookPageUrlForTests });
  const platform = await startTestPlatform({
    db: db.pool, redisUrl: redis.url, capabilities: [identity],
    tableById: (id) => tables.find((t) => ids.tables.get(t.key) === id),
  });
  registrationHook.url = `${platform.url}/hooks/kratos/registration`;
  const provisioned = await provisionBase({ api, log: testLog }, {
    baseTitle: `School (identity ${label})`, tables,
    hookTarget: { url: `${platform.url}/hooks/nocodb`, secretHeader: NOCODB_SECRET_HEADER, secret: testSecrets.nocodb },
  });
  ids.baseId = provisioned.ids.baseId;
  for (const [k, v] of provisioned.ids.tables) ids.tables.set(k, v);

  const json = async (res: Response): Promise<Reply> => {
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const kratos = async (path: string, body?: unknown) => json(await fetch(`${standin.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }));
  const can = (subject: string, relation: string, namespace: string, object: string) => standin.ory.keto.check({ namespace, object, relation, subject });
  let people = 0;

  const h: IdentityHarness = {
    db, platform, standin, api, ids, rows, deps, identity,
    async signUp(name, traits = {}, transientPayload) {
      const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}.${++people}.${randomBytes(3).toString('hex')}@school.test`;
      const done = await registerThroughStandin(standin.url, name, { email, traits: { name: { first: name, last: 'Test' }, ...traits }, transientPayload });
      // What the stand-in posted: webhook.jsonnet's body for this flow.
      const hookBody = { ...webhookBody({ identity: done.identity, flow: { id: done.flowId, type: 'api', active: 'password', transient_payload: transientPayload } }) };
      return { id: done.id, email, password: done.password, token: done.token, hookBody };
    },
    async logIn(email, password) {
      const flow = await kratos('/self-service/login/api');
      const done = await kratos(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier: email, password });
      if (done.status !== 200) throw new Error(`login of ${email} failed: ${done.status}`);
      return done.body.session_token as string;
    },
    async call(method, path, token) {
      return json(await fetch(`${platform.url}/api/identity${path}`, { method, headers: token ? { 'x-session-token': token } : {} }));
    },
    async postKratosHook(flow, body) {
      return json(await fetch(`${platform.url}/hooks/kratos/${flow}`, {
        method: 'POST', headers: { 'content-type': 'application/json', [KRATOS_KEY_HEADER]: testSecrets.kratos }, body: JSON.stringify(body),
      }));
    },
    byIdentity: (table, identityId) => rows.list(table, { where: `(IdentityId,eq,${identityId})` }),
    personOf: (identityId) => waitFor(`the people row of ${identityId}`, async () => (await h.byIdentity('people', identityId))[0], 20_000),
    can,
    async waitForPermission(what, subject, relation, namespace, object, expected) {
      await waitFor(what, async () => (await can(subject, relation, namespace, object)) === expected, 20_000);
    },
    async close() {
      await platform.close();
      await standin.close();
    },
  };
  return h;
}

/** A date `days` from today, as NocoDB's Date columns take it. */
export const dayFromToday = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
