import express, { type Router } from 'express';
import Stripe from 'stripe';
import { badRequest, notFound, unauthorized } from '../kernel/errors.ts';
import type { Inbox } from '../kernel/inbox.ts';
import { isConsumedStripeEvent, stripeEvent, type StripeEvent } from '../schemas/events/stripe.ts';
import { acknowledge, header, parseOr400 } from './respond.ts';

/**
 * Stripe's webhook endpoint: `Stripe-Signature` is checked over the raw body, byte for byte,
 * with the `stripe` package's webhooks.constructEvent (v1 = HMAC-SHA256 of "t.body" keyed by
 * the endpoint secret, and t within the tolerance, 300 s by default), before anything is
 * parsed; this router reads the body itself (express.raw), and no JSON parser runs before
 * /hooks. The event is stored keyed by its id, so Stripe's retries (for up to 3 days) are
 * duplicates: `stripe.event` when billing acts on its type, `stripe.other` (for the record)
 * otherwise. Stripe sends again whatever is not answered 2xx.
 */
export interface StripeHookConfig {
  /** The endpoint's signing secret, whsec_... */
  webhookSecret: string;
  toleranceSeconds: number;
}

/** The delivery as Stripe signed it, or the reason it is refused (401 signature, 400 body). */
export function verifyStripeDelivery(raw: Buffer | string, signature: string | undefined, config: StripeHookConfig, now = Date.now()): StripeEvent {
  if (!signature) throw unauthorized('WEBHOOK_SIGNATURE_MISSING', 'Stripe-Signature is missing');
  try {
    Stripe.webhooks.constructEvent(raw, signature, config.webhookSecret, config.toleranceSeconds, undefined, now);
  } catch (e) {
    if (!(e instanceof Stripe.errors.StripeSignatureVerificationError)) throw e;
    if (/tolerance/i.test(e.message)) {
      throw unauthorized('WEBHOOK_SIGNATURE_EXPIRED', `Stripe-Signature's timestamp is more than ${config.toleranceSeconds} s from now: a replay, or a clock off`);
    }
    throw unauthorized('WEBHOOK_SIGNATURE_INVALID', 'Stripe-Signature does not match the body and the endpoint secret');
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : raw);
  } catch {
    throw badRequest('PAYLOAD_MALFORMED', 'the signed body is not JSON');
  }
  return parseOr400(stripeEvent, json, 'Stripe event');
}

export function stripeReceiver(deps: { inbox: Inbox; config: () => StripeHookConfig | null }): Router {
  const router = express.Router();
  router.post('/', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const config = deps.config();
    if (!config) throw notFound('HOOK_UNKNOWN', 'Stripe is not configured here (STRIPE_WEBHOOK_SECRET)');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const event = verifyStripeDelivery(raw, header(req, 'Stripe-Signature'), config);
    acknowledge(res, await deps.inbox.accept([{
      source: 'stripe', deliveryId: event.id, topic: isConsumedStripeEvent(event.type) ? 'stripe.event' : 'stripe.other', payload: event,
    }]));
  });
  return router;
}
