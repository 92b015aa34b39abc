import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Capability } from '../../kernel/capability.ts';
import type { Loop } from '../../kernel/loop.ts';
import { defaultRules, pointsRulesTable } from '../../schemas/nocodb/points-rules.ts';
import { startForwarder, type PostHogLike } from './analytics.ts';
import { PEOPLE_TOPICS, pointsConsumer, RULE_TOPICS } from './consumer.ts';
import { CANONICAL_TOPICS } from './events.ts';
import { startLoop } from '../../kernel/loop.ts';
import { CLAIMS_PER_ROUND, linksOf, linkTelegram, personOfTelegram, settleEmailClaims, settleFromSession, type KratosIdentities, type PersonLinks, type TelegramLinkOutcome } from './links.ts';
import { pages } from './page-routes.ts';
import { runPendingRecomputes, startRecomputeLoop } from './recompute.ts';
import { routes, type Guard } from './routes.ts';

/**
 * Points (issue 4): every active action of a student becomes ledger lines, like a bank
 * account. The only file other folders import.
 *
 * The counting path, in reading order: inbox topic -> consumer.ts -> events.ts (payload ->
 * canonical event) -> ingest-batch.ts (a worker's batch) -> people-store.ts (its people,
 * found and locked, or the event parked) -> ingest-batch-store.ts (its events, one insert)
 * -> settle-store.ts (the days it touched, settled in one statement). rules.ts is the
 * specification the tests hold settle-store.ts to; counted one at a time (batchIngestion
 * false, and a thing that changed hands) an event takes ingest.ts -> settle.ts + rules.ts
 * -> ledger.ts instead, to the same lines (tested).
 *
 * Who is who (issue 12, links.ts): an external account (an e-mail, a club account, a
 * Telegram id) becomes a person's only through a proof: a verified e-mail (registration.ts
 * reads it from Kratos' hook body; a loop asks Kratos about e-mails verified later), a club
 * account with such an e-mail, a Telegram login. Claims wait (claims-store.ts), shown to
 * staff in identity_pending_links (schemas/migrations/0212).
 *
 * Off that path: a rule change (rule-mirror.ts) schedules a job that recompute.ts runs
 * (recompute-store.ts, with settle-store.ts's statement for whole people); routes.ts
 * serves reads; page-routes.ts -> points-page.tsx is the student's own page /points (the same
 * reads, as HTML); analytics.ts forwards booked lines to PostHog. The NocoDB grids are views
 * (schemas/migrations/0207, 0208).
 */

export interface PointsDeps {
  db: Pool;
  log: Logger;
  clock: () => Date;
  /** Forwarding to PostHog runs only when given (createPostHog returns none without a key). */
  posthog?: PostHogLike;
  /** Permission middleware for the routes: `guard(relation, req => 'Namespace:id')`. */
  guard: Guard;
  /** Session only (401 without one): the school-wide ratings and the student's own page /points. */
  signedIn: RequestHandler;
  /**
   * Where a visitor of /points signs in, given the page's path and query to come back to.
   * Default: the account pages' /auth/login (which then lands on the person's start page).
   */
  signInUrl?: (returnPath: string) => string;
  /** Zone of people who have not said theirs, and of school-wide rating periods. Default Europe/Moscow. */
  defaultTimeZone?: string;
  /** How often the background recomputation looks for jobs. Default 5 s. */
  recomputeIntervalMs?: number;
  /** Parallel connections of a recomputation. Default 2. */
  recomputeParallel?: number;
  /** How often booked lines are forwarded to PostHog. Default 30 s. */
  analyticsIntervalMs?: number;
  /** Count runs of activity events set-based (default); false counts them one by one (the tests compare both). */
  batchIngestion?: boolean;
  /**
   * Kratos' identities (the admin API): an e-mail verified after registration fires no hook,
   * so waiting e-mail claims are looked up here. Without it they link at the person's next
   * profile change only.
   */
  identities?: KratosIdentities;
  /** How often waiting e-mail claims are looked at (each less often the longer it waits). Default 60 s. */
  claimsIntervalMs?: number;
}

