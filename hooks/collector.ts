import { createHash } from 'node:crypto';
import express, { type Router } from 'express';
import { collectorBatch, collectorEvent, type CollectorEvent } from '../schemas/events/collector.ts';
import { unauthorized } from '../kernel/errors.ts';
import type { Inbox, NewInboxEvent } from '../kernel/inbox.ts';
import { acknowledge, header, parseOr400 } from './respond.ts';
import { safeEqual } from './signature.ts';

const toInbox = (e: CollectorEvent): NewInboxEvent => ({ source: 'collector', deliveryId: e.key, topic: `collector.${e.kind}`, payload: e });

/**
 * Other collectors (the guides' front end sending reading heartbeats, AI questions, error
 * reports): `Authorization: Bearer <COLLECTOR_TOKEN>`, one event or a batch of up to 1000.
 * A batch is all or nothing: one invalid event rejects the request with its index.
 *
 * A batch is stored as one inbox event (topic collector.batch) keyed by its events' keys:
 * a thousand inbox rows and jobs per request would cost more than counting the events,
 * and each event keeps its own idempotency key, which the consumer de-duplicates on. The
 * answer counts events: a repeated batch is all duplicates; an event repeated in another
 * batch is found a duplicate when it is counted.
 */
export function collectorReceiver(deps: { inbox: Inbox; token: () => string }): Router {
  const router = express.Router();
  router.use((req, _res, next) => {
    const auth = header(req, 'Authorization') ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!token || !safeEqual(token, deps.token())) throw unauthorized('COLLECTOR_TOKEN_INVALID', 'missing or wrong bearer token');
    next();
  });
  router.post('/events', express.json({ limit: '256kb' }), async (req, res) => {
    acknowledge(res, await deps.inbox.accept([toInbox(parseOr400(collectorEvent, req.body, 'event'))]));
  });
  router.post('/batch', express.json({ limit: '10mb' }), async (req, res) => {
    const batch = parseOr400(collectorBatch, req.body, 'batch');
    const id = createHash('sha256').update(batch.events.map((e) => e.key).join('\n')).digest('hex');
    const r = await deps.inbox.accept([{ source: 'collector', deliveryId: `batch:${id}`, topic: 'collector.batch', payload: batch }]);
    const n = batch.events.length;
    acknowledge(res, { accepted: r.accepted * n, duplicates: r.duplicates * n });
  });
  return router;
}
