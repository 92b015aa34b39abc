import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { register, type PointsCapability } from '../../extensions/points/index.ts';
import type { Capability, Consumer } from '../../kernel/capability.ts';
import { requireSession } from '../../ory/guard.ts';
import { acceptEvents } from '../../service/inbox/accept.ts';
import { processBatch, type BatchResult } from '../../service/inbox/worker.ts';
import { freshDatabase, testLog, type TestDatabase } from '../support/stack.ts';
import { kratosWithHook, type KratosWithHook } from '../support/kratos-hook.ts';
import { registerThroughStandin } from '../e2e/register.ts';
import type { NewInboxEvent } from '../../kernel/inbox.ts';
import { topicRegistry } from '../../schemas/topics.ts';
import { hooksRouter } from '../../hooks/index.ts';
import { errorHandler } from '../../service/http/errors-middleware.ts';
import { schoolTables } from '../../schemas/nocodb/index.ts';
import { testSecrets } from '../support/platform.ts';
import { verifyAddress } from '../support/verify-address.ts';
import type { Harness as StandinHarness } from '../ory/standin-harness.ts';
import { schoolNames } from '../../nocodb/names.ts';

const topics = topicRegistry();

/**
 * Points on a real PostgreSQL, driven the way the service drives it: deliveries go
 * through acceptEvents, and the points consumer handles them in processBatch
 * transactions. People register through the Ory stand-in's API flow, whose web hook
 * goes to the real Kratos receiver (test/support/kratos-hook.ts). The clock is the test's.
 */
export interface Delivery {
  topic: string;
  payload: unknown;
  deliveryId?: string;
}

export interface PointsHarness {
  db: TestDatabase;
  points: PointsCapability;
  consumer: Consumer;
  clock: { now: Date };
  deliver(deliveries: Delivery[]): Promise<BatchResult>;
  /** Jobs marked invalid (the kernel's policy), with their issues. */
  invalid(): Promise<{ topic: string; issues: { path: string; message: string }[] }[]>;
  /** Upserts a rule in NocoDB's points_rules (as its webhook would) and runs the recomputation. */
  rule(row: Record<string, unknown> & { Id: number }, operation?: 'insert' | 'update' | 'delete'): Promise<void>;
  /** Registers through the stand-in's API flow and delivers the web hook it called; returns the identity id. */
  registerPerson(opts: Registrant): Promise<string>;
  /**
   * The same registration, with the web hook's inbox event held: the identity exists (its
   * id is known) before points hears of it, as when the hook is slow. `token` is the
   * person's session (X-Session-Token), which `sessions: true` checks.
   */
  signUp(opts: Registrant): Promise<{ id: string; hook: NewInboxEvent; token: string }>;
  deliverHook(hook: NewInboxEvent): Promise<void>;
  /**
   * The person verifies their e-mail (the stand-in's verification flow with the code it
   * mailed) and points looks at the waiting e-mail claims, as its loop does.
   */
  verifyEmail(personId: string, email: string): Promise<void>;
  /** The person proves their Telegram account (what a checked Login Widget payload does; test/points/verified-links.test.ts goes through HTTP). */
  proveTelegram(personId: string, telegramId: number | string): Promise<void>;
  /** The Ory stand-in people register with (its web hook goes to the real receiver). */
  standin(): Promise<StandinHarness>;
  balance(personId: string): Promise<number>;
  lines(personId: string): Promise<{ id: string; points: number; kind: string; day: string; note: string | null; compensates: string | null; role: string; rule_version: number | null; recompute_id: string | null }[]>;
  /**
   * Starts an HTTP server with the routes mounted at /api/points behind a pass-through guard,
   * and the pages at the root (`origin`), as service/platform.ts mounts them.
   */
  http(): Promise<{ url: string; origin: string; close(): Promise<void>; guarded: string[] }>;
  /**
   * The service's real webhook receivers (hooks/), with the test secrets, into this harness's
   * inbox: `post` sends a delivery as its sender does; `drain` lets points handle what they
   * accepted. NocoDB table ids map to tables by `tableById`.
   */
  receivers(tableById?: (id: string) => import('../../schemas/nocodb/index.ts').DefinedTable | undefined): Promise<{
    post(path: string, headers: Record<string, string>, body: string): Promise<{ status: number; json: any }>;
    drain(): Promise<BatchResult>;
    close(): Promise<void>;
  }>;
}

