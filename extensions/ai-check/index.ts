import type { Router } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Capability } from '../../kernel/capability.ts';
import { isAppError } from '../../kernel/errors.ts';
import { startLoop, type Loop } from '../../kernel/loop.ts';
import type { AnswerStore } from './answer-store.ts';
import type { CheckDeps } from './check-answer.ts';
import { requestCheck } from './check-request.ts';
import { systemClock, type Clock } from '../../kernel/clock.ts';
import { answersConsumer } from './consumer.ts';
import { editionChanges, indexDocsRepository, type IndexerDeps } from './indexer/index-guides.ts';
import { mountMcp, type McpAuth, type StudentWorkbook } from './mcp.ts';
import { assistantPages } from './assistant-pages.ts';
import { addSpend } from './checks-store.ts';
import { meteredEmbedder } from './embeddings.ts';
import { createChatModel, createEmbeddingClient } from './openrouter.ts';
import type { People } from './people.ts';
import { routes, type Guard, type IdentityOf } from './routes.ts';
import { drainOutbox, type DrainResult, type Mailer, type SenderDeps } from './sender.ts';
import type { AiCheckSettings } from './settings.ts';
import { createTelegramClient } from './telegram.ts';
import { reviewPages, type ReviewPagesDeps } from './review-pages.ts';
import { decisionFromNocodb } from './review-decision.ts';
import { disputeFromNocodb } from './disputes.ts';
import { drainChecks, runCheckNow } from './runner.ts';

/**
 * AI homework checks with mentors in the loop (issue 5). The only file other folders import.
 *
 * Consumes `nocodb.answers.insert` / `nocodb.answers.update`; HTTP API under /api/ai-check
 * (routes.ts) with an MCP endpoint at /api/ai-check/mcp (mcp.ts); background work (checks,
 * write-backs, notifications) runs in `start()` until `stop()`.
 */
export interface AiCheckDeps {
  db: pg.Pool;
  log: Logger;
  clock?: Clock;
  config: AiCheckSettings;
  answers: AnswerStore;
  people: People;
  notifier: {
    /** TELEGRAM_API_URL and TELEGRAM_BOT_TOKEN; null: Telegram rows wait in the outbox. */
    telegram: { apiUrl: string; botToken: string } | null;
    /** No mailer yet: e-mail rows wait in the outbox. */
    mailer?: Mailer | null;
  };
  auth: McpAuth & { guard: Guard; identityOf?: IdentityOf; staffObject?: string };
  /** The mentor's review page (review-pages.ts) and the student's /assistant; left out, the service has only the API. */
  pages?: Omit<ReviewPagesDeps, 'checks' | 'guard'>;
  /** The student's workbooks as their page shows them, for the MCP tools that list answers. */
  workbooks?: (identityId: string) => Promise<StudentWorkbook[]>;
  /** OAuth 2 authorization servers a host may sign in with (Ory Hydra / Ory Network), named in the MCP endpoint's metadata. */
  mcpAuthorizationServers?: string[];
}

/** Where the MCP endpoint is (the capability's routes are under /api/ai-check). */
const MCP_PATH = '/api/ai-check/mcp';

export interface AiCheckCapability extends Capability {
  name: 'ai-check';
  /** Index the configured docs repository (AI_GUIDES_REPO) now; `start()` does it once too. */
  indexGuides(): Promise<Awaited<ReturnType<typeof indexDocsRepository>>>;
  editionChanges(slug: string, from: string, to: string): ReturnType<typeof editionChanges>;
  /** Runs due checks and write-backs, then sends due notifications: what the loop does each tick. */
  drain(): Promise<{ checks: number; notices: DrainResult }>;
  requestCheck(answerId: string, actorId: string | null): ReturnType<typeof requestCheck>;
  checkDeps: CheckDeps;
}

