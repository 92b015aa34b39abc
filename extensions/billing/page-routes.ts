import type { ErrorRequestHandler, Request, RequestHandler, Response, Router } from 'express';
import type { Pool } from 'pg';
import { isAppError, unauthorized } from '../../kernel/errors.ts';
import { messagePage } from '../../kernel/page.tsx';
import { text } from './messages.ts';
import { paymentsOf } from './ledger.ts';
import { personLocale, pickLang } from '../../kernel/lang.ts';
import { subscriptionsPage } from './subscriptions-page.tsx';

/** /subscriptions: the signed-in person's own subscriptions and payments, as HTML. */
export function billingPages(router: Router, deps: { db: Pool; signedIn: RequestHandler; signInUrl: (returnPath: string) => string }): void {
  router.get('/subscriptions', deps.signedIn, async (req: Request, res: Response) => {
    const personId = req.identity?.id;
    if (!personId) throw unauthorized('SESSION_REQUIRED', 'Sign in to continue');
    const [subs, pays] = await Promise.all([
      deps.db.query(`select product, plan, kind, status, to_char(starts_on, 'YYYY-MM-DD') as starts_on, to_char(ends_on, 'YYYY-MM-DD') as ends_on, holds_today,
          coalesce((select guides from billing_product p where p.id = s.product_id), '{}') as guides
        from billing_subscriptions s where person_id = $1 order by holds_today desc, starts_on desc limit 100`, [personId]),
      paymentsOf(deps.db, personId, 100),
    ]);
    const lang = pickLang(req.query.lang, req.get('accept-language'), personLocale(req));
    res.type('html').set('Cache-Control', 'private, no-store').send(subscriptionsPage({
      subscriptions: subs.rows.map((r) => ({
        product: r.product ?? '—', plan: r.plan ?? '—', kind: r.kind, status: r.status, startsOn: r.starts_on, endsOn: r.ends_on, guides: r.guides, holdsToday: r.holds_today,
      })),
      payments: pays,
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
