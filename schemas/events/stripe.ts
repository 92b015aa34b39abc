import { z } from 'zod';

/**
 * Stripe's webhook deliveries (test/fixtures/stripe/README.md names the sources): an Event
 * object, signed over the raw body with `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
 * "t.body" keyed by the endpoint secret>`. The receiver (hooks/stripe.ts) verifies with the
 * `stripe` package and stores the event as it came; the consumer reads only ids from it and
 * re-reads the objects from Stripe (events arrive out of order, their objects may be stale).
 */

/** The event types billing acts on (README: the events to enable in Stripe's dashboard). */
export const STRIPE_CONSUMED_EVENTS = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'charge.refunded',
  'refund.updated',
] as const;
export type StripeConsumedEvent = (typeof STRIPE_CONSUMED_EVENTS)[number];

/** What each consumed type carries in data.object. */
export const STRIPE_EVENT_OBJECT: Record<StripeConsumedEvent, { object: string; idPrefix: string }> = {
  'checkout.session.completed': { object: 'checkout.session', idPrefix: 'cs_' },
  'checkout.session.async_payment_succeeded': { object: 'checkout.session', idPrefix: 'cs_' },
  'checkout.session.async_payment_failed': { object: 'checkout.session', idPrefix: 'cs_' },
  'checkout.session.expired': { object: 'checkout.session', idPrefix: 'cs_' },
  'charge.refunded': { object: 'charge', idPrefix: 'ch_' },
  'refund.updated': { object: 'refund', idPrefix: 're_' },
};

export const isConsumedStripeEvent = (type: string): type is StripeConsumedEvent => (STRIPE_CONSUMED_EVENTS as readonly string[]).includes(type);

/** Any event, as stored (`stripe.other`: kept for the record). */
export const stripeEvent = z.looseObject({
  id: z.string().regex(/^evt_\w+$/, 'expected an event id evt_...'),
  object: z.literal('event'),
  type: z.string().min(1).max(200),
  created: z.number().int().positive(),
  livemode: z.boolean(),
  api_version: z.string().nullable().optional(),
  data: z.looseObject({ object: z.looseObject({ id: z.string().min(1).max(255), object: z.string().min(1) }) }),
});
export type StripeEvent = z.infer<typeof stripeEvent>;

/** An event billing acts on (`stripe.event`): its type is one of ours and its object the kind that type carries. */
export const stripeConsumedEvent = stripeEvent.superRefine((e, ctx) => {
  if (!isConsumedStripeEvent(e.type)) {
    ctx.addIssue({ code: 'custom', path: ['type'], message: `billing does not act on ${e.type}` });
    return;
  }
  const want = STRIPE_EVENT_OBJECT[e.type];
  if (e.data.object.object !== want.object || !e.data.object.id.startsWith(want.idPrefix)) {
    ctx.addIssue({ code: 'custom', path: ['data', 'object'], message: `${e.type} carries a ${want.object} (${want.idPrefix}...), not ${e.data.object.object} ${e.data.object.id}` });
  }
});
