import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { z } from 'zod';
import { inTransaction } from '../../kernel/db.ts';
import { isAppError, notFound, unauthorized } from '../../kernel/errors.ts';
import { messagePage } from '../../kernel/page.tsx';
import { dayInWords, text, trialRefusal, type TextKey } from './messages.ts';
import { parseOr400 } from '../../kernel/validation.ts';
import { startTrial, trialsOffered } from './trials.ts';
import { paymentsOf } from './ledger.ts';
import { personLocale, pickLang, type Lang } from '../../kernel/lang.ts';
import { subscriptionsPage } from './subscriptions-page.tsx';
import { currentVersion, planById } from './catalog-store.ts';
import { checkout, orderPagePath, type CheckoutDeps } from './checkout.ts';
import { localDay } from './days.ts';
import { parseNextSteps } from './next-steps.ts';
import type { InviteLinks } from './notice-sender.ts';
import { orderView, type OrderView } from './notices-store.ts';
import { orderPage, renewPage, type OrderState } from './order-page.tsx';
import { subscriptionBySource } from './subscriptions-store.ts';

export interface BillingPagesDeps {
  db: Pool;
  log: Logger;
  signedIn: RequestHandler;
  signInUrl: (returnPath: string) => string;
  checkout: CheckoutDeps;
  inviteLinks?: InviteLinks;
  clock: () => Date;
  timeZone: string;
}

const trialForm = z.object({ planId: z.coerce.number().int().positive() });

/** How long a processing order's page reloads itself: 40 rounds of 3 s, two minutes. */
const MAX_REFRESHES = 40;

const orderParams = z.object({ orderId: z.uuid() });
const planParams = z.object({ planId: z.coerce.number().int().positive().max(2_147_483_647) });
const orderQuery = z.object({ failed: z.string().optional(), n: z.coerce.number().int().min(0).max(1000).optional().catch(undefined) });

const langOf = (req: Request): Lang => pickLang(req.query.lang, req.get('accept-language'), personLocale(req));

function stateOf(order: OrderView): OrderState {
  if (order.status === 'paid') return 'paid';
  if (order.status === 'cancelled') return 'cancelled';
  return order.attemptStatus === 'created' || order.attemptStatus === 'unknown' ? 'processing' : 'failed';
}

/**
 * Pages for the signed-in person:
 *   /subscriptions              their own subscriptions and payments
 *   /billing/orders/:orderId    an order's state and what next (the owner only: anyone else 404)
 *   /billing/renew/:planId      GET: the price and a button; POST: a checkout, then 303 to the provider
 */
