import express, { type Router } from 'express';
import { discourseBodyFor, discourseHeaders } from '../schemas/events/discourse.ts';
import { badRequest, unauthorized } from '../kernel/errors.ts';
import type { Inbox } from '../kernel/inbox.ts';
import { acknowledge, header, parseOr400 } from './respond.ts';
import { discourseSignature, safeEqual } from './signature.ts';

/**
 * The club forum (Discourse): `X-Discourse-Event-Signature` is the HMAC-SHA256 of the raw
 * body with the webhook's secret. The topic is `discourse.<event>` (post_created, ...),
 * the delivery id is Discourse's `X-Discourse-Event-Id`. The body is JSON whatever the
 * webhook's content type says: Discourse's "application/x-www-form-urlencoded" setting only
 * changes the header (emit_web_hook_event.rb; test/fixtures/discourse/README.md). A form
 * body `payload=<the JSON>`, as some relays send, is taken too. The signature is over the
 * body's bytes as sent.
 */
function jsonOf(text: string): unknown {
  for (const candidate of [text, new URLSearchParams(text).get('payload')]) {
    if (candidate === null) continue;
    try {
      return JSON.parse(candidate) as unknown;
    } catch {
      // not this one
    }
  }
  return undefined;
}

export function discourseReceiver(deps: { inbox: Inbox; secret: () => string }): Router {
  const router = express.Router();
  router.post('/', express.raw({ type: () => true, limit: '2mb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = header(req, 'X-Discourse-Event-Signature');
    if (!signature) throw unauthorized('WEBHOOK_SIGNATURE_MISSING', 'X-Discourse-Event-Signature is missing');
    if (!safeEqual(signature, discourseSignature(deps.secret(), raw))) {
      throw unauthorized('WEBHOOK_SIGNATURE_INVALID', 'X-Discourse-Event-Signature does not match the body');
    }
    const headers = parseOr400(discourseHeaders, req.headers, 'Discourse headers');
    const json = jsonOf(raw.toString('utf8'));
    if (json === undefined) throw badRequest('PAYLOAD_MALFORMED', 'body is neither JSON nor a form with the JSON in its payload field');
    const body = parseOr400(discourseBodyFor(headers['x-discourse-event-type']), json, 'Discourse webhook body');
    acknowledge(res, await deps.inbox.accept([{
      source: 'discourse',
      deliveryId: headers['x-discourse-event-id'],
      topic: `discourse.${headers['x-discourse-event']}`,
      payload: body,
    }]));
  });
  return router;
}
