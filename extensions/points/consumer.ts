import type { Consumer, InboxEvent } from '../../service/capability.ts';
import { mapEvent, mapsToEvents } from './events.ts';
import { mirrorGroupMember } from './groups.ts';
import { ingest, type CountingContext } from './ingest.ts';
import { recordIgnored } from './ledger.ts';
import { onDiscourseUser, onIdentity } from './registration.ts';
import { mirrorRule } from './rule-mirror.ts';

export const PEOPLE_TOPICS = ['kratos.registration', 'kratos.settings', 'discourse.user_created', 'discourse.user_updated'] as const;
export const RULE_TOPICS = ['nocodb.points_rules.insert', 'nocodb.points_rules.update', 'nocodb.points_rules.delete'] as const;
export const GROUP_TOPICS = ['nocodb.group_members.insert', 'nocodb.group_members.update', 'nocodb.group_members.delete'] as const;

export interface ConsumerDeps {
  clock: () => Date;
  defaultTimeZone: string;
  /** Told after a rule change committed a recomputation job (may be called before the commit: the runner re-checks). */
  onRecomputeScheduled?: (id: string) => void;
}

/**
 * The points consumer: every topic it takes, one transaction per event (the worker's).
 * A payload that is not valid is recorded in points_ignored with the reason and the
 * event is done: retrying cannot make it valid, and staff see it in NocoDB. A failure of
 * the database throws, so the worker retries it.
 */
export function pointsConsumer(deps: ConsumerDeps): Consumer {
  const topics = new Set<string>([...PEOPLE_TOPICS, ...RULE_TOPICS, ...GROUP_TOPICS]);
  return {
    name: 'points',
    accepts: (topic) => topics.has(topic) || mapsToEvents(topic),
    async handle(event: InboxEvent, { tx, log }) {
      const ctx: CountingContext = { defaultTimeZone: deps.defaultTimeZone, now: deps.clock(), inboxEventId: event.id };
      const ignore = (reason: string, details?: unknown) => {
        log.info({ component: 'points', event: event.id, topic: event.topic, reason }, 'event ignored');
        return recordIgnored(tx, event.id, event.topic, reason, details);
      };
      if (mapsToEvents(event.topic)) {
        const mapped = mapEvent(event.topic, event.payload, ctx.now);
        if (mapped.type === 'invalid') return ignore(mapped.reason, mapped.details);
        if (mapped.type === 'skip') {
          log.debug({ component: 'points', event: event.id, reason: mapped.reason }, 'nothing to count');
          return;
        }
        for (const e of mapped.events) await ingest(tx, e, ctx);
        return;
      }
      const operation = event.topic.slice(event.topic.lastIndexOf('.') + 1);
      if (event.topic.startsWith('nocodb.points_rules.')) {
        const r = await mirrorRule(tx, operation, event.payload);
        if (r.type === 'invalid') return ignore(r.reason, r.details);
        if (r.type === 'changed') deps.onRecomputeScheduled?.(r.recomputeId);
        return;
      }
      if (event.topic.startsWith('nocodb.group_members.')) {
        const r = await mirrorGroupMember(tx, operation, event.payload);
        if (r.type === 'invalid') return ignore(r.reason, r.details);
        return;
      }
      if (event.topic.startsWith('kratos.')) {
        const r = await onIdentity(tx, event.payload, { ...ctx, log, registration: event.topic === 'kratos.registration' });
        if (r.type === 'invalid') return ignore(r.reason, r.details);
        return;
      }
      if (event.topic.startsWith('discourse.user_')) {
        const r = await onDiscourseUser(tx, event.payload, { ...ctx, log });
        if (r.type === 'invalid') return ignore(r.reason, r.details);
        return;
      }
      return ignore(`topic ${event.topic} is not handled by points`);
    },
  };
}
