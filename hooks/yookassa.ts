import express, { type Router } from 'express';
import type { Inbox } from '../kernel/inbox.ts';
import { forbidden, notFound } from '../kernel/errors.ts';
import { clientAddress, networks, type Networks } from '../kernel/networks.ts';
import { yookassaNotification } from '../schemas/events/yookassa.ts';
import { parseOr400 } from './respond.ts';

/**
 * YooKassa's HTTP notifications (the shop's settings: Интеграция → HTTP-уведомления, URL
 * ${PUBLIC_URL}/hooks/yookassa). They carry no signature: a notification is accepted only
 * from YooKassa's published networks (YOOKASSA_ALLOWED_NETWORKS), the sender being the
 * socket's peer, or X-Forwarded-For's nearest untrusted hop behind a proxy of TRUSTED_PROXIES.
 * Even then nothing in it is believed but the object's id (the consumer re-reads the object
 * from YooKassa). Stored as `yookassa.notification`, keyed by event and object id, and
 * answered 200 once stored: YooKassa reads nothing but the status and repeats anything else
 * for 24 hours. From elsewhere: 403 with the address, nothing stored.
 */
export interface YookassaHookConfig { allowedNetworks: Networks; trustedProxies: Networks }

export function yookassaReceiver(deps: { inbox: Inbox; config: () => YookassaHookConfig | null }): Router {
  const router = express.Router();
  const fromYookassa: express.RequestHandler = (req, _res, next) => {
    const config = deps.config();
    if (!config) return next(notFound('HOOK_UNKNOWN', 'YooKassa is not configured here (YOOKASSA_SHOP_ID, YOOKASSA_SECRET_KEY)'));
    const sender = clientAddress(req, config.trustedProxies);
    if (!sender || !config.allowedNetworks.has(sender)) {
      return next(forbidden('WEBHOOK_SENDER_REFUSED', `${sender ?? 'an unknown address'} is not among YooKassa's networks (YOOKASSA_ALLOWED_NETWORKS)`, { sender }));
    }
    next();
  };
  router.post('/', fromYookassa, express.json({ limit: '64kb' }), async (req, res) => {
    const n = parseOr400(yookassaNotification, req.body, 'YooKassa notification');
    const result = await deps.inbox.accept([{ source: 'yookassa', deliveryId: `${n.event}:${n.object.id}`, topic: 'yookassa.notification', payload: n }]);
    res.status(200).json({ accepted: result.accepted, duplicates: result.duplicates });
  });
  return router;
}

/** The receiver's settings from the service's (YOOKASSA_ALLOWED_NETWORKS, TRUSTED_PROXIES). */
export const yookassaHookConfig = (allowed: readonly string[], trustedProxies: readonly string[]): YookassaHookConfig =>
  ({ allowedNetworks: networks(allowed), trustedProxies: networks(trustedProxies) });
