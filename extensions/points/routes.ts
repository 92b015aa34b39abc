import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { ianaTimeZone, POINTS_KINDS } from '../../schemas/events/points.ts';
import { inTransaction } from '../../kernel/db.ts';
import { badRequest, notFound } from '../../kernel/errors.ts';
import { activityByDay, balanceOf, yearCalendar } from './activity.ts';
import { addDays, daysBetween, isDay, localDay } from './calendar.ts';
import { renderHeatmap } from './heatmap.ts';
import { pickLang } from './messages.ts';
import { personTimeZone, setTimeZone } from './people-store.ts';
import { rating } from './ratings.ts';
import { recomputeJob, scheduleRecompute } from './recompute-store.ts';
import { referralCodeOf, referralsOf } from './referrals.ts';
import { loadStatement, statementCsv } from './statement.ts';

/**
 * The HTTP API of points, mounted by the service at /api/points. Every route declares its
 * permission with `guard(relation, object)`, where object names a Keto object as
 * `Namespace:id` (see the list in the capability's report / index.ts).
 */
export type { Guard } from '../../kernel/capability.ts';
import type { Guard } from '../../kernel/capability.ts';
import { issuesOf } from '../../kernel/validation.ts';
import { rateLimit, type RateLimit } from '../../kernel/rate-limit.ts';

export interface RoutesDeps {
  db: Pool;
  clock: () => Date;
  guard: Guard;
  /** Only a session: school-wide ratings are open to every signed-in person (not a Keto question). */
  signedIn: RequestHandler;
  /** Zone of people without one, and of school-wide periods (ratings). */
  defaultTimeZone: string;
  onRecomputeScheduled?: (id: string) => void;
  /** Per person, over days, calendars and statements: each is a scan of their ledger. */
  costlyReads?: RateLimit;
}

/** A person at a page reloads a few times a minute; a script pulling every year's statement does not. */
export const COSTLY_READS: RateLimit = { burst: 20, perMinute: 30 };

const personParams = z.object({ personId: z.uuid() });
const day = z.string().refine(isDay, 'expected a date YYYY-MM-DD');
const MAX_DAYS = 400;
const RATING_TTL_MS = 60_000;

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw badRequest('POINTS_QUERY_INVALID', `${what} is not valid`, issuesOf(r.error, 10));
  }
  return r.data;
}