/** A NocoDB row change as hooks/nocodb.ts stores it: the operation and the route it came by, beside the row. */
function asStored(d: Delivery): unknown {
  if (!d.topic.startsWith('nocodb.') || typeof d.payload !== 'object' || d.payload === null) return d.payload;
  return { operation: d.topic.slice(d.topic.lastIndexOf('.') + 1), tableId: 'm-points-test', via: 'webhook', ...(d.payload as object) };
}

/**
 * Who registers: traits identity.schema.json allows (e-mail, Telegram id, time zone, name),
 * and what the registration form sends as transient_payload (referral code, club user name).
 */
export interface Registrant {
  email?: string;
  /** Verifies the e-mail after the registration (verifyEmail): only a verified address links club accounts (issue 12). */
  verified?: boolean;
  telegramId?: number;
  timeZone?: string;
  name?: string;
  locale?: 'ru' | 'en';
  referralCode?: string;
  clubUsername?: string;
}

/**
 * `sessions: true`: signedIn is the service's own requireSession against the Ory stand-in
 * (401 without a live session, req.identity with its traits otherwise); by default it lets
 * every request through. Either way it records 'signed in' in `guarded`.
 */
export async function pointsHarness(label: string, opts: { defaultTimeZone?: string; batchIngestion?: boolean; sessions?: boolean } = {}): Promise<PointsHarness> {
  const db = await freshDatabase(label);
  const clock = { now: new Date('2025-03-03T12:00:00Z') };
  const guarded: string[] = [];
  let kratos: Promise<KratosWithHook> | undefined;
  const ory = () => (kratos ??= kratosWithHook());
  const points = register({
    db: db.pool, log: testLog, clock: () => clock.now, defaultTimeZone: opts.defaultTimeZone ?? 'UTC', batchIngestion: opts.batchIngestion,
    identities: { get: async (id) => (await ory()).standin.ory.identities.get(id) },
    guard: (relation, object) => async (req, _res, next) => {
      guarded.push(`${await object(req)}#${relation}`);
      next();
    },
    signedIn: (req, res, next) => {
      guarded.push('signed in');
      if (!opts.sessions) return next();
      ory().then((k) => requireSession(k.standin.ory)(req, res, next), next);
    },
  });
  const consumer = points.consumers![0]!;
  const routing = (topic: string) => (consumer.topics.includes(topic) ? [consumer.name] : []);
  let sequence = 0;

  const deliver = async (deliveries: Delivery[]): Promise<BatchResult> => {
    await acceptEvents(db.pool, routing, deliveries.map((d) => ({
      source: d.topic.split('.')[0]!, deliveryId: d.deliveryId ?? `d-${++sequence}-${randomUUID()}`, topic: d.topic, payload: asStored(d),
    })));
    return drain();
  };
  const drain = async (): Promise<BatchResult> => {
    const { rows } = await db.pool.query<{ id: string }>(`select event_id::text as id from inbox_job where consumer = 'points' and status = 'pending' order by event_id`);
    const total: BatchResult = { done: 0, failed: 0, invalid: 0 };
    for (let i = 0; i < rows.length; i += 1000) {
      const r = await processBatch({ db: db.pool, log: testLog, maxAttempts: 3, topics }, consumer, rows.slice(i, i + 1000).map((r) => r.id));
      total.done += r.done;
      total.failed += r.failed;
      total.invalid += r.invalid;
    }
    return total;
  };

  const lastError = async () => (await db.pool.query(`select last_error from inbox_job where last_error is not null order by event_id desc limit 1`)).rows[0]?.last_error;

  const signUp: PointsHarness['signUp'] = async (p) => {
    const k = await ory();
    const transient = { ...(p.referralCode ? { referral_code: p.referralCode } : {}), ...(p.clubUsername ? { discourse_username: p.clubUsername } : {}) };
    const person = await registerThroughStandin(k.standin.url, p.name ?? 'Person', {
      email: p.email,
      traits: {
        ...(p.telegramId ? { telegram: { id: p.telegramId } } : {}), ...(p.timeZone ? { time_zone: p.timeZone } : {}),
        ...(p.name ? { name: { first: p.name } } : {}), ...(p.locale ? { locale: p.locale } : {}),
      },
      transientPayload: Object.keys(transient).length ? transient : undefined,
    });
    return { id: person.id, hook: k.take(person.id), token: person.token };
  };
  const deliverHook: PointsHarness['deliverHook'] = async (hook) => {
    const r = await deliver([{ topic: hook.topic, payload: hook.payload, deliveryId: hook.deliveryId }]);
    if (r.invalid) throw new Error(`the registration's hook body does not match its topic (${hook.topic}): ${JSON.stringify(hook.payload)}`);
    if (r.failed) throw new Error(`registration failed: ${await lastError()}`);
  };

  const verifyEmail: PointsHarness['verifyEmail'] = async (personId, email) => {
    await verifyAddress((await ory()).standin.url, email);
    await points.links.settleClaims(personId);
  };

  return {
    db, points, consumer, clock, deliver, verifyEmail,
    async proveTelegram(personId, telegramId) {
      const r = await points.links.telegram(personId, String(telegramId), `test-proof-${randomUUID()}`);
      if (r.type !== 'linked' && r.type !== 'already') throw new Error(`Telegram ${telegramId} was not linked to ${personId}: ${r.type}`);
    },
    standin: async () => (await ory()).standin,
    async invalid() {
      const { rows } = await db.pool.query(`select e.topic, j.issues from inbox_job j join inbox_event e on e.id = j.event_id where j.status = 'invalid' order by e.id`);
      return rows;
    },
    async rule(row, operation = 'update') {
      const r = await deliver([{ topic: `nocodb.points_rules.${operation}`, payload: { table: 'points_rules', row: { UpdatedAt: clock.now.toISOString(), ...row } } }]);
      if (r.failed) throw new Error(`rule change failed: ${await lastError()}`);
      await points.recomputeNow();
    },
    signUp, deliverHook,
    async registerPerson(p) {
      const { id, hook } = await signUp(p);
      await deliverHook(hook);
      if (p.verified) {
        if (!p.email) throw new Error('registerPerson: verified needs the e-mail to verify');
        await verifyEmail(id, p.email);
      }
      return id;
    },
    async balance(personId) {
      const { rows } = await db.pool.query<{ b: number }>('select coalesce(sum(points), 0)::int as b from points_ledger where person_id = $1', [personId]);
      return rows[0]!.b;
    },
    async lines(personId) {
      const { rows } = await db.pool.query(`select id::text, points, kind, to_char(day, 'YYYY-MM-DD') as day, note, compensates::text, role, rule_version, recompute_id::text
        from points_ledger where person_id = $1 order by id`, [personId]);
      return rows;
    },
    async receivers(tableById = (id: string) => schoolTables.find((t) => t.key === id)) {
      const app = express();
      app.use('/hooks', hooksRouter({ inbox: { accept: (events) => acceptEvents(db.pool, routing, events) }, secrets: testSecrets, tableById, names: schoolNames('ru') }));
      const { origin, close } = await serve(app);
      return {
        async post(path, headers, body) {
          const res = await fetch(`${origin}${path}`, { method: 'POST', headers, body });
          return { status: res.status, json: await res.json().catch(() => undefined) };
        },
        drain,
        close,
      };
    },
    async http() {
      const { origin, close } = await serveCapabilities([points]);
      return { url: `${origin}/api/points`, origin, guarded, close };
    },
  };
}

