import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Capability, Guard } from '../../kernel/capability.ts';
import { startLoop, type Loop } from '../../kernel/loop.ts';
import type { NocoFiles, NocoRows } from '../../nocodb/client.ts';
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
import { stripeGateway, type StripeAccount } from './providers/stripe.ts';
import { stripeConsumer } from './stripe-consumer.ts';
import type { PaymentProvider } from './providers/provider.ts';
import { reconcileAttempts, type ReconcileReport } from './reconcile.ts';
import { grantFilesConsumer } from './grant-files-consumer.ts';
import { grantFilesRound, type PeopleImport } from './grant-files.ts';
import { seatContactPages, seatContactRoutes } from './seat-contact-routes.ts';
import { refundsConsumer } from './refunds-consumer.ts';
import { yookassaConsumer } from './yookassa-consumer.ts';
import type { YookassaClient } from './providers/yookassa-client.ts';
import { createBotApi } from '../../kernel/telegram-bot.ts';
import { drainNotices, type Contact, type InviteLinks, type Mailer, type NoticeDrain } from './notice-sender.ts';
import { NOTICE_CHANNEL } from './notices-store.ts';
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
 *
 * Telling people (issues 13 §6, 14 §3): a booked payment queues its what-next message in the
 * same transaction (checkout.ts -> notices-store.ts), the pass queues reminders before a
 * subscription's last day, and notice-sender.ts delivers both (Telegram if linked and
 * verified, else the verified e-mail). The payer lands on /billing/orders/:id (order-page.tsx);
 * /billing/renew/:planId pays the next period (there is no automatic charge).
 */
export { recordPayment, type IncomingPayment, type PaymentOutcome } from './paid-periods.ts';
// A plan sold in parts: the order, then each payment of it (the overdue policy runs in the pass).
export { startInstallments, payInstallment, type InstallmentOrder, type InstallmentSchedule, type InstallmentPayment, type InstallmentPaymentOutcome } from './installments.ts';
export { postTransfer, reverseTransfer, balanceOf, type Transfer } from './ledger.ts';
export { BILLING_TOPICS } from './consumer.ts';
// Payment providers plug in here (providers/provider.ts); their confirmed payments book through applyProviderPayment.
export { applyProviderPayment, orderPagePath, type ConfirmedPayment } from './checkout.ts';
export { applyProviderRefund, type ConfirmedRefund, type RefundOutcome } from './refunds.ts';
export { stripeGateway, type StripeAccount, type StripeGateway } from './providers/stripe.ts';
export { yookassaProvider } from './providers/yookassa.ts';
export { yookassaClient, type YookassaAccount, type YookassaClient } from './providers/yookassa-client.ts';
// Telegram Stars (providers/telegram.ts): plans in XTR, sold through the bot; the consumers are billing's when `telegram` is given.
export { telegramStarsProvider } from './providers/telegram.ts';
export type { RefundRequestOutcome } from './refund-request.ts';
export { ProviderRefused, type PaymentProvider, type PayRequest, type PayStart, type AttemptState } from './providers/provider.ts';
export type { PeopleImport } from './grant-files.ts';
export type { Contact, InviteLinks, Mailer } from './notice-sender.ts';
export { contactOf, type ContactSources } from './contacts.ts';

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
  /**
   * Stripe (non-rouble currencies): its provider joins `providers` after Moneta, and its
   * events (`stripe.event`) are booked by stripe-consumer.ts through the same client.
   */
  stripe?: StripeAccount;
  /** Other payment providers (YooKassa, Telegram), in order of preference after Moneta and Stripe. */
  providers?: PaymentProvider[];
  /** YooKassa's API client (its provider is in `providers`): its notifications' consumer re-reads payments and refunds through it. */
  yookassaClient?: YookassaClient;
  /** How often open and unknown payment attempts are asked about at their providers. Default 60 s. */
  reconcileIntervalMs?: number;
  /** Files attached in NocoDB (a teacher's file of a Grant files row). */
  files: NocoFiles;
  /** identity's student import, for grant files (billing does not import identity). */
  people: PeopleImport;
  /** Lines of a grant file done in one transaction (default 25), and how often the runs look for work (default 2 s). */
  grantFileChunk?: number;
  grantFilesIntervalMs?: number;
  /**
   * Messages to payers and holders (what next, reminders). Without a channel the rows wait in
   * billing_notice until one is configured. `contactOf`: the person's verified Telegram link
   * and e-mail and their locale (the lead wires identity and points here).
   */
  notices?: { telegram?: { apiUrl: string; botToken: string } | null; mailer?: Mailer | null; contactOf: (personId: string) => Promise<Contact | null> };
  /** Invite links to the product's Telegram chats for a payer (the Telegram-access capability), shown and sent when given. */
  inviteLinks?: InviteLinks;
  /** Days before the last day a holder is reminded. Default 7 and 1. */
  reminderDays?: readonly number[];
  /** How often due messages are looked for besides the nudge of a new one. Default 30 s. */
  noticeIntervalMs?: number;
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
  passNow(): Promise<{ expired: number; started: number; reminders: number }>;
  /** Reads the whole catalog from NocoDB again now (the pass does it every round). */
  resyncCatalogNow(): Promise<{ products: number; plans: number }>;
  /** Asks the providers about open and unknown attempts now (tests, scripts). */
  reconcileNow(opts?: { olderThanSeconds?: number }): Promise<ReconcileReport>;
  /** One round of the grant files' runs now (tests); true while there is more. */
  grantFilesNow(): Promise<boolean>;
  /** Sends the messages due now (tests, scripts). */
  sendNoticesNow(): Promise<NoticeDrain>;
  /** Asks a payment's provider to return money (all that is left when no amount), and books what it confirms. */
  refund(r: { provider: string; providerPaymentId: string; amountMinor?: number; reason: string; refundId: string }): Promise<RefundRequestOutcome>;
}

