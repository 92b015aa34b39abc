import Stripe from 'stripe';
import { ProviderRefused, type AttemptState, type PaymentProvider } from './provider.ts';

/**
 * The Stripe client (issue 14, payments in non-rouble currencies): every call billing makes to
 * Stripe is in this file, through the official `stripe` package. Configuration alone says
 * where Stripe is (STRIPE_API_URL: host, port and protocol of the package's options), so tests
 * point it at test/support/stripe-server.ts.
 *
 * Retries: the package retries a failed POST (a timeout, a dropped connection, a 409 or 5xx)
 * `maxNetworkRetries` times and sends the same headers each time, so the same Idempotency-Key
 * (RequestSender._request builds the headers once, before the first try; its own random key
 * is only added when the caller gives none). We always give ours: the attempt's id for a
 * Checkout Session, `refund:<our refund id>` for a refund.
 */
export interface StripeAccount {
  secretKey: string;
  /** https://api.stripe.com unless a test says otherwise. */
  apiUrl: string;
  /** Currencies the school takes through Stripe (upper case). */
  currencies: readonly string[];
  /** Per request; a checkout waits at most (1 + retries) times this. */
  timeoutMs: number;
  maxNetworkRetries?: number;
}

export type StripeClient = Stripe;

export function stripeClient(a: StripeAccount): Stripe {
  const u = new URL(a.apiUrl);
  const protocol = u.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(a.secretKey, {
    host: u.hostname, port: u.port || (protocol === 'http' ? 80 : 443), protocol,
    timeout: a.timeoutMs, maxNetworkRetries: a.maxNetworkRetries ?? 1, telemetry: false,
    appInfo: { name: 'school-platform' },
  });
}

/** A session as billing reads it: whose attempt it is and what became of it. */
export interface SessionSeen { id: string; attemptId: string | null; state: AttemptState }

export interface RefundSeen {
  id: string;
  status: 'succeeded' | 'pending' | 'failed';
  amountMinor: number;
  currency: string;
  createdAt: Date;
  chargeId: string | null;
  paymentIntentId: string | null;
}

/** What billing's Stripe consumer asks of Stripe, beside the PaymentProvider checkout uses. */
export interface StripeGateway {
  provider: PaymentProvider;
  /** The session as it is now (never as an event told it). */
  session(id: string): Promise<SessionSeen | null>;
  /** The Checkout Session a payment intent was paid through (null: not one of ours). */
  sessionOfPaymentIntent(paymentIntentId: string): Promise<string | null>;
  refundsOfCharge(chargeId: string): Promise<RefundSeen[]>;
  refund(id: string): Promise<RefundSeen>;
}

const SESSION_EXPAND = ['payment_intent.latest_charge.balance_transaction'];
const idOf = (x: string | { id: string } | null | undefined) => (typeof x === 'string' ? x : x?.id ?? null);

/** Stripe answered and said no (bad parameters, a refused key, too small an amount): nothing was made there. */
function refusedOrUnknown(e: unknown): never {
  if (e instanceof Stripe.errors.StripeError) {
    const status = e.statusCode ?? 0;
    if (e.type !== 'StripeConnectionError' && status >= 400 && status < 500 && status !== 409) throw new ProviderRefused('stripe', `${e.code ?? e.type}: ${e.message}`);
  }
  throw e;
}

const isMissing = (e: unknown) => e instanceof Stripe.errors.StripeInvalidRequestError && e.statusCode === 404;

/** What an attempt's session says, the payment intent expanded (its fee and time, or why it failed). */
export function stateOfSession(s: Stripe.Checkout.Session): AttemptState {
  const pi = typeof s.payment_intent === 'object' ? s.payment_intent : null;
  if (s.status === 'complete' && (s.payment_status === 'paid' || s.payment_status === 'no_payment_required')) {
    const charge = pi && typeof pi.latest_charge === 'object' ? pi.latest_charge : null;
    const txn = charge && typeof charge.balance_transaction === 'object' ? charge.balance_transaction : null;
    const currency = (s.currency ?? '').toUpperCase();
    return {
      status: 'succeeded', providerPaymentId: s.id, amountMinor: s.amount_total ?? 0, currency,
      paidAt: new Date((charge?.created ?? s.created) * 1000),
      // Stripe's fee is in the balance's currency; booked only when that is the payment's.
      ...(txn && txn.currency.toUpperCase() === currency && txn.fee > 0 ? { feeMinor: txn.fee } : {}),
    };
  }
  if (s.status === 'expired') return { status: 'failed', reason: 'the Checkout Session expired unpaid', providerPaymentId: s.id };
  // Complete but unpaid: a delayed method (SEPA debit, a bank transfer) is processing, or failed.
  if (s.status === 'complete' && pi && (pi.status === 'requires_payment_method' || pi.status === 'canceled')) {
    return { status: 'failed', reason: `the delayed payment failed (${pi.status})`, providerPaymentId: s.id };
  }
  return { status: 'pending', providerPaymentId: s.id, ...(s.status === 'open' && s.url ? { payUrl: s.url } : {}) };
}