export function billingPages(router: Router, deps: BillingPagesDeps): void {
  const today = () => localDay(deps.clock(), deps.timeZone);
  // The trials the person may start are forms on /subscriptions posting here (the API's startTrial).
  router.post('/subscriptions/trials', deps.signedIn, express.urlencoded({ extended: false, limit: '4kb' }), async (req: Request, res: Response) => {
    const personId = req.identity?.id;
    if (!personId) throw unauthorized('SESSION_REQUIRED', 'Sign in to continue');
    const { planId } = parseOr400(trialForm, req.body ?? {}, 'the form');
    const lang = langOf(req);
    try {
      await inTransaction(deps.db, (tx) => startTrial(tx, { personId, planId, today: today() }));
    } catch (e) {
      if (!isAppError(e) || e.status >= 500) throw e;
      res.status(e.status).type('html').send(messagePage(lang, text('title', lang), trialRefusal(e.code, lang), { href: `/subscriptions?lang=${lang}`, label: text('title', lang) }));
      return;
    }
    res.redirect(303, `/subscriptions?lang=${lang}&notice=trial`);
  });
  router.get('/subscriptions', deps.signedIn, async (req: Request, res: Response) => {
    const personId = req.identity?.id;
    if (!personId) throw unauthorized('SESSION_REQUIRED', 'Sign in to continue');
    const [subs, pays, trials] = await Promise.all([
      deps.db.query(`select product, plan, kind, status, to_char(starts_on, 'YYYY-MM-DD') as starts_on, to_char(ends_on, 'YYYY-MM-DD') as ends_on, holds_today,
          coalesce((select guides from billing_product p where p.id = s.product_id), '{}') as guides
        from billing_subscriptions s where person_id = $1 order by holds_today desc, starts_on desc limit 100`, [personId]),
      paymentsOf(deps.db, personId, 100),
      trialsOffered(deps.db, personId, today()),
    ]);
    const lang = pickLang(req.query.lang, req.get('accept-language'), personLocale(req));
    res.type('html').set('Cache-Control', 'private, no-store').send(subscriptionsPage({
      subscriptions: subs.rows.map((r) => ({
        product: r.product ?? '—', plan: r.plan ?? '—', kind: r.kind, status: r.status, startsOn: r.starts_on, endsOn: r.ends_on, guides: r.guides, holdsToday: r.holds_today,
      })),
      payments: pays,
      trials,
      notice: req.query.notice === 'trial' ? 'trialStarted' : undefined,
    }, lang));
  });

  router.get('/billing/orders/:orderId', deps.signedIn, async (req: Request, res: Response) => {
    const personId = req.identity!.id;
    const lang = langOf(req);
    const id = orderParams.safeParse(req.params);
    const order = id.success ? await orderView(deps.db, id.data.orderId) : null;
    // Someone else's order is no order: the page says nothing of it.
    if (!order || order.personId !== personId) throw notFound('ORDER_NOT_FOUND', 'no such order');
    const query = orderQuery.safeParse(req.query);
    const failedHint = query.success && query.data.failed === '1';
    const round = (query.success ? query.data.n : undefined) ?? 0;
    const state = stateOf(order);
    const refreshUrl = state === 'processing' && round < MAX_REFRESHES
      ? `${orderPagePath(order.id)}?${new URLSearchParams({ ...(failedHint ? { failed: '1' } : {}), ...(typeof req.query.lang === 'string' ? { lang } : {}), n: String(round + 1) })}`
      : null;
    let chats: { title: string; url: string }[] = [];
    if (state === 'paid' && deps.inviteLinks && order.productId !== null) {
      chats = await deps.inviteLinks(personId, order.productId).catch((e: Error) => {
        deps.log.warn({ component: 'billing', order: order.id, err: e.message }, 'invite links not shown on the order page');
        return [];
      });
    }
    const source = order.nextSteps[lang] ?? order.nextSteps.ru ?? order.nextSteps.en ?? text('defaultNextSteps', lang);
    res.type('html').set('Cache-Control', 'private, no-store').send(orderPage({
      orderId: order.id, planId: order.planId, product: order.product, plan: order.plan, amountMinor: order.amountMinor, currency: order.currency,
      state, failedHint, refreshUrl, nextSteps: parseNextSteps(source), chats,
    }, lang));
  });

  router.get('/billing/renew/:planId', deps.signedIn, async (req: Request, res: Response) => {
    const personId = req.identity!.id;
    const lang = langOf(req);
    const p = planParams.safeParse(req.params);
    if (!p.success) throw notFound('PLAN_NOT_FOUND', 'no such plan');
    const today = localDay(deps.checkout.clock(), deps.checkout.timeZone);
    const view = await inTransaction(deps.db, async (tx) => {
      const plan = await planById(tx, p.data.planId);
      if (!plan || plan.deleted || plan.productId === null) return null;
      const holder = await subscriptionBySource(tx, `paid:${personId}:${plan.id}`);
      if (plan.archived && !holder) return null;
      const version = await currentVersion(tx, plan.id, today);
      if (!version) return null;
      const product = (await tx.query<{ title: string }>('select title from billing_product where id = $1', [plan.productId])).rows[0]?.title ?? plan.title;
      const amountMinor = holder && plan.renewalKeepsPrice && holder.priceMinor ? holder.priceMinor : version.amountMinor;
      return { planId: plan.id, product, plan: plan.title, amountMinor, currency: plan.currency, endsOn: holder && holder.endsOn && holder.endsOn >= today ? holder.endsOn : null };
    });
    if (!view) throw notFound('PLAN_NOT_FOUND', 'this plan is not sold');
    res.type('html').set('Cache-Control', 'private, no-store').send(renewPage(view, lang, (d) => dayInWords(d, lang)));
  });

  // The form of the renew page and of a failed order's "try again": a checkout, then the provider.
  router.post('/billing/renew/:planId', deps.signedIn, async (req: Request, res: Response) => {
    const p = planParams.safeParse(req.params);
    if (!p.success) throw notFound('PLAN_NOT_FOUND', 'no such plan');
    const answer = await checkout(deps.checkout, { personId: req.identity!.id, planId: p.data.planId, locale: langOf(req) });
    res.redirect(303, answer.payUrl);
  });

  // A page's error is a page: a visitor opening a page is sent to sign in and back; the rest
  // say in words what is wrong (never JSON).
  const pageError: ErrorRequestHandler = (err, req, res, next) => {
    if (!isAppError(err)) return next(err);
    const lang = langOf(req);
    const ours = req.originalUrl.startsWith('/billing/');
    if (ours && err.status === 401 && req.method === 'GET' && (req.get('accept') ?? '').includes('text/html')) return res.redirect(303, deps.signInUrl(req.originalUrl));
    if (!ours && err.status >= 500) return next(err);
    const title = ours ? text('orderTitle', lang) : text('title', lang);
    const key: TextKey = err.status === 401 ? (ours ? 'signInForOrder' : 'signInFirst')
      : err.code === 'ORDER_NOT_FOUND' ? 'orderNotFound'
      : err.code === 'PLAN_NOT_FOUND' || err.code === 'PLAN_ARCHIVED' || err.code === 'PRICE_NOT_SET' ? 'planNotSold'
      : err.code === 'PAYMENT_OUTCOME_UNKNOWN' || err.code === 'CHECKOUT_IN_PROGRESS' ? 'orderProcessing'
      : err.status >= 500 ? 'paymentsDown' : 'notAllowed';
    res.status(err.status).type('html').send(messagePage(lang, title, text(key, lang),
      err.status === 401 ? { href: deps.signInUrl(req.originalUrl), label: text('signIn', lang) } : { href: '/subscriptions', label: text('title', lang) }));
  };
  router.use('/subscriptions', pageError);
  router.use('/billing', pageError);
}