export function register(deps: BillingDeps): BillingCapability {
  const log = deps.log.child({ capability: 'billing' });
  const today = () => localDay(deps.clock(), deps.timeZone);
  const stripe = deps.stripe ? stripeGateway(deps.stripe) : undefined;
  const providers: PaymentProvider[] = [...(deps.moneta ? [monetaProvider(deps.moneta)] : []), ...(stripe ? [stripe.provider] : []), ...(deps.providers ?? [])];
  const reconcile = (opts?: { olderThanSeconds?: number }) => reconcileAttempts({ db: deps.db, log, clock: deps.clock, timeZone: deps.timeZone, providers }, opts);
  const checkoutDeps = { db: deps.db, clock: deps.clock, timeZone: deps.timeZone, publicUrl: deps.publicUrl, providers, log };
  const senderDeps = deps.notices ? {
    db: deps.db, log, clock: deps.clock, publicUrl: deps.publicUrl, contactOf: deps.notices.contactOf,
    telegram: deps.notices.telegram ? createBotApi(deps.notices.telegram) : null, mailer: deps.notices.mailer ?? null,
    ...(deps.inviteLinks ? { inviteLinks: deps.inviteLinks } : {}),
  } : null;
  const sendNotices = async (): Promise<NoticeDrain> => (senderDeps ? drainNotices(senderDeps) : { sent: 0, skipped: 0, failed: 0, dead: 0 });
  const pass = () => billingPass(deps.db, today(), deps.reminderDays ? { reminderDays: deps.reminderDays } : {});
  const telegramConsumers = deps.telegram ? [
    preCheckoutConsumer({ bot: deps.telegram.bot }),
    telegramPaymentsConsumer({ clock: deps.clock, timeZone: deps.timeZone }),
    telegramBuyConsumer({ bot: deps.telegram.bot, personOf: deps.telegram.personOf, linkUrl: deps.telegram.linkUrl, checkout: checkoutDeps }),
  ] : [];
  let loop: Loop | undefined;
  let reconciling: Loop | undefined;
  let grantFilesLoop: Loop | undefined;
  const contactDeps = { db: deps.db, nocodb: deps.nocodb, links: deps.links, people: deps.people, clock: deps.clock, today, signedIn: deps.signedIn };
  const runDeps = { db: deps.db, nocodb: deps.nocodb, people: deps.people, log, clock: deps.clock, today, ...(deps.grantFileChunk ? { chunk: deps.grantFileChunk } : {}) };
  let sending: Loop | undefined;
  return {
    name: 'billing',
    consumers: [...telegramConsumers, paymentsConsumer({ clock: deps.clock, timeZone: deps.timeZone, monetaTestMode: deps.moneta?.testMode ?? false }), billingConsumer({ nocodb: deps.nocodb, links: deps.links, clock: deps.clock, timeZone: deps.timeZone }), seatsConsumer({ nocodb: deps.nocodb, links: deps.links, clock: deps.clock, timeZone: deps.timeZone }),
      grantFilesConsumer({ links: deps.links, files: deps.files, people: deps.people, clock: deps.clock, timeZone: deps.timeZone }),
      ...(stripe ? [stripeConsumer({ stripe, clock: deps.clock, timeZone: deps.timeZone })] : []),
      // Staff refunds (the Refunds grid) through whichever provider took the payment.
      refundsConsumer({ nocodb: deps.nocodb, providers, clock: deps.clock, timeZone: deps.timeZone }),
      ...(deps.yookassaClient ? [yookassaConsumer({ client: deps.yookassaClient, nocodb: deps.nocodb, clock: deps.clock, timeZone: deps.timeZone })] : [])],
    routes: (router) => {
      seatContactRoutes(router, contactDeps);
      billingRoutes(router, {
        db: deps.db, guard: deps.guard, clock: deps.clock, timeZone: deps.timeZone, signedIn: deps.signedIn,
        checkout: checkoutDeps,
      });
    },
    pages: (router) => {
      seatContactPages(router, contactDeps);
      billingPages(router, {
        db: deps.db, log, signedIn: deps.signedIn, signInUrl: deps.signInUrl ?? (() => '/auth/login'), checkout: checkoutDeps, clock: deps.clock, timeZone: deps.timeZone,
        ...(deps.inviteLinks ? { inviteLinks: deps.inviteLinks } : {}),
      });
    },
    passNow: pass,
    sendNoticesNow: sendNotices,
    resyncCatalogNow: () => resyncCatalog(deps, today()),
    reconcileNow: (opts) => reconcile(opts),
    grantFilesNow: () => grantFilesRound(runDeps),
    refund: (r) => refundThroughProvider({ db: deps.db, clock: deps.clock, timeZone: deps.timeZone, providers }, r),
    async start() {
      await recordSchoolZone(deps.db, deps.timeZone);
      loop = await startLoop({
        name: 'billing.pass', log, intervalMs: deps.passIntervalMs ?? 60_000, exclusive: deps.db,
        run: async () => {
          // NocoDB unreachable: the catalog stays as mirrored, the pass goes on.
          await resyncCatalog(deps, today()).catch((e: Error) => log.warn({ component: 'billing', err: e.message }, 'catalog not read from NocoDB this round'));
          return (await pass()).more;
        },
      });
      reconciling = await startLoop({
        name: 'billing.reconcile', log, intervalMs: deps.reconcileIntervalMs ?? 60_000, exclusive: deps.db, runAtStart: false,
        run: async () => { await reconcile(); },
      });
      // A teacher's file is granted a chunk at a time (grant-files.ts), nudged by each new run.
      grantFilesLoop = await startLoop({
        name: 'billing.grant-files', log, intervalMs: deps.grantFilesIntervalMs ?? 2_000, exclusive: deps.db,
        listen: { db: deps.db, channel: 'billing_grant_files' }, run: () => grantFilesRound(runDeps),
      });
      if (senderDeps) {
        sending = await startLoop({
          name: 'billing.notices', log, intervalMs: deps.noticeIntervalMs ?? 30_000, listen: { db: deps.db, channel: NOTICE_CHANNEL },
          run: async () => { await sendNotices(); },
        });
      }
    },
    async stop() {
      await sending?.stop();
      sending = undefined;
      await reconciling?.stop();
      await grantFilesLoop?.stop();
      await loop?.stop();
    },
  };
}
