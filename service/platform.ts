import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type RequestHandler } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { MonetaHookConfig } from '../hooks/moneta.ts';
import type { StripeHookConfig } from '../hooks/stripe.ts';
import type { YookassaHookConfig } from '../hooks/yookassa.ts';
import { hooksRouter, type HookSecrets } from '../hooks/index.ts';
import type { DefinedTable } from '../schemas/nocodb/index.ts';
import type { Capability } from '../kernel/capability.ts';
import { createDispatcher, type Dispatcher } from './inbox/dispatcher.ts';
import { createInbox, type Inbox } from './inbox/inbox.ts';
import { closeQueues, createQueues, type InboxQueue } from './inbox/queues.ts';
import { startWorkers } from './inbox/worker.ts';
import { routingOf, topicTable, type TopicRow } from './inbox/routing.ts';
import { topicRegistry, type TopicRegistry } from '../schemas/topics.ts';
import { replayDeadJobs, replayRequest } from './inbox/replay.ts';
import { parseOr400 } from '../kernel/validation.ts';
import { errorHandler } from './http/errors-middleware.ts';
import { healthHandler, type HealthCheck } from './http/health.ts';
import { crossSiteGuard } from './http/cross-site.ts';
import { createMetrics, hookMetrics, metricsHandler } from './http/metrics.ts';
import { routeTable, type RouteEntry } from './http/route-table.ts';
import type { NocoNames } from '../nocodb/names.ts';

export interface PlatformOptions {
  db: pg.Pool;
  /** A pool of its own for consumers that call out inside their transaction (Consumer.callsOut). */
  outsideDb?: pg.Pool;
  redisUrl: string;
  log: Logger;
  secrets: HookSecrets;
  /** Moneta's shop id and integrity code: its Pay URL at /hooks/moneta checks the signature with them. */
  moneta?: MonetaHookConfig;
  /** Stripe's endpoint secret and tolerance: /hooks/stripe checks Stripe-Signature with them. */
  stripe?: StripeHookConfig;
  /** YooKassa's networks (and the proxies believed): its notifications at /hooks/yookassa are accepted from there only. */
  yookassa?: YookassaHookConfig;
  capabilities: Capability[];
  tableById: (tableId: string) => DefinedTable | undefined;
  /** How NocoDB titles our keys: its webhook rows are translated before the inbox (nocodb/names.ts). */
  names?: NocoNames;
  health: Record<string, HealthCheck>;
  /** Guards staff-only pages (bull-board): looking. */
  staffGuard: RequestHandler;
  /** Guards what changes the queues (bull-board's actions, replaying dead deliveries): Report:operations#edit, admins. Default: staffGuard. */
  operatorGuard?: RequestHandler;
  inboxStaleSeconds: number;
  maxAttempts: number;
  concurrency: number;
  /** false: only receive (a process that does not run workers). */
  runWorkers?: boolean;
  /** The topic table (schemas/topics.ts by default). */
  topics?: TopicRegistry;
  /** OPS_TOKEN: shows /health's details and opens /metrics. */
  opsToken?: string;
  /** PUBLIC_URL: the one origin cookie-authenticated changes may come from (crossSiteGuard). */
  publicUrl?: string;
}

export interface Platform {
  app: express.Express;
  inbox: Inbox;
  dispatcher: Dispatcher;
  queues: Map<string, InboxQueue>;
  /** Who consumes what: every declared topic with its sender and consumers. */
  topics: TopicRow[];
  /** Every route the app serves (method and express path), read from express itself. */
  routes(): RouteEntry[];
  stop(): Promise<void>;
}

/**
 * Urgent consumers (Consumer.urgent: a deadline of seconds, Telegram's pre-checkout) get a
 * dispatcher of their own over only their queues, nudged with no delay and looking every
 * 250 ms: the other dispatcher drains every other queue's backlog in turn (hundreds of
 * batches after a burst) and would keep them waiting behind it. Both claim with `skip
 * locked`, so no job is dispatched twice.
 */