/** Linking a person's external accounts by proof (the account pages use it). */
export interface PointsLinks {
  /** A Telegram account whose owner signed in with Telegram (a checked Login Widget payload; `nonce` its hash, good once). */
  telegram(personId: string, telegramId: string, nonce: string): Promise<TelegramLinkOutcome>;
  /** A person's links and waiting claims. */
  of(personId: string): Promise<PersonLinks>;
  /** The person a Telegram account is verified-linked to (the Login Widget's proof), or null: the bot's shop asks. */
  personOfTelegram(telegramUserId: number): Promise<string | null>;
  /** Looks at the waiting e-mail claims that are due now (the loop's round), or at one person's now. */
  settleClaims(personId?: string): Promise<{ checked: number; linked: number }>;
  /** The signed-in person's identity as their session shows it: a waiting e-mail it shows verified links now. */
  fromSession(identity: { id: string; traits?: unknown; verifiable_addresses?: unknown }): Promise<number>;
}

/** Every inbox topic the points consumer takes. */
export const POINTS_TOPICS: readonly string[] = [...CANONICAL_TOPICS, ...PEOPLE_TOPICS, ...RULE_TOPICS];

export interface PointsCapability extends Capability {
  /** Runs pending recomputations now, until none is left (tests, scripts). */
  recomputeNow(): Promise<number>;
  links: PointsLinks;
}

export function register(deps: PointsDeps): PointsCapability {
  const defaultTimeZone = deps.defaultTimeZone ?? 'Europe/Moscow';
  const log = deps.log.child({ capability: 'points' });
  const runner = { db: deps.db, log, clock: deps.clock, parallel: deps.recomputeParallel ?? 2 };
  let loop: Loop | undefined;
  let forwarder: Pick<Loop, 'stop'> | undefined;
  let claimsLoop: Loop | undefined;
  const nudge = () => loop?.nudge();
  const context = () => ({ defaultTimeZone, now: deps.clock() });
  const settleClaims = async (personId?: string) => (deps.identities
    ? settleEmailClaims({ ...context(), db: deps.db, log, identities: deps.identities }, { personId })
    : { checked: 0, linked: 0 });
  return {
    name: 'points',
    consumers: [pointsConsumer({ clock: deps.clock, defaultTimeZone, onRecomputeScheduled: nudge, batch: deps.batchIngestion })],
    routes: (router) => routes(router, { db: deps.db, clock: deps.clock, guard: deps.guard, signedIn: deps.signedIn, defaultTimeZone, onRecomputeScheduled: nudge }),
    pages: (router) => pages(router, { db: deps.db, clock: deps.clock, signedIn: deps.signedIn, defaultTimeZone, signInUrl: deps.signInUrl ?? (() => '/auth/login') }),
    async seed(created) {
      if (created.tables.includes(pointsRulesTable.key)) await created.insert(pointsRulesTable.key, defaultRules);
    },
    async start() {
      await recordSchoolZone(deps.db, defaultTimeZone);
      loop = await startRecomputeLoop({ ...runner, intervalMs: deps.recomputeIntervalMs ?? 5000 });
      if (deps.posthog) forwarder = await startForwarder({ db: deps.db, log, posthog: deps.posthog, intervalMs: deps.analyticsIntervalMs ?? 30_000 });
      if (deps.identities) {
        claimsLoop = await startLoop({
          name: 'points.claims', log, intervalMs: deps.claimsIntervalMs ?? 60_000, exclusive: deps.db,
          run: async () => (await settleClaims()).checked >= CLAIMS_PER_ROUND,
        });
      }
    },
    async stop() {
      // The PostHog client is the caller's (shared): flushed by the forwarder, not shut down here.
      await loop?.stop();
      await forwarder?.stop();
      await claimsLoop?.stop();
      loop = undefined;
      forwarder = undefined;
      claimsLoop = undefined;
    },
    recomputeNow: () => runPendingRecomputes(runner),
    links: {
      telegram: (personId, telegramId, nonce) => linkTelegram(deps.db, { personId, telegramId, nonce }, context()),
      of: (personId) => linksOf(deps.db, personId),
      personOfTelegram: (telegramUserId) => personOfTelegram(deps.db, String(telegramUserId)),
      settleClaims,
      fromSession: (identity) => settleFromSession({ ...context(), db: deps.db, log }, identity),
    },
  };
}

/** The school's zone, for the rating views' weeks and months (schemas/migrations/0207_points_views.sql). */
export async function recordSchoolZone(db: Pool, timeZone: string): Promise<void> {
  await db.query(`insert into points_setting (key, value) values ('time_zone', $1)
    on conflict (key) do update set value = excluded.value, updated_at = now() where points_setting.value <> excluded.value`, [timeZone]);
}

export { createPostHog, type PostHogLike } from './analytics.ts';
export { pointsRulesTable, defaultRules } from '../../schemas/nocodb/points-rules.ts';
export type { Guard } from './routes.ts';
export type { KratosIdentities, PersonLinks, TelegramLinkOutcome } from './links.ts';