export function register(deps: AiCheckDeps): AiCheckCapability {
  const clock = deps.clock ?? systemClock;
  const log = deps.log.child({ capability: 'ai-check' });
  const settings = deps.config;
  // Query and indexing embeddings are paid from the checks' monthly budget.
  const embedder = settings.embeddings ? meteredEmbedder(createEmbeddingClient(settings.embeddings, { log }), {
    db: deps.db, clock, pricing: settings.embeddings.pricing, budgetMicros: () => settings.limits.monthlyBudgetMicros,
    chargeCheck: (checkId, costMicros, currency) => addSpend(deps.db, checkId, { promptTokens: 0, completionTokens: 0, costMicros, currency, calls: 0 }),
  }) : null;
  const checkDeps: CheckDeps = {
    db: deps.db, log, clock, settings, answers: deps.answers, people: deps.people,
    model: settings.provider ? createChatModel(settings.provider, { log }) : null,
    embedder,
  };
  const indexerDeps: IndexerDeps = { db: deps.db, log, embedder };
  const senderDeps: SenderDeps = {
    db: deps.db, log, clock,
    telegram: deps.notifier.telegram ? createTelegramClient(deps.notifier.telegram) : null,
    mailer: deps.notifier.mailer ?? null,
    maxAttempts: settings.jobs.maxAttempts, leaseMs: 60_000, backoffMs: settings.jobs.backoffMs,
  };
  const drain = async () => ({ checks: await drainChecks(checkDeps), notices: await drainOutbox(senderDeps) });
  let loop: Loop | undefined;
  const indexGuides = async () => (settings.guides ? indexDocsRepository(indexerDeps, settings.guides) : []);

  if (!settings.provider) log.warn('no AI provider configured (OPENROUTER_API_KEY, AI_CHECK_MODEL): answers wait for mentors');

  return {
    name: 'ai-check',
    // It reads the answer in NocoDB, and a staff decision runs its check at once: outside
    // calls while the worker's transaction is open, so on the pool for those (callsOut).
    consumers: [{ ...answersConsumer({
      clock,
      exerciseOf: async (id) => (await deps.answers.getAnswer(id))?.exerciseId ?? null,
      staffDecision: async (id, row) => {
        const review = await decisionFromNocodb(checkDeps, id, row);
        if (review) await runCheckNow(checkDeps, review.checkId);
      },
      dispute: (tx, id, row) => disputeFromNocodb(checkDeps, tx, id, row),
    }), callsOut: true }],
    routes: (router: Router) => {
      mountMcp(router, { checks: checkDeps, auth: deps.auth, db: deps.db, ...(deps.workbooks ? { workbooks: deps.workbooks } : {}) },
        deps.pages ? { resourceMetadataUrl: `${deps.pages.publicUrl}/.well-known/oauth-protected-resource${MCP_PATH}` } : {});
      routes(router, {
        guard: deps.auth.guard, checks: checkDeps, indexer: indexerDeps,
        ...(deps.auth.identityOf ? { identityOf: deps.auth.identityOf } : {}),
        ...(deps.auth.staffObject ? { staffObject: deps.auth.staffObject } : {}),
      });
    },
    ...(deps.pages ? { pages: (router: Router) => {
      reviewPages(router, { ...deps.pages!, checks: checkDeps, guard: deps.auth.guard });
      assistantPages(router, { db: deps.db, signedIn: deps.pages!.signedIn, signInUrl: deps.pages!.signInUrl, publicUrl: deps.pages!.publicUrl, mcpPath: MCP_PATH, authorizationServers: deps.mcpAuthorizationServers ?? [] });
    } } : {}),
    async start() {
      await indexGuides().catch((e: Error) => log.error({ err: e.message, details: isAppError(e) ? e.details : undefined },
        'indexing the guides failed; retrieval uses what was indexed before'));
      loop = await startLoop({
        name: 'ai-check', log, intervalMs: settings.jobs.pollMs, listen: { db: deps.db, channel: 'ai_check' },
        run: async () => { await drain(); },
      });
    },
    async stop() {
      await loop?.stop();
      loop = undefined;
    },
    indexGuides,
    editionChanges: (slug, from, to) => editionChanges(deps.db, slug, from, to),
    drain,
    requestCheck: (answerId, actorId) => requestCheck(checkDeps, { answerId, actorId, source: 'api' }),
    checkDeps,
  };
}

export type { AnswerStore, AnswerRecord, AnswerUpdate, Exercise } from './answer-store.ts';
export type { People, Person } from './people.ts';
export type { Mailer } from './sender.ts';
export type { Guard, IdentityOf } from './routes.ts';
export type { McpAuth, StudentWorkbook } from './mcp.ts';
export { settingsFromEnv, type AiCheckSettings, type AiCheckEnv } from './settings.ts';
export { createNocodbAnswerStore } from './nocodb-store.ts';
