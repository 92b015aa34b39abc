import { z } from 'zod';

/**
 * YooKassa API v3 (test/fixtures/yookassa/README.md names the sources): the payment and
 * refund objects it answers, its error answer, and the HTTP notification it POSTs to our
 * URL. Amounts travel as strings with the currency ("1500.00", "RUB"; a refund's "1" has no
 * decimals); our code holds integer minor units and converts only here. Objects carry more
 * fields than we read (income_amount, authorization_details, ...): loose objects keep them.
 */
const decimal = z.string().regex(/^\d{1,12}(\.\d{1,2})?$/, 'expected an amount like 1500.00');
export const yookassaAmount = z.object({ value: decimal, currency: z.string().regex(/^[A-Z]{3}$/) });
export type YookassaAmount = z.infer<typeof yookassaAmount>;

/** "1500.00" -> 150000; "1" -> 100 (two decimals: RUB, the only currency we take here). */
export function minorOfValue(value: string): number {
  const [whole, fraction = ''] = value.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}
/** 150000 -> "1500.00". */
export const valueOfMinor = (minor: number): string => `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;

export const PAYMENT_STATUSES = ['pending', 'waiting_for_capture', 'succeeded', 'canceled'] as const;

export const yookassaPayment = z.looseObject({
  id: z.string().min(1).max(64),
  status: z.enum(PAYMENT_STATUSES),
  paid: z.boolean().optional(),
  amount: yookassaAmount,
  income_amount: yookassaAmount.optional(),
  refunded_amount: yookassaAmount.optional(),
  confirmation: z.looseObject({ type: z.string(), confirmation_url: z.string().optional() }).optional(),
  created_at: z.string(),
  captured_at: z.string().optional(),
  description: z.string().optional(),
  metadata: z.record(z.string(), z.string()).nullish(),
  cancellation_details: z.looseObject({ party: z.string(), reason: z.string() }).optional(),
  payment_method: z.looseObject({ type: z.string() }).optional(),
  test: z.boolean().optional(),
});
export type YookassaPayment = z.infer<typeof yookassaPayment>;

export const yookassaRefund = z.looseObject({
  id: z.string().min(1).max(64),
  payment_id: z.string().min(1).max(64),
  status: z.enum(['pending', 'succeeded', 'canceled']),
  amount: yookassaAmount,
  created_at: z.string(),
  description: z.string().optional(),
  cancellation_details: z.looseObject({ party: z.string(), reason: z.string() }).optional(),
});
export type YookassaRefund = z.infer<typeof yookassaRefund>;

/** Its error answer (4xx/5xx): `{type: "error", id, code, description, parameter}`. */
export const yookassaError = z.looseObject({
  type: z.literal('error'), id: z.string().optional(), code: z.string(), description: z.string().optional(), parameter: z.string().optional(),
});

export const YOOKASSA_EVENTS = ['payment.succeeded', 'payment.canceled', 'payment.waiting_for_capture', 'refund.succeeded'] as const;

/**
 * A notification as the receiver stores it. Nothing in it is trusted but the object's id:
 * it carries no signature, so the consumer re-reads the object from YooKassa by that id.
 */
export const yookassaNotification = z.looseObject({
  type: z.literal('notification'),
  event: z.enum(YOOKASSA_EVENTS),
  object: z.looseObject({ id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'expected a YooKassa object id') }),
});
export type YookassaNotification = z.infer<typeof yookassaNotification>;

/**
 * Where YooKassa sends notifications from (test/fixtures/yookassa/ip_networks.json): the
 * list integrations quote from yookassa.ru/developers/using-api/webhooks#ip ("as of 2025"),
 * which holds every network of the official SDKs' 2022 list (its IPv6 /64s are inside
 * 2a02:5180::/32, YooMoney's own allocation), so no sender the SDKs trust is refused.
 * Configurable (YOOKASSA_ALLOWED_NETWORKS): check the live page before production.
 */
export const YOOKASSA_NETWORKS = [
  '185.71.76.0/27', '185.71.77.0/27', '77.75.153.0/25', '77.75.156.11', '77.75.156.35', '77.75.154.128/25', '2a02:5180::/32',
] as const;
