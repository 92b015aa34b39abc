/**
 * What checkout needs of a payment provider (issue 14). One module per provider implements it
 * (moneta.ts, and YooKassa, Stripe, Telegram beside it); checkout.ts never names a provider's
 * wire format. The attempt's id is the idempotency key the provider carries back.
 */
export interface PayRequest {
  attemptId: string;
  orderId: string;
  personId: string;
  planId: number;
  amountMinor: number;
  currency: string;
  /** What the payer sees: the plan's title. */
  description: string;
  /** Our "thank you" page for this order: where the provider sends the payer back. */
  returnUrl: string;
  locale: 'ru' | 'en';
  /** The payer asked to pay in parts through the provider's own installments, where it has them. */
  installments?: boolean;
}

/**
 * Where the payer goes to pay. `providerPaymentId` when the provider names the payment at
 * once (YooKassa's payment id, Stripe's Checkout Session id); Moneta names it only in its
 * notification.
 */
export interface PayStart { payUrl: string; providerPaymentId?: string }

/** What the provider says of an attempt when asked (the reconciliation pass). */
export type AttemptState =
  | { status: 'succeeded'; providerPaymentId: string; amountMinor: number; currency: string; paidAt: Date; feeMinor?: number }
  | { status: 'pending'; providerPaymentId?: string; payUrl?: string }
  | { status: 'failed'; reason: string; providerPaymentId?: string }
  /** The provider has no payment for this attempt (it was never created there). */
  | { status: 'absent' };

/**
 * A refusal that is final (the provider answered and said no: bad parameters, shop
 * disabled). Anything else thrown by `start` (a timeout, a 5xx, a dropped connection) leaves
 * the attempt's outcome unknown: the provider may have made the payment.
 */
export class ProviderRefused extends Error {
  constructor(readonly provider: string, message: string) {
    super(`${provider} refused: ${message}`);
    this.name = 'ProviderRefused';
  }
}

export interface PaymentProvider {
  name: string;
  /** Currencies it takes (ISO 4217, upper case; 'XTR' for Telegram Stars). */
  currencies: readonly string[];
  /** Creates the payment at the provider (idempotent by attemptId) or builds its pay URL. */
  start(req: PayRequest): Promise<PayStart>;
  /** Asks the provider what became of an attempt; absent where the provider cannot be asked (Moneta's form). */
  /**
   * Asks the provider to return money of a booked payment (idempotent by refundId, ours).
   * The refund books when the provider confirms it (applyProviderRefund in refunds.ts), from
   * its answer here when final, else from its notification or a later lookup.
   */
  refund?(r: { refundId: string; providerPaymentId: string; amountMinor: number; currency: string; reason: string }): Promise<{ providerRefundId: string; status: 'succeeded' | 'pending' | 'failed'; refundedAt?: Date; reason?: string }>;
  /**
   * `request`: what `start` was given, stored with the attempt, so a provider whose
   * idempotency needs the same body again (YooKassa, Stripe) can repeat the creation.
   */
  lookup?(attempt: { attemptId: string; providerPaymentId: string | null; createdAt: Date; amountMinor: number; currency: string; request?: PayRequest }): Promise<AttemptState>;
}
