import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import type { Guard } from '../../kernel/capability.ts';
import { isAppError } from '../../kernel/errors.ts';
import { personLocale, pickLang } from '../../kernel/lang.ts';
import { messagePage } from '../../kernel/page.tsx';
import { parseOr400, rowIdParam } from '../../kernel/validation.ts';
import { reviewDecision } from '../../schemas/events/ai-check.ts';
import type { CheckDeps } from './check-answer.ts';
import { reviewsPage, type ReviewCard } from './review-page.tsx';
import { decideReview } from './review-decision.ts';
import { evidenceOf, listPendingReviews, reviewGroupObject } from './reviews-store.ts';
import { runCheckNow } from './runner.ts';
import { REVIEW_PAGE } from './messages.ts';

/**
 * The mentor's own queue, a page of the service (NocoDB's roles cover a whole base): the
 * answers of the groups they mentor that wait for review, with the student, the exercise,
 * the answer, the AI verdict and the guide passages it used; accept it, or give their own
 * verdict (score, feedback, accepted or returned for rework). The student is told, and the
 * verdict is written back to the workbook. Guarded by Keto's Group#review.
 */
export interface ReviewPagesDeps {
  checks: CheckDeps;
  guard: Guard;
  signedIn: RequestHandler;
  /** The Keto objects of the groups a person mentors (`group-12`, ...). */
  groupsMentoredBy: (identityId: string) => Promise<string[]>;
  signInUrl: (returnTo: string) => string;
  publicUrl: string;
}

const formDecision = z.object({
  action: z.enum(['accept', 'edit']),
  verdict: z.enum(['accepted', 'needs_work']).optional(),
  score: z.coerce.number().min(0).optional(),
  feedback: z.string().optional(),
}).transform((f) => (f.action === 'accept' ? { action: 'accept' as const } : { action: 'edit' as const, verdict: f.verdict, score: f.score, feedback: f.feedback }));


export function reviewPages(router: Router, deps: ReviewPagesDeps): void {
  const { checks } = deps;
  const langOf = (req: Request) => pickLang(req.query.lang, req.get('accept-language'), personLocale(req));
  const reviewId = (req: Request) => rowIdParam(req, 'id', 'REVIEW_NOT_FOUND');
  const mayReview = deps.guard('review', (req) => reviewGroupObject(checks.db, reviewId(req)));

  router.get('/reviews', deps.signedIn, async (req, res) => {
    const me = req.identity!.id;
    const cards: ReviewCard[] = [];
    for (const group of await deps.groupsMentoredBy(me)) {
      for (const review of await listPendingReviews(checks.db, group)) {
        const [student, evidence] = await Promise.all([checks.people.person(review.studentId), evidenceOf(checks.db, review.checkId)]);
        cards.push({ review, studentName: student?.name || review.studentId, evidence });
      }
    }
    res.type('html').send(reviewsPage(cards, langOf(req), req.query.decided === '1'));
  });

  router.post('/reviews/:id', express.urlencoded({ extended: false, limit: '64kb' }), mayReview, async (req, res) => {
    const decision = parseOr400(reviewDecision, parseOr400(formDecision, req.body, 'the form'), 'the verdict');
    const review = await decideReview(checks, reviewId(req), decision, String(res.locals.identityId));
    await runCheckNow(checks, review.checkId);
    res.redirect(303, `/reviews?lang=${langOf(req)}&decided=1`);
  });

  const pageError: ErrorRequestHandler = (err, req, res, next) => {
    if (!isAppError(err) || err.status >= 500) return next(err);
    const lang = langOf(req);
    if (err.status === 401) return res.redirect(303, deps.signInUrl(`${deps.publicUrl}/reviews`));
    const key = err.status === 403 ? 'forbidden' : err.status === 404 ? 'notFound' : err.status === 409 ? 'conflict' : 'invalid';
    res.status(err.status).type('html').send(messagePage(lang, REVIEW_PAGE.title[lang], REVIEW_PAGE[key][lang], { href: `/reviews?lang=${lang}`, label: REVIEW_PAGE.back[lang] }));
  };
  router.use('/reviews', pageError);
}
