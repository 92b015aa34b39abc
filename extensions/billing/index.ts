import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Capability, Guard } from '../../kernel/capability.ts';
import { startLoop, type Loop } from '../../kernel/loop.ts';
import type { NocoRows } from '../../nocodb/client.ts';
import type { NocoLinks } from '../../nocodb/links.ts';
import { billingConsumer } from './consumer.ts';
import { seatsConsumer } from './seats-consumer.ts';
import { localDay } from './days.ts';
import { billingPass, recordSchoolZone } from './pass.ts';
import { resyncCatalog } from './catalog-sync.ts';
import { billingRoutes } from './routes.ts';
import { billingPages } from './page-routes.ts';
import { paymentsConsumer } from './payments-consumer.ts';
import { monetaProvider, type MonetaAccount } from './providers/moneta.ts';
import type { PaymentProvider } from './providers/provider.ts';
import { reconcileAttempts, type ReconcileReport } from './reconcile.ts';
import type { BotApi } from '../../kernel/telegram-bot.ts';
import { preCheckoutConsumer } from './pre-checkout.ts';
import { telegramPaymentsConsumer } from './telegram-payments.ts';
import { telegramBuyConsumer } from './telegram-buy.ts';
import { refundThroughProvider, type RefundRequestOutcome } from './refund-request.ts';

/**
 * Billing (issue 13): what the school sells, who holds what, and the money ledger. The only
 * file other folders import.
 *
 * Staff keep the catalog and grants in NocoDB (schemas/nocodb/billing.ts); consumer.ts
 * mirrors them (catalog-store.ts) and applies grants (grants.ts). Prices are versions made
 * from price rows and schedules (prices.ts, pure), immutable once effective. Subscriptions
 * and their events are billing's own (subscriptions-store.ts); what holds today is the view
 * billing_entitlement, which identity writes to Keto when billing_entitlement_change says a
 * product's holders changed. Money is a double-entry ledger (ledger.ts). Payments come in
 * through one function, recordPayment (paid-periods.ts), in the provider's transaction.
 * pass.ts expires and records versions on the kernel's loop; figures.ts and routes.ts serve
 * staff's figures and a person's own subscriptions.
 */
export { recordPayment, type IncomingPayment, type PaymentOutcome } from './paid-periods.ts';
// A plan sold in parts: the order, then each payment of it (the overdue policy runs in the pass).
export { startInstallments, payInstallment, type InstallmentOrder, type InstallmentSchedule, type InstallmentPayment, type InstallmentPaymentOutcome } from './installments.ts';
export { postTransfer, reverseTransfer, balanceOf, type Transfer } from './ledger.ts';
export { BILLING_TOPICS } from './consumer.ts';
// Payment providers plug in here (providers/provider.ts); their confirmed payments book through applyProviderPayment.
export { applyProviderPayment, orderPagePath, type ConfirmedPayment } from './checkout.ts';
export { applyProviderRefund, type ConfirmedRefund, type RefundOutcome } from './refunds.ts';
// Telegram Stars (providers/telegram.ts): plans in XTR, sold through the bot; the consumers are billing's when `telegram` is given.
export { telegramStarsProvider } from './providers/telegram.ts';
export type { RefundRequestOutcome } from './refund-request.ts';
export { ProviderRefused, type PaymentProvider, type PayRequest, type PayStart, type AttemptState } from './providers/provider.ts';

export interface BillingDeps {
  db: Pool;
  log: Logger;
  clock: () => Date;
  guard: Guard;
  /** Session only (401 without one): the person's own page /subscriptions. */
  signedIn: RequestHandler;
  /** Where a visitor of /subscriptions signs in, given the path to come back to. */
  signInUrl?: (returnPath: string) => string;
  nocodb: NocoRows;
  links: NocoLinks;
  /** The school's zone: a paid day ends at its midnight. */
  timeZone: string;
  /** How often the pass runs. Default 60 s. */
  passIntervalMs?: number;
  /** The service's address: where providers send the payer back (/subscriptions). */
  publicUrl: string;
  /** The Moneta shop (roubles); without it a checkout in RUB answers 503 PAYMENTS_NOT_CONFIGURED. */
  moneta?: MonetaAccount;
  /** Other payment providers (YooKassa, Stripe, Telegram), in order of preference after Moneta. */
  providers?: PaymentProvider[];
  /** How often open and unknown payment attempts are asked about at their providers. Default 60 s. */
  reconcileIntervalMs?: number;
  /**
   * Selling through the school's bot (its provider, telegramStarsProvider, is in `providers`):
   * /buy in the bot, pre-checkout answers and Telegram's payments. Absent: no bot.
   */
  telegram?: {
    bot: BotApi;
    /** The person a Telegram user id is verified-linked to (points' links), or null. */
    personOf(telegramUserId: number): Promise<string | null>;
    /** Where a person links their Telegram account: /account/telegram. */
    linkUrl: string;
  };
}

