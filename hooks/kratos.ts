import { createHash } from 'node:crypto';
import express, { type Router } from 'express';
import { kratosWebhook } from '../schemas/events/kratos.ts';
import { unauthorized } from '../kernel/errors.ts';
import type { Inbox } from '../kernel/inbox.ts';
import { acknowledge, parseOr400, requireSecret } from './respond.ts';

export const KRATOS_KEY_HEADER = 'X-Hook-Key';

/**
 * Ory Kratos web hooks after registration and after settings (ory/kratos/kratos.yml),
 * authenticated by an API key header. A registration is keyed by the identity id, so a
 * repeated delivery creates nothing twice; a settings change by the identity's new state.
 */
export function kratosReceiver(deps: { inbox: Inbox; key: () => string }): Router {
  const router = express.Router();
  const authenticated = requireSecret(KRATOS_KEY_HEADER, deps.key, () => unauthorized('WEBHOOK_KEY_INVALID', `missing or wrong ${KRATOS_KEY_HEADER}`));
  router.post('/:flow', authenticated, express.json({ limit: '1mb' }), async (req, res) => {
    const flow = req.params.flow;
    if (flow !== 'registration' && flow !== 'settings') {
      res.status(404).json({ error: { code: 'HOOK_UNKNOWN', message: `no Kratos hook ${flow}` } });
      return;
    }
    const body = parseOr400(kratosWebhook, req.body, 'Kratos web hook');
    const state = createHash('sha256').update(JSON.stringify([body.identity.traits, body.identity.updated_at ?? null])).digest('base64url').slice(0, 16);
    const deliveryId = flow === 'registration' ? `registration:${body.identity.id}` : `settings:${body.identity.id}:${state}`;
    acknowledge(res, await deps.inbox.accept([{ source: 'kratos', deliveryId, topic: `kratos.${flow}`, payload: body }]));
  });
  return router;
}
