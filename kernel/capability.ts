import type { Router } from 'express';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';

/** One accepted delivery, as stored in the durable inbox (schemas/migrations/0001_inbox.sql). */
export interface InboxEvent {
  id: string;
  source: string;
  deliveryId: string;
  topic: string;
  payload: unknown;
  receivedAt: Date;
}

export interface ConsumerContext {
  /** The transaction that also marks this event done for this consumer: commit effects here. */
  tx: PoolClient;
  log: Logger;
}

/**
 * A consumer reacts to inbox events. `handle` must be idempotent: the same event may be
 * handled again after a crash (its effects in `tx` are rolled back then, effects outside
 * PostgreSQL, such as a NocoDB row update, are not). A payload it can never handle is an
 * InvalidPayload (kernel/errors.ts): the job becomes `invalid`, with its issues, and is
 * never retried; any other error is retried with backoff, then dead.
 */
export interface Consumer {
  /** Stable name: it keys this consumer's progress per event in inbox_job. */
  name: string;
  /** The topics it takes, each declared in schemas/topics.ts: the worker checks the payload against it first. */
  topics: readonly string[];
  handle(event: InboxEvent, ctx: ConsumerContext): Promise<void>;
  /**
   * Optional: a whole batch at once, set-based, with the same effects as `handle` on each
   * event in order. It runs in one savepoint; when it throws, the worker rolls it back and
   * handles the batch one event at a time, so one bad event costs only itself.
   */
  handleBatch?(events: InboxEvent[], ctx: ConsumerContext): Promise<void>;
  /**
   * Its handling calls systems outside PostgreSQL (NocoDB, Keto, a provider) while the
   * worker's transaction is open: it runs on the platform's pool for such work, so slow or
   * hanging outside calls hold those connections and never the ones receivers and pages need.
   */
  callsOut?: boolean;
  /**
   * Its events have a deadline of seconds (Telegram's pre-checkout query: 10 s): they are
   * dispatched on a path of their own (service/platform.ts), at once, never behind the
   * backlog of other consumers.
   */
  urgent?: boolean;
}

/** What a capability folder's index.ts hands to the service. */
export interface Capability {
  name: string;
  consumers?: Consumer[];
  /** Mounted at /api/<name>; routes declare their own permission guard. */
  routes?: (router: Router) => void;
  /** Pages people open in a browser, mounted at the root (/workbooks/...); guarded like routes. */
  pages?: (router: Router) => void;
  /**
   * After NocoDB provisioning: fill the tables this capability owns that were created just
   * now (a new points_rules table starts with the default rules, which staff then edit).
   */
  seed?: (created: { tables: string[]; insert(tableKey: string, rows: Record<string, unknown>[]): Promise<unknown> }) => Promise<void>;
  start?: () => Promise<void>;
  stop?: () => Promise<void>;
}

export type { Pool, PoolClient, Logger };

/**
 * The permission guard every capability's routes and pages take:
 * `guard('view', (req) => 'Workbook:workbook-12')` lets the request through when the
 * signed-in person has `view` on that Keto object; 401 without a session, 403 without the
 * permission, 503 when Ory cannot answer. `objectOf` may throw (400/404): that is the answer.
 */
export type Guard = (relation: string, objectOf: (req: import('express').Request) => string | Promise<string>) => import('express').RequestHandler;
