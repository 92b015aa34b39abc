import type pg from 'pg';
import type { Logger } from 'pino';
import type { Consumer, InboxEvent } from '../../kernel/capability.ts';
import { inTransaction } from '../../kernel/db.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { issuesOf, type Issue } from '../../kernel/validation.ts';
import type { TopicRegistry } from '../../schemas/topics.ts';
import type { InboxQueue } from './queues.ts';

const LOCK_SQL = `
select e.id::text, e.source, e.delivery_id, e.topic, e.payload, e.received_at, j.attempts
from inbox_job j join inbox_event e on e.id = j.event_id
where j.consumer = $1 and j.event_id = any($2::bigint[]) and j.status = 'pending'
order by e.id
for update of j skip locked`;

const DONE_SQL = `update inbox_job set status = 'done', done_at = now(), last_error = null
  where consumer = $1 and event_id = any($2::bigint[])`;

const FAILED_SQL = `update inbox_job set attempts = attempts + 1, last_error = $3, enqueued_at = null,
  status = case when attempts + 1 >= $4 then 'dead' else 'pending' end,
  next_attempt_at = now() + make_interval(secs => least(3600, power(2, attempts + 1)))
  where consumer = $1 and event_id = $2`;

const INVALID_SQL = `update inbox_job set status = 'invalid', done_at = now(), issues = $3::jsonb, last_error = $4, enqueued_at = null
  where consumer = $1 and event_id = $2`;

interface Row {
  id: string;
  source: string;
  delivery_id: string;
  topic: string;
  payload: unknown;
  received_at: Date;
  attempts: number;
}

export interface BatchResult {
  done: number;
  failed: number;
  invalid: number;
}

export interface WorkerDeps {
  db: pg.Pool;
  /** The pool of consumers that call out (Consumer.callsOut); default `db`. */
  outsideDb?: pg.Pool;
  log: Logger;
  maxAttempts: number;
  /** The topic table: a payload is checked against its topic's schema before the consumer runs. */
  topics: TopicRegistry;
}

/** The payload's issues against its topic's schema; none when it matches. */
function payloadIssues(topics: TopicRegistry, event: InboxEvent): Issue[] | null {
  const topic = topics.get(event.topic);
  if (!topic) return [{ path: '', message: `topic ${event.topic} is not declared in schemas/topics.ts` }];
  const parsed = topic.schema.safeParse(event.payload);
  return parsed.success ? null : issuesOf(parsed.error);
}

/**
 * Handles a batch of inbox events for one consumer in one transaction. A consumer with
 * `handleBatch` gets the whole batch at once first. Otherwise, or when that throws, each
 * event runs in a savepoint: its effects commit together with its `done` mark, or, when it
 * throws, roll back while the failure (attempt count, error, next try with backoff) is
 * recorded. A process killed mid-batch commits nothing, and the rows stay pending.
 */
export async function processBatch(deps: WorkerDeps, consumer: Consumer, eventIds: string[]): Promise<BatchResult> {
  const { log, maxAttempts } = deps;
  const db = consumer.callsOut && deps.outsideDb ? deps.outsideDb : deps.db;
  return inTransaction(db, async (tx) => {
    const result: BatchResult = { done: 0, failed: 0, invalid: 0 };
    const { rows } = await tx.query<Row>(LOCK_SQL, [consumer.name, eventIds]);
    const markInvalid = async (event: InboxEvent, issues: Issue[], message: string) => {
      await tx.query(INVALID_SQL, [consumer.name, event.id, JSON.stringify(issues), message.slice(0, 2000)]);
      log.warn({ component: 'worker', consumer: consumer.name, event: event.id, topic: event.topic, issues: issues.slice(0, 5) }, 'event not valid: marked invalid, never retried');
      result.invalid += 1;
    };
    const events: InboxEvent[] = [];
    for (const row of rows) {
      const event: InboxEvent = { id: row.id, source: row.source, deliveryId: row.delivery_id, topic: row.topic, payload: row.payload, receivedAt: row.received_at };
      const issues = payloadIssues(deps.topics, event);
      if (issues) await markInvalid(event, issues, `the payload does not match topic ${event.topic}`);
      else events.push(event);
    }
    const attemptsOf = new Map(rows.map((r) => [r.id, r.attempts]));
    const done: string[] = [];
    if (consumer.handleBatch && events.length > 0 && await handledAsBatch(tx, log, consumer, events)) {
      done.push(...events.map((e) => e.id));
    } else {
      for (const event of events) {
        await tx.query('savepoint event');
        try {
          await consumer.handle(event, { tx, log });
          await tx.query('release savepoint event');
          done.push(event.id);
        } catch (e) {
          await tx.query('rollback to savepoint event');
          if (e instanceof InvalidPayload) {
            await markInvalid(event, e.issues, e.message);
            continue;
          }
          const message = e instanceof Error ? e.message : String(e);
          await tx.query(FAILED_SQL, [consumer.name, event.id, message.slice(0, 2000), maxAttempts]);
          log.warn({ component: 'worker', consumer: consumer.name, event: event.id, attempt: (attemptsOf.get(event.id) ?? 0) + 1, err: message }, 'event failed');
          result.failed += 1;
        }
      }
    }
    if (done.length) await tx.query(DONE_SQL, [consumer.name, done]);
    result.done = done.length;
    return result;
  });
}

/** The batch in one savepoint; false (and nothing of it kept) when it threw. */
async function handledAsBatch(tx: pg.PoolClient, log: Logger, consumer: Consumer, events: InboxEvent[]): Promise<boolean> {
  await tx.query('savepoint batch');
  try {
    await consumer.handleBatch!(events, { tx, log });
    await tx.query('release savepoint batch');
    return true;
  } catch (e) {
    await tx.query('rollback to savepoint batch');
    log.info({ component: 'worker', consumer: consumer.name, events: events.length, err: e instanceof Error ? e.message : String(e) },
      'batch failed; handling its events one at a time');
    return false;
  }
}

/** Starts bull workers: each job is one batch of inbox ids for one consumer. */
export function startWorkers(deps: WorkerDeps & { concurrency: number; onBatch?: (consumer: string, r: BatchResult) => void },
  consumers: Consumer[], queues: Map<string, InboxQueue>): void {
  for (const consumer of consumers) {
    const queue = queues.get(consumer.name);
    if (!queue) throw new Error(`no queue for consumer ${consumer.name}`);
    void queue.process(deps.concurrency, async (job) => {
      const r = await processBatch(deps, consumer, job.data.eventIds);
      deps.onBatch?.(consumer.name, r);
      return r;
    });
  }
}
