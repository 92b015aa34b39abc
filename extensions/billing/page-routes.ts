import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { inTransaction } from '../../kernel/db.ts';
import { isAppError, unauthorized } from '../../kernel/errors.ts';
import { parseOr400 } from '../../kernel/validation.ts';
import { localDay } from './days.ts';
import { startTrial, trialsOffered } from './trials.ts';
import { messagePage } from '../../kernel/page.tsx';
import { text, trialRefusal } from './messages.ts';
import { paymentsOf } from './ledger.ts';
import { personLocale, pickLang } from '../../kernel/lang.ts';
import { subscriptionsPage } from './subscriptions-page.tsx';

const trialForm = z.object({ planId: z.coerce.number().int().positive() });

export interface BillingPagesDeps { db: Pool; signedIn: RequestHandler; signInUrl: (returnPath: string) => string; clock: () => Date; timeZone: string }

/**
 * /subscriptions: the signed-in person's own subscriptions and payments, as HTML, with the
 * trials they may start (a form posting to /subscriptions/trials, the API's startTrial).
 */
export function billingPages(router: Router, deps: BillingPagesDeps): void {
  const today = () => localDay(deps.clock(), deps.timeZone);
  router.post('/subscriptions/trials', deps.signedIn, express.urlencoded({ extended: false, limit: '4kb' }), async (req: Request, res: Response) => {
    const personId = req.identity?.id;
    if (!personId) throw unauthorized('SESSION_REQUIRED', 'Sign in to continue');
    const { planId } = parseOr400(trialForm, req.body ?? {}, 'the form');
    const lang = pickLang(req.query.lang, req.get('accept-language'), personLocale(req));
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
  // Not signed in: a page that says so, with the way to sign in and come back (not JSON).
  const pageError: ErrorRequestHandler = (err, req, res, next) => {
    if (!isAppError(err) || err.status >= 500) return next(err);
    const lang = pickLang(req.query.lang, req.get('accept-language'), personLocale(req));
    res.status(err.status).type('html').send(messagePage(lang, text('title', lang), text(err.status === 401 ? 'signInFirst' : 'notAllowed', lang),
      err.status === 401 ? { href: deps.signInUrl(req.originalUrl), label: text('signIn', lang) } : undefined));
  };
  router.use('/subscriptions', pageError);
}