/** Capabilities as service/platform.ts mounts them: routes at /api/<name>, pages at the root; on a free port. */
export async function serveCapabilities(capabilities: Capability[]): Promise<{ origin: string; close(): Promise<void> }> {
  const app = express();
  for (const c of capabilities) {
    if (!c.routes) continue;
    const router = express.Router();
    c.routes(router);
    app.use(`/api/${c.name}`, router);
  }
  for (const c of capabilities) {
    if (!c.pages) continue;
    const router = express.Router();
    c.pages(router);
    app.use(router);
  }
  return serve(app);
}

/** Listens on a free port with the service's own error handler (AppErrors as their HTTP errors). */
async function serve(app: express.Express): Promise<{ origin: string; close(): Promise<void> }> {
  app.use(errorHandler(testLog));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Discourse's post webhook body. */
export function discoursePost(p: { id: number; userId: number; username: string; raw: string; createdAt: string; updatedAt?: string; deletedAt?: string }) {
  return {
    post: {
      id: p.id, topic_id: 1, user_id: p.userId, username: p.username, raw: p.raw, post_number: 2, post_type: 1,
      created_at: p.createdAt, updated_at: p.updatedAt ?? p.createdAt, deleted_at: p.deletedAt ?? null,
    },
  };
}

/** A collector event in the collector's wire form. */
export function collected(personId: string, kind: string, key: string, occurredAt: string, measures: Record<string, number> = {}, timeZone?: string) {
  return { topic: `collector.${kind}`, payload: { key, kind, person_id: personId, occurred_at: occurredAt, measures, ...(timeZone ? { time_zone: timeZone } : {}) } };
}

export const text = (n: number) => 'x'.repeat(n);