export interface BillingCapability extends Capability {
  /** Runs the pass now (tests, scripts). */
  passNow(): Promise<{ expired: number; started: number }>;
  /** Reads the whole catalog from NocoDB again now (the pass does it every round). */
  resyncCatalogNow(): Promise<{ products: number; plans: number }>;
  /** Asks the providers about open and unknown attempts now (tests, scripts). */
  reconcileNow(opts?: { olderThanSeconds?: number }): Promise<ReconcileReport>;
  /** Asks a payment's provider to return money (all that is left when no amount), and books what it confirms. */
  refund(r: { provider: string; providerPaymentId: string; amountMinor?: number; reason: string; refundId: string }): Promise<RefundRequestOutcome>;
}

export function register(deps: BillingDeps): BillingCapability {
  const log = deps.log.child({ capability: 'billing' });
  const today = () => localDay(deps.clock(), deps.timeZone);
  const providers: PaymentProvider[] = [...(deps.moneta ? [monetaProvider(deps.moneta)] : []), ...(deps.providers ?? [])];
  const reconcile = (opts?: { olderThanSeconds?: number }) => reconcileAttempts({ db: deps.db, log, clock: deps.clock, timeZone: deps.timeZone, providers }, opts);
  const checkoutDeps = { db: deps.db, clock: deps.clock, timeZone: deps.timeZone, publicUrl: deps.publicUrl, providers, log };
  const telegramConsumers = deps.telegram ? [
    preCheckoutConsumer({ bot: deps.telegram.bot }),
    telegramPaymentsConsumer({ clock: deps.clock, timeZone: deps.timeZone }),
    telegramBuyConsumer({ bot: deps.telegram.bot, personOf: deps.telegram.personOf, linkUrl: deps.telegram.linkUrl, checkout: checkoutDeps }),
  ] : [];
  let loop: Loop | undefined;
  let reconciling: Loop | undefined;
  return {
    name: 'billing',
    consumers: [...telegramConsumers, paymentsConsumer({ clock: deps.clock, timeZone: deps.timeZone, monetaTestMode: deps.moneta?.testMode ?? false }), billingConsumer({ nocodb: deps.nocodb, links: deps.links, clock: deps.clock, timeZone: deps.timeZone }), seatsConsumer({ nocodb: deps.nocodb, links: deps.links, clock: deps.clock, timeZone: deps.timeZone })],
    routes: (router) => billingRoutes(router, {
      db: deps.db, guard: deps.guard, clock: deps.clock, timeZone: deps.timeZone, signedIn: deps.signedIn, checkout: checkoutDeps,
    }),
    pages: (router) => billingPages(router, { db: deps.db, signedIn: deps.signedIn, signInUrl: deps.signInUrl ?? (() => '/auth/login') }),
    passNow: () => billingPass(deps.db, today()),
    resyncCatalogNow: () => resyncCatalog(deps, today()),
    reconcileNow: (opts) => reconcile(opts),
    refund: (r) => refundThroughProvider({ db: deps.db, clock: deps.clock, timeZone: deps.timeZone, providers }, r),
    async start() {
      await recordSchoolZone(deps.db, deps.timeZone);
      loop = await startLoop({
        name: 'billing.pass', log, intervalMs: deps.passIntervalMs ?? 60_000, exclusive: deps.db,
        run: async () => {
          // NocoDB unreachable: the catalog stays as mirrored, the pass goes on.
          await resyncCatalog(deps, today()).catch((e: Error) => log.warn({ component: 'billing', err: e.message }, 'catalog not read from NocoDB this round'));
          return (await billingPass(deps.db, today())).more;
        },
      });
      reconciling = await startLoop({
        name: 'billing.reconcile', log, intervalMs: deps.reconcileIntervalMs ?? 60_000, exclusive: deps.db, runAtStart: false,
        run: async () => { await reconcile(); },
      });
    },
    async stop() {
      await reconciling?.stop();
      await loop?.stop();
    },
  };
}