const refundSeen = (r: Stripe.Refund): RefundSeen => ({
  id: r.id, amountMinor: r.amount, currency: r.currency.toUpperCase(), createdAt: new Date(r.created * 1000),
  status: r.status === 'succeeded' ? 'succeeded' : r.status === 'failed' || r.status === 'canceled' ? 'failed' : 'pending',
  chargeId: idOf(r.charge), paymentIntentId: idOf(r.payment_intent),
});

export function stripeGateway(account: StripeAccount, client: Stripe = stripeClient(account)): StripeGateway {
  const attemptOf = (s: Stripe.Checkout.Session) => s.client_reference_id ?? s.metadata?.attempt_id ?? null;
  const retrieve = async (id: string) => {
    try {
      return await client.checkout.sessions.retrieve(id, { expand: SESSION_EXPAND });
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  };
  /**
   * A session whose create answer was lost (a timeout): Stripe cannot filter sessions by
   * client_reference_id, so its sessions created around the attempt are read (newest first)
   * and matched. A pure read, unlike sending the create again with the same key, which would
   * make the session if the first request never reached Stripe (and not replay after 24 h).
   */
  const findByAttempt = async (attemptId: string, createdAt: Date) => {
    const t = Math.floor(createdAt.getTime() / 1000);
    for await (const s of client.checkout.sessions.list({ created: { gte: t - 300, lte: t + 3600 }, limit: 100 })) {
      if (attemptOf(s) === attemptId) return retrieve(s.id);
    }
    return null;
  };

  const provider: PaymentProvider = {
    name: 'stripe',
    currencies: account.currencies,
    async start(req) {
      const session = await client.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ quantity: 1, price_data: { currency: req.currency.toLowerCase(), unit_amount: req.amountMinor, product_data: { name: req.description } } }],
        client_reference_id: req.attemptId,
        metadata: { attempt_id: req.attemptId, order_id: req.orderId },
        payment_intent_data: { metadata: { attempt_id: req.attemptId, order_id: req.orderId } },
        success_url: req.returnUrl,
        cancel_url: req.returnUrl,
        locale: req.locale,
      }, { idempotencyKey: req.attemptId }).catch(refusedOrUnknown);
      if (!session.url) throw new ProviderRefused('stripe', `session ${session.id} has no hosted page`);
      return { payUrl: session.url, providerPaymentId: session.id };
    },
    async lookup(a) {
      const session = a.providerPaymentId ? await retrieve(a.providerPaymentId) : await findByAttempt(a.attemptId, a.createdAt);
      return session ? stateOfSession(session) : { status: 'absent' };
    },
    async refund(r) {
      const session = await retrieve(r.providerPaymentId);
      const pi = session ? idOf(session.payment_intent) : null;
      if (!session || !pi) throw new ProviderRefused('stripe', `no payment to refund in ${r.providerPaymentId}`);
      if ((session.currency ?? '').toUpperCase() !== r.currency) throw new ProviderRefused('stripe', `the payment is in ${session.currency?.toUpperCase()}, not ${r.currency}`);
      const refund = await client.refunds.create({
        payment_intent: pi, amount: r.amountMinor, metadata: { refund_id: r.refundId, reason: r.reason.slice(0, 500) },
      }, { idempotencyKey: `refund:${r.refundId}` }).catch(refusedOrUnknown);
      const seen = refundSeen(refund);
      return { providerRefundId: seen.id, status: seen.status, refundedAt: seen.createdAt };
    },
  };

  return {
    provider,
    async session(id) {
      const s = await retrieve(id);
      return s ? { id: s.id, attemptId: attemptOf(s), state: stateOfSession(s) } : null;
    },
    async sessionOfPaymentIntent(paymentIntentId) {
      const list = await client.checkout.sessions.list({ payment_intent: paymentIntentId, limit: 1 });
      return list.data[0]?.id ?? null;
    },
    async refundsOfCharge(chargeId) {
      const out: RefundSeen[] = [];
      for await (const r of client.refunds.list({ charge: chargeId, limit: 100 })) out.push(refundSeen(r));
      return out;
    },
    refund: async (id) => refundSeen(await client.refunds.retrieve(id)),
  };
}