/** Runs at most `n` of the given tasks at once; the others wait their turn. */
function concurrencyGate(n: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export function routes(router: Router, deps: RoutesDeps): void {
  const { db, clock, guard } = deps;
  const person = (relation: 'view' | 'edit') => guard(relation, (req) => `Person:${String(req.params.personId)}`);
  const staff = guard('members', () => 'Role:staff');
  const costly = rateLimit(deps.costlyReads ?? COSTLY_READS);

  const zoneOf = async (personId: string) => (await personTimeZone(db, personId)) ?? deps.defaultTimeZone;
  const personOf = (req: Request) => parse(personParams, req.params, 'person').personId;

  router.get('/people/:personId/balance', person('view'), async (req: Request, res: Response) => {
    const personId = personOf(req);
    res.json({ personId, ...(await balanceOf(db, personId)) });
  });

  router.get('/people/:personId/days', person('view'), costly, async (req: Request, res: Response) => {
    const personId = personOf(req);
    const zone = await zoneOf(personId);
    const today = localDay(clock(), zone);
    const q = parse(z.object({ from: day.optional(), to: day.optional() }), req.query, 'query');
    const to = q.to ?? today;
    const from = q.from ?? addDays(to, -29);
    if (daysBetween(from, to) < 0 || daysBetween(from, to) > MAX_DAYS) throw badRequest('POINTS_QUERY_INVALID', `from..to must be 0..${MAX_DAYS} days`);
    res.json({ personId, timeZone: zone, from, to, days: await activityByDay(db, personId, from, to) });
  });

  const yearQuery = z.object({ year: z.coerce.number().int().min(2000).max(2100).optional(), lang: z.enum(['ru', 'en']).optional() });

  router.get('/people/:personId/calendar', person('view'), costly, async (req: Request, res: Response) => {
    const personId = personOf(req);
    const zone = await zoneOf(personId);
    const q = parse(yearQuery, req.query, 'query');
    const year = q.year ?? Number(localDay(clock(), zone).slice(0, 4));
    res.json({ personId, ...(await yearCalendar(db, personId, year, zone, clock())) });
  });

  router.get('/people/:personId/calendar.svg', person('view'), costly, async (req: Request, res: Response) => {
    const personId = personOf(req);
    const zone = await zoneOf(personId);
    const q = parse(yearQuery, req.query, 'query');
    const year = q.year ?? Number(localDay(clock(), zone).slice(0, 4));
    const cal = await yearCalendar(db, personId, year, zone, clock());
    const svg = renderHeatmap({ year, points: new Map(cal.days.map((d) => [d.day, d.points])), streaks: cal.streaks, lang: pickLang(q.lang, req.get('accept-language')) });
    res.type('image/svg+xml').set('Cache-Control', 'private, max-age=60').send(svg);
  });

  router.get('/people/:personId/statement', person('view'), costly, async (req: Request, res: Response) => {
    const personId = personOf(req);
    const zone = await zoneOf(personId);
    const q = parse(z.object({ from: day.optional(), to: day.optional(), format: z.enum(['json', 'csv']).default('json'), lang: z.enum(['ru', 'en']).optional() }), req.query, 'query');
    const today = localDay(clock(), zone);
    const to = q.to ?? today;
    const from = q.from ?? `${to.slice(0, 7)}-01`;
    if (daysBetween(from, to) < 0 || daysBetween(from, to) > MAX_DAYS) throw badRequest('POINTS_QUERY_INVALID', `from..to must be 0..${MAX_DAYS} days`);
    const statement = await loadStatement(db, personId, from, to, zone);
    if (q.format === 'csv') {
      res.type('text/csv; charset=utf-8')
        .set('Content-Disposition', `attachment; filename="points-${from}-${to}.csv"`)
        .send(`\uFEFF${statementCsv(statement, pickLang(q.lang, req.get('accept-language')))}`);
      return;
    }
    res.json(statement);
  });

  router.put('/people/:personId/time-zone', person('edit'), express.json({ limit: '4kb' }), async (req: Request, res: Response) => {
    const personId = personOf(req);
    const { timeZone } = parse(z.object({ timeZone: ianaTimeZone }), req.body, 'body');
    await setTimeZone(db, personId, timeZone);
    res.json({ personId, timeZone });
  });

  router.post('/people/:personId/referral-code', person('edit'), async (req: Request, res: Response) => {
    const personId = personOf(req);
    res.json({ personId, code: await referralCodeOf(db, personId) });
  });

  router.get('/people/:personId/referrals', person('view'), async (req: Request, res: Response) => {
    const personId = personOf(req);
    res.json({ personId, referrals: await referralsOf(db, personId) });
  });

  const ratingQuery = z.object({
    period: z.enum(['week', 'month', 'all']).default('week'),
    by: z.enum(['points', 'characters']).default('points'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    timeZone: ianaTimeZone.optional(),
  });

  // Ratings read the whole ledger. However many ask, and however they vary the question, the
  // database computes few: one answer per period, measure, zone and group within a minute,
  // always for the longest list (a shorter limit is a slice of it), the same zone for all
  // time (it has no zone), one computation per question in flight (the others wait for it),
  // and at most two computations at once.
  const ratings = new Map<string, { at: number; value: Promise<Awaited<ReturnType<typeof rating>>> }>();
  const gate = concurrencyGate(2);
  const cachedRating = async (opts: Parameters<typeof rating>[1]) => {
    const timeZone = opts.period === 'all' ? 'UTC' : opts.timeZone;
    const key = JSON.stringify([opts.period, opts.by, timeZone, opts.groupId ?? null]);
    const now = opts.now.getTime();
    let hit = ratings.get(key);
    if (!hit || now - hit.at >= RATING_TTL_MS || now < hit.at) {
      if (ratings.size > 500) ratings.clear();
      const value = gate(() => rating(db, { ...opts, timeZone, limit: 200 }));
      hit = { at: now, value };
      ratings.set(key, hit);
      value.catch(() => ratings.delete(key));
    }
    const all = await hit.value;
    return { ...all, rows: all.rows.slice(0, opts.limit) };
  };

  router.get('/ratings', deps.signedIn, async (req: Request, res: Response) => {
    const q = parse(ratingQuery, req.query, 'query');
    const timeZone = q.timeZone ?? deps.defaultTimeZone;
    res.json({ ...q, timeZone, ...(await cachedRating({ ...q, timeZone, now: clock() })) });
  });

  router.get('/groups/:groupId/ratings', guard('view', (req) => `Group:${String(req.params.groupId)}`), async (req: Request, res: Response) => {
    const { groupId } = parse(z.object({ groupId: z.string().min(1).max(100) }), req.params, 'group');
    const q = parse(ratingQuery, req.query, 'query');
    const timeZone = q.timeZone ?? deps.defaultTimeZone;
    res.json({ groupId, ...q, timeZone, ...(await cachedRating({ ...q, timeZone, groupId, now: clock() })) });
  });

  router.post('/recomputes', staff, express.json({ limit: '16kb' }), async (req: Request, res: Response) => {
    const body = parse(z.object({
      kinds: z.array(z.enum(POINTS_KINDS)).min(1).optional(),
      fromDay: day.optional(),
      personIds: z.array(z.uuid()).min(1).max(10_000).optional(),
      reason: z.string().min(1).max(500).default('requested by staff'),
    }), req.body ?? {}, 'body');
    const id = await inTransaction(db, (tx) => scheduleRecompute(tx, {
      reason: body.reason, kinds: body.kinds ?? null, fromDay: body.fromDay ?? null, personIds: body.personIds ?? null,
    }));
    deps.onRecomputeScheduled?.(id);
    res.status(202).json({ id, status: 'pending' });
  });

  router.get('/recomputes/:id', staff, async (req: Request, res: Response) => {
    const { id } = parse(z.object({ id: z.string().regex(/^\d{1,18}$/) }), req.params, 'recompute id');
    const job = await recomputeJob(db, id);
    if (!job) throw notFound('POINTS_RECOMPUTE_UNKNOWN', `no recomputation ${id}`);
    res.json(job);
  });
}
