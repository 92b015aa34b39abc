import express, { type Router } from 'express';
import { collectorBatch, collectorEvent, type CollectorEvent } from '../schemas/events/collector.ts';
import { unauthorized } from '../service/errors.ts';
import type { Inbox, NewInboxEvent } from '../service/inbox/inbox.ts';
import { acknowledge, header, parseOr400 } from './respond.ts';
import { safeEqual } from './signature.ts';

const toInbox = (e: CollectorEvent): NewInboxEvent => ({ source: 'collector', deliveryId: e.key, topic: `collector.${e.kind}`, payload: e });

/**
 * Other collectors (the guides' front end sending reading heartbeats, AI questions, error
 * reports): `Authorization: Bearer <COLLECTOR_TOKEN>`, one event or a batch of up to 1000.
 * A batch is all or nothing: one invalid event rejects the request with its index.
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
    acknowledge(res, await deps.inbox.accept(batch.events.map(toInbox)));
  });
  return router;
}
