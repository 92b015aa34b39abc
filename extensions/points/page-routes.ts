import type { ErrorRequestHandler, Request, RequestHandler, Response, Router } from 'express';
import type { Pool } from 'pg';
import { badRequest, isAppError, unauthorized } from '../../kernel/errors.ts';
import { isLang, personLocale, pickLang } from '../../kernel/lang.ts';
import { balanceOf, yearCalendar } from './activity.ts';
import { daysBetween, isDay, localDay, monthStart } from './calendar.ts';
import { personTimeZone } from './people-store.ts';
import { pageHref, pointsErrorPage, pointsPage, type PeriodProblem } from './points-page.tsx';
import { loadStatement } from './statement.ts';

/**
 * The student's page GET /points: their own account (the Kratos identity id is the points
 * person id), behind the session alone, since a person always may read their own points.
 * It reads with the same functions as the JSON API (balanceOf, yearCalendar, loadStatement);
 * a period that is not one answers 400 with a page that says why, never a 500.
 */
export interface PageDeps {
  db: Pool;
  clock: () => Date;
  /** Session only: 401 without one (the page then offers to sign in). */
  signedIn: RequestHandler;
  defaultTimeZone: string;
  /** Where a visitor signs in, given the page's path and query to come back to. */
  signInUrl: (returnPath: string) => string;
}

/** The longest statement a page shows (to - from in days), as the JSON API allows. */
export const MAX_PERIOD_DAYS = 400;

const langOf = (req: Request) => pickLang(req.query.lang, req.get('accept-language'), personLocale(req));
const identityOf = (req: Request, res: Response): string => String(res.locals.identityId ?? req.identity?.id ?? '');
const refused = (problem: PeriodProblem, message: string) => badRequest('POINTS_QUERY_INVALID', message, { problem });

/**
 * The statement's period from the page's query, this month so far when not given. An empty
 * field (the form sent without a date) means not given. Pure.
 */
export function periodOf(query: { from?: unknown; to?: unknown }, today: string): { from: string; to: string } {
  const day = (value: unknown, name: string): string | undefined => {
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string' || !isDay(value)) throw refused('date', `${name} is not a date YYYY-MM-DD`);
    return value;
  };
  const to = day(query.to, 'to') ?? today;
  const from = day(query.from, 'from') ?? monthStart(to);
  if (daysBetween(from, to) < 0) throw refused('order', 'from is after to');
  if (daysBetween(from, to) > MAX_PERIOD_DAYS) throw refused('length', `the period is longer than ${MAX_PERIOD_DAYS} days`);
  return { from, to };
}

export function pages(router: Router, deps: PageDeps): void {
  const { db, clock } = deps;

  router.get('/points', deps.signedIn, async (req: Request, res: Response) => {
    const personId = identityOf(req, res);
    if (!personId) throw unauthorized('SESSION_REQUIRED', 'Sign in to continue');
    const timeZone = (await personTimeZone(db, personId)) ?? deps.defaultTimeZone;
    const now = clock();
    const today = localDay(now, timeZone);
    const period = periodOf(req.query, today);
    const [balance, calendar, statement] = await Promise.all([
      balanceOf(db, personId),
      yearCalendar(db, personId, Number(today.slice(0, 4)), timeZone, now),
      loadStatement(db, personId, period.from, period.to, timeZone),
    ]);
    const langParam = isLang(req.query.lang) ? req.query.lang : undefined;
    res.type('html').set('Cache-Control', 'private, no-store')
      .send(pointsPage({ personId, timeZone, today, balance: balance.points, calendar, statement, langParam }, langOf(req)));
  });

  const pageError: ErrorRequestHandler = (err, req, res, next) => {
    if (!isAppError(err) || err.status >= 500) return next(err);
    const problem = (err.details as { problem?: PeriodProblem } | undefined)?.problem;
    const langParam = isLang(req.query.lang) ? req.query.lang : undefined;
    res.status(err.status).type('html').send(pointsErrorPage({
      status: err.status, problem, maxDays: MAX_PERIOD_DAYS, lang: langOf(req),
      signInUrl: deps.signInUrl(req.originalUrl), backHref: pageHref({ lang: langParam }),
    }));
  };
  router.use('/points', pageError);
}
