import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { personLocale, pickLang } from '../../kernel/lang.ts';
import { catalog, checkout, type CheckoutDeps } from './checkout.ts';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { Guard } from '../../kernel/capability.ts';
import { badRequest } from '../../kernel/errors.ts';
import { issuesOf } from '../../kernel/validation.ts';
import { figuresQuery } from '../../schemas/events/billing.ts';
import { planById, priceRulesOf } from './catalog-store.ts';
import { localDay } from './days.ts';
import { churn, holdersOn, movesByMonth, paidMonthsInARow, recurringRevenue, revenueByMonth } from './figures.ts';
import { nextChanges, priceAt } from './prices.ts';
import { subscriptionsOf } from './subscriptions-store.ts';
import { paymentsOf } from './ledger.ts';
import { inTransaction } from '../../kernel/db.ts';
import { startTrial, trialsOffered } from './trials.ts';

export interface BillingRoutesDeps { db: Pool; guard: Guard; clock: () => Date; timeZone: string; signedIn: RequestHandler; checkout: CheckoutDeps }

const personParams = z.object({ personId: z.uuid() });
const planParams = z.object({ planId: z.coerce.number().int().positive() });
const catalogQuery = z.object({ jurisdiction: z.enum(['ru', 'world']).optional() });
const checkoutBody = z.object({ planId: z.coerce.number().int().positive(), provider: z.string().regex(/^[a-z]{2,20}$/).optional(), installments: z.boolean().optional() });

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw badRequest('BILLING_QUERY_INVALID', `${what} is not valid`, issuesOf(r.error));
  return r.data;
}

/**
 * /api/billing:
 *   GET /catalog?jurisdiction=ru|world    what the site sells, with today's prices (anyone)
 *   POST /checkout {planId, provider?, installments?}  an order and its payment attempt: the provider's pay URL (signed in)
 *   GET /trials                          the plans whose trial the signed-in person may start
 *   POST /trials {planId}                starts the plan's trial (once per product, ever): 201 with the subscription
 *   GET /people/:personId/subscriptions   the person's subscriptions, payments and what each gave (Person#view)
 *   GET /plans/:planId/prices             today's price and the next four changes (staff)
 *   GET /figures/holders?on=YYYY-MM-DD    holders by product, plan and kind on a day (staff)
 *   GET /figures/moves?from&to            new, renewed, lapsed, cancelled per month
 *   GET /figures/revenue?from&to          revenue per month, product, provider, currency
 *   GET /figures/recurring                monthly recurring revenue today
 *   GET /figures/churn?from=YYYY-MM       churn of a month
 *   GET /figures/loyal?months=3&to=YYYY-MM people who paid N months in a row
 */
export function billingRoutes(router: Router, deps: BillingRoutesDeps): void {
  const staff = deps.guard('view', () => 'Report:operations');
  const today = () => localDay(deps.clock(), deps.timeZone);
  const thisMonth = () => today().slice(0, 7);
  const q = (req: Request) => parse(figuresQuery, req.query, 'the query');

  router.get('/catalog', async (req: Request, res: Response) => {
    const { jurisdiction } = parse(catalogQuery, req.query, 'the query');
    res.json({ today: today(), items: await catalog(deps.db, jurisdiction, today()) });
  });
  router.post('/checkout', deps.signedIn, express.json({ limit: '4kb' }), async (req: Request, res: Response) => {
    const body = parse(checkoutBody, req.body ?? {}, 'the checkout');
    const personId = req.identity!.id;
    const answer = await checkout(deps.checkout, {
      personId, planId: body.planId, locale: pickLang(undefined, req.get('accept-language'), personLocale(req)),
      ...(body.provider ? { provider: body.provider } : {}), ...(body.installments ? { installments: true } : {}),
    });
    res.status(answer.reused ? 200 : 201).json(answer);
  });

  router.get('/trials', deps.signedIn, async (req: Request, res: Response) => {
    res.json({ today: today(), plans: await trialsOffered(deps.db, req.identity!.id, today()) });
  });
  router.post('/trials', deps.signedIn, express.json({ limit: '4kb' }), async (req: Request, res: Response) => {
    const body = parse(checkoutBody, req.body ?? {}, 'the trial');
    const subscription = await inTransaction(deps.db, (tx) => startTrial(tx, { personId: req.identity!.id, planId: body.planId, today: today() }));
    res.status(201).json({ subscription });
  });

  router.get('/people/:personId/subscriptions', deps.guard('view', (req) => `Person:${parse(personParams, req.params, 'person').personId}`), async (req: Request, res: Response) => {
    const { personId } = parse(personParams, req.params, 'person');
    const [subscriptions, payments] = await Promise.all([
      subscriptionsOf(deps.db, personId),
      paymentsOf(deps.db, personId, 200),
    ]);
    res.json({ subscriptions, payments });
  });

  router.get('/plans/:planId/prices', staff, async (req: Request, res: Response) => {
    const { planId } = parse(planParams, req.params, 'plan');
    const plan = await planById(deps.db, planId);
    if (!plan) throw badRequest('PLAN_NOT_FOUND', `no plan ${planId}`);
    const rules = await priceRulesOf(deps.db, planId);
    const versions = await deps.db.query(`select id, amount_minor::text as amount_minor, currency, to_char(valid_from, 'YYYY-MM-DD') as valid_from, origin, recorded_at
      from billing_price_version where plan_id = $1 order by valid_from, id`, [planId]);
    res.json({
      plan, today: today(), current: priceAt(rules, today()), next: nextChanges(rules, today(), 4),
      versions: versions.rows.map((v) => ({ ...v, amount_minor: Number(v.amount_minor) })),
    });
  });

  router.get('/figures/holders', staff, async (req, res) => { res.json({ on: q(req).on ?? today(), holders: await holdersOn(deps.db, q(req).on ?? today()) }); });
  router.get('/figures/moves', staff, async (req, res) => {
    const { from = thisMonth(), to = thisMonth() } = q(req);
    res.json({ from, to, months: await movesByMonth(deps.db, from, to) });
  });
  router.get('/figures/revenue', staff, async (req, res) => {
    const { from = thisMonth(), to = thisMonth() } = q(req);
    res.json({ from, to, revenue: await revenueByMonth(deps.db, from, to) });
  });
  router.get('/figures/recurring', staff, async (_req, res) => { res.json({ on: today(), recurring: await recurringRevenue(deps.db) }); });
  router.get('/figures/churn', staff, async (req, res) => { res.json(await churn(deps.db, q(req).from ?? thisMonth())); });
  router.get('/figures/loyal', staff, async (req, res) => {
    const { months = 3, to = thisMonth() } = q(req);
    res.json(await paidMonthsInARow(deps.db, months, to));
  });
}