function dispatchers(deps: Parameters<typeof createDispatcher>[0], urgent: Set<string>): Dispatcher {
  const only = (keep: (name: string) => boolean) => new Map([...deps.queues].filter(([name]) => keep(name)));
  const normal = createDispatcher({ ...deps, queues: only((n) => !urgent.has(n)) });
  if (urgent.size === 0) return normal;
  const fast = createDispatcher({ ...deps, queues: only((n) => urgent.has(n)), nudgeDelayMs: 0, intervalMs: 250 });
  return {
    nudge() { fast.nudge(); normal.nudge(); },
    async runOnce() { return (await fast.runOnce()) + (await normal.runOnce()); },
    async stop() { await Promise.all([fast.stop(), normal.stop()]); },
  };
}

/**
 * The service: express with the webhook receivers, each capability's API, health, metrics
 * and bull-board; the inbox, its dispatcher and the bull workers of every consumer.
 */
export function createPlatform(opts: PlatformOptions): Platform {
  const { db, log } = opts;
  const consumers = opts.capabilities.flatMap((c) => c.consumers ?? []);
  const registry = opts.topics ?? topicRegistry();
  const topics = topicTable(opts.capabilities, registry);
  const routing = routingOf(topics);
  const queues = createQueues(opts.redisUrl, consumers.map((c) => c.name));
  const dispatcher = dispatchers({ db, queues, log, staleSeconds: opts.inboxStaleSeconds }, new Set(consumers.filter((c) => c.urgent).map((c) => c.name)));
  const inbox = createInbox({ db, routing, onAccepted: dispatcher.nudge });
  const metrics = createMetrics(db);
  if (opts.runWorkers !== false) {
    startWorkers({
      db, outsideDb: opts.outsideDb, log, maxAttempts: opts.maxAttempts, concurrency: opts.concurrency, topics: registry,
      onBatch: (consumer, r) => {
        // A worker is free: what gathered in the inbox meanwhile goes out as the next batch.
        dispatcher.nudge();
        metrics.processed.inc({ consumer, result: 'done' }, r.done);
        metrics.processed.inc({ consumer, result: 'failed' }, r.failed);
        metrics.processed.inc({ consumer, result: 'invalid' }, r.invalid);
      },
    }, consumers, queues);
  }

  const app = express();
  app.disable('x-powered-by');
  app.get('/health', healthHandler(opts.health, { token: opts.opsToken }));
  app.get('/metrics', metricsHandler(metrics, opts.opsToken));
  app.use('/hooks', hookMetrics(metrics), hooksRouter({ inbox, secrets: opts.secrets, tableById: opts.tableById, ...(opts.names ? { names: opts.names } : {}), moneta: opts.moneta, stripe: opts.stripe, yookassa: opts.yookassa }));
  app.use(crossSiteGuard(opts.publicUrl));
  for (const capability of opts.capabilities) {
    if (!capability.routes) continue;
    const router = express.Router();
    capability.routes(router);
    app.use(`/api/${capability.name}`, router);
  }
  for (const capability of opts.capabilities) {
    if (!capability.pages) continue;
    const router = express.Router();
    capability.pages(router);
    app.use(router);
  }
  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: [...queues.values()].map((q) => new BullAdapter(q)), serverAdapter: board });
  const operator = opts.operatorGuard ?? opts.staffGuard;
  // Looking at the queues is staff's; retrying, removing or replaying jobs is an operator's.
  app.use('/admin/queues', opts.staffGuard, (req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? next() : operator(req, res, next)), board.getRouter());
  app.post('/admin/inbox/replay', operator, express.json(), async (req, res) => {
    const replayed = await replayDeadJobs(db, parseOr400(replayRequest, req.body, 'replay request'));
    if (replayed) dispatcher.nudge();
    res.json({ replayed });
  });
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'no such route' } });
  });
  app.use(errorHandler(log));

  return {
    app, inbox, dispatcher, queues, topics,
    routes: () => routeTable(app),
    async stop() {
      await dispatcher.stop();
      await closeQueues(queues);
    },
  };
}
