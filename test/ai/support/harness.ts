/**
 * The AI check capability as the service would run it, on real local components: a fresh
 * migrated PostgreSQL database, the guides indexed from a temp docs repository, the local
 * model and Telegram servers, stores over PostgreSQL tables, and the HTTP API mounted on
 * express behind a pass-through guard that records what it was asked to check.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { isAppError } from '../../../kernel/errors.ts';
import { register, type AiCheckCapability } from '../../../extensions/ai-check/index.ts';
import { DEFAULT_RETRIEVAL, type AiCheckSettings, type LimitSettings, type ProviderSettings } from '../../../extensions/ai-check/settings.ts';
import { freshDatabase, testLog, type TestDatabase } from '../../support/stack.ts';
import { createGuideRepo, type GuideRepo } from './guides.ts';
import { startModelServer, type ModelServer } from './model-server.ts';
import { createTestTables, fixtures, PgAnswerStore, PgPeople, type Fixtures } from './stores.ts';
import { startTelegramServer, type TelegramServer } from './telegram-server.ts';

export interface Harness {
  db: TestDatabase;
  capability: AiCheckCapability;
  answers: PgAnswerStore;
  fx: Fixtures;
  model: ModelServer;
  telegram: TelegramServer;
  repo: GuideRepo;
  /** Base URL of the capability's routes, e.g. http://127.0.0.1:PORT/api/ai-check */
  api: string;
  guardChecks: { relation: string; object: string; identity: string | null }[];
  /** Identities `can` refuses (MCP). */
  denied: Set<string>;
  settings: AiCheckSettings;
  close(): Promise<void>;
}

export interface HarnessOptions {
  label: string;
  /** false: no AI provider configured (the default of a fresh install). */
  provider?: boolean;
  providerOverrides?: Partial<ProviderSettings>;
  limits?: Partial<LimitSettings>;
  embeddings?: boolean;
  /** Per 1M tokens; 0.5 unless given. */
  embeddingPricePer1M?: number;
  /** Self-learners' verdicts staff look at again; none by default in tests. */
  audit?: Partial<AiCheckSettings['audit']>;
}

export const PRICING = { currency: 'USD', inputPer1M: 1, outputPer1M: 4 };

function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (isAppError(err)) {
    res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details } });
    return;
  }
  res.status(500).json({ error: { code: 'INTERNAL', message: (err as Error).message } });
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const db = await freshDatabase(opts.label);
  await createTestTables(db.pool);
  const [model, telegram, repo] = await Promise.all([startModelServer(), startTelegramServer(), createGuideRepo()]);
  const settings: AiCheckSettings = {
    provider: opts.provider === false ? null : {
      baseURL: model.url, apiKey: 'test-key', model: 'test/grader', temperature: 0, maxOutputTokens: 300,
      timeoutMs: 2_000, maxRetries: 2, maxBackoffMs: 3_000, pricing: PRICING, ...opts.providerOverrides,
    },
    embeddings: opts.embeddings ? { baseURL: model.url, apiKey: 'test-key', model: 'test/embed', timeoutMs: 2_000, pricing: { currency: 'USD', inputPer1M: opts.embeddingPricePer1M ?? 0.5 } } : null,
    limits: { perHour: 20, perDay: 50, monthlyBudgetMicros: 1_000_000, maxAnswerChars: 2_000, ...opts.limits },
    jobs: { maxAttempts: 3, leaseMs: 30_000, pollMs: 200, backoffMs: 30 },
    staffReviewGroup: 'reviewers',
    audit: { share: 0, minConfidence: 0.6, ...opts.audit },
    publicUrl: 'https://school.test',
    guides: { location: repo.root, cacheDir: path.join(repo.root, '..', `${path.basename(repo.root)}-cache`) },
    retrieval: DEFAULT_RETRIEVAL,
  };
  const answers = new PgAnswerStore(db.pool);
  const guardChecks: Harness['guardChecks'] = [];
  const denied = new Set<string>();
  const capability = register({
    db: db.pool, log: testLog, config: settings, answers, people: new PgPeople(db.pool),
    notifier: { telegram: { apiUrl: telegram.url, botToken: telegram.token } },
    auth: {
      guard: (relation, objectOf) => async (req, res, next) => {
        const identity = req.header('x-test-identity') ?? null;
        guardChecks.push({ relation, object: await objectOf(req), identity });
        res.locals.identityId = identity;
        next();
      },
      resolveIdentity: async (token) => (token.startsWith('session-') ? token.slice('session-'.length) : null),
      can: async (identityId, relation, object) => !denied.has(`${identityId} ${relation} ${object}`),
    },
  });
  await capability.indexGuides();

  const app = express();
  const router = express.Router();
  capability.routes!(router);
  app.use('/api/ai-check', router);
  app.use(errorHandler);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/ai-check`;

  return {
    db, capability, answers, fx: fixtures(db.pool), model, telegram, repo, api, guardChecks, denied, settings,
    async close() {
      await capability.stop?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([model.close(), telegram.close(), repo.remove()]);
    },
  };
}

/** POST/GET JSON against the harness API as an identity. */
export async function call(h: Harness, method: 'GET' | 'POST', route: string, identity: string | null, body?: unknown) {
  const response = await fetch(`${h.api}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(identity ? { 'x-test-identity': identity } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() as any };
}
