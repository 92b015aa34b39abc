import type { Consumer, ConsumerContext, InboxEvent } from '../../kernel/capability.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { CANONICAL_TOPICS, mapEvent, mapsToEvents, type Rejected } from './events.ts';
import { ingest, type CountingContext } from './ingest.ts';
import { ingestBatch, type BatchItem } from './ingest-batch.ts';
import { recordIgnored } from './ledger.ts';
import { onDiscourseUser, onIdentity } from './registration.ts';
import { mirrorRule } from './rule-mirror.ts';

export const PEOPLE_TOPICS = ['kratos.registration', 'kratos.settings', 'discourse.user_created', 'discourse.user_updated'] as const;
export const RULE_TOPICS = ['nocodb.points_rules.insert', 'nocodb.points_rules.update', 'nocodb.points_rules.delete'] as const;

type Ignore = (reason: string, details?: unknown) => Promise<void>;

/**
 * A payload points can never count as it is: the job becomes `invalid` (kernel policy),
 * with the fields named when the mapping said which.
 */
function invalidPayload(reason: string, details?: unknown): InvalidPayload {
  const issues = Array.isArray(details)
    ? details.filter((d): d is { path?: unknown; message: string } => typeof d?.message === 'string')
      .map((d) => ({ path: Array.isArray(d.path) ? d.path.join('.') : String(d.path ?? ''), message: d.message }))
    : [];
  return new InvalidPayload(issues.length ? issues : [{ path: '', message: reason }], reason);
}

/** Records an inbox event (or part of it) as not counted, with the reason, in points_ignored. */
function ignorer(event: InboxEvent, { tx, log }: ConsumerContext): Ignore {
  return (reason, details) => {
    log.info({ component: 'points', event: event.id, topic: event.topic, reason }, 'event ignored');
    return recordIgnored(tx, event.id, event.topic, reason, details);
  };
}

/** Invalid events of a collector batch: one points_ignored row for the batch, with each index and reason. */
function ignoreRejected(rejected: Rejected[], counted: number, ignore: Ignore): Promise<void> {
  return ignore(`${rejected.length} of ${rejected.length + counted} events of the batch are not valid; the others count`, rejected.slice(0, 100));
}

export interface ConsumerDeps {
  clock: () => Date;
  defaultTimeZone: string;
  /** Told after a rule change committed a recomputation job (may be called before the commit: the runner re-checks). */
  onRecomputeScheduled?: (id: string) => void;
  /** Count runs of activity events set-based (ingest-batch.ts); false: one by one (ingest.ts). Default true. */
  batch?: boolean;
}

/**
 * The points consumer: every topic it takes, one transaction per event (the worker's).
 * A payload that is not valid is an InvalidPayload: the job is marked invalid with the
 * reason, never retried, and staff see it in NocoDB's inbox_invalid grid. Invalid events
 * inside a valid collector batch are recorded in points_ignored (the others count). A
 * failure of the database throws, so the worker retries it.
 */
export function pointsConsumer(deps: ConsumerDeps): Consumer {
  const consumer: Consumer = {
    name: 'points',
    topics: [...CANONICAL_TOPICS, ...PEOPLE_TOPICS, ...RULE_TOPICS],
    async handle(event: InboxEvent, { tx, log }) {
      const ctx: CountingContext = { defaultTimeZone: deps.defaultTimeZone, now: deps.clock(), inboxEventId: event.id };
      const ignore = ignorer(event, { tx, log });
      if (mapsToEvents(event.topic)) {
        const mapped = mapEvent(event.topic, event.payload, ctx.now, event.receivedAt);
        if (mapped.type === 'invalid') throw invalidPayload(mapped.reason, mapped.details);
        if (mapped.type === 'skip') {
          log.debug({ component: 'points', event: event.id, reason: mapped.reason }, 'nothing to count');
          return;
        }
        if (mapped.rejected?.length) await ignoreRejected(mapped.rejected, mapped.events.length, ignore);
        for (const e of mapped.events) await ingest(tx, e, ctx);
        return;
      }
      const operation = event.topic.slice(event.topic.lastIndexOf('.') + 1);
      if (event.topic.startsWith('nocodb.points_rules.')) {
        const r = await mirrorRule(tx, operation, event.payload);
        if (r.type === 'invalid') throw invalidPayload(r.reason, r.details);
        if (r.type === 'changed') deps.onRecomputeScheduled?.(r.recomputeId);
        return;
      }
      if (event.topic.startsWith('kratos.')) {
        const r = await onIdentity(tx, event.payload, { ...ctx, log, registration: event.topic === 'kratos.registration' });
        if (r.type === 'invalid') throw invalidPayload(r.reason, r.details);
        return;
      }
      if (event.topic.startsWith('discourse.user_')) {
        const r = await onDiscourseUser(tx, event.payload, { ...ctx, log });
        if (r.type === 'invalid') throw invalidPayload(r.reason, r.details);
        return;
      }
      throw invalidPayload(`topic ${event.topic} is not handled by points`);
    },
  };
  if (deps.batch === false) return consumer;
  /**
   * Runs of activity events are counted together; any other event (a rule, a person, a
   * group member) is handled on its own between them, so the order of the batch holds.
   */
  consumer.handleBatch = async (events, ctx) => {
    const now = deps.clock();
    let run: BatchItem[] = [];
    const flush = async () => {
      if (run.length) await ingestBatch(ctx.tx, run, { defaultTimeZone: deps.defaultTimeZone, now });
      run = [];
    };
    for (const event of events) {
      const mapped = mapsToEvents(event.topic) ? mapEvent(event.topic, event.payload, now, event.receivedAt) : undefined;
      if (mapped?.type === 'events') {
        if (mapped.rejected?.length) await ignoreRejected(mapped.rejected, mapped.events.length, ignorer(event, ctx));
        run.push(...mapped.events.map((e) => ({ event: e, inboxEventId: event.id })));
        continue;
      }
      // The batch is rolled back and handled one by one, where this event becomes invalid.
      if (mapped?.type === 'invalid') throw invalidPayload(mapped.reason, mapped.details);
      if (mapped?.type === 'skip') continue;
      await flush();
      await consumer.handle(event, ctx);
    }
    await flush();
  };
  return consumer;
}
