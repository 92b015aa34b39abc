import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { badRequest, notFound, unauthorized } from '../../kernel/errors.ts';
import { parseOr400, rowIdParam } from '../../kernel/validation.ts';
import { reviewDecision } from '../../schemas/events/ai-check.ts';
import type { CheckDeps } from './check-answer.ts';
import { requestCheck } from './check-request.ts';
import { latestCheckOfAnswer } from './checks-store.ts';
import { listDeadLetters, replayDeadLetter } from './dead-letters.ts';
import { editionChanges, indexDocsRepository, type IndexerDeps } from './indexer/index-guides.ts';
import { searchGuides } from './retrieval.ts';
import { decideReview } from './review-decision.ts';
import { listPendingReviews, reviewGroupObject } from './reviews-store.ts';
import { runCheckNow } from './runner.ts';
import { checkView } from './views.ts';

/**
 * HTTP API of the AI check, mounted at /api/ai-check. Every route declares its permission
 * through the lead's Ory guard: `guard(relation, objectOf)` checks that the caller has
 * `relation` on the Keto object `objectOf(req)` and puts the caller's identity where
 * `identityOf` finds it (by default `res.locals.identityId`).
 */
export type { Guard } from '../../kernel/capability.ts';
import type { Guard } from '../../kernel/capability.ts';
export type IdentityOf = (req: Request, res: Response) => string | null;

export interface RouteDeps {
  guard: Guard;
  identityOf?: IdentityOf;
  checks: CheckDeps;
  indexer: IndexerDeps;
  /** Keto object whose `members` are staff: dead letters and re-indexing. */
  staffObject?: string;
}

export const defaultIdentityOf: IdentityOf = (_req, res) => (typeof res.locals.identityId === 'string' ? res.locals.identityId : null);

const param = (req: Request, name: string): string => String(req.params[name] ?? '');

export function routes(router: Router, deps: RouteDeps): void {
  const { guard, checks } = deps;
  const identityOf = deps.identityOf ?? defaultIdentityOf;
  const staff = deps.staffObject ?? 'Role:staff';
  const requireIdentity = (req: Request, res: Response): string => {
    const id = identityOf(req, res);
    if (!id) throw unauthorized('UNAUTHENTICATED', 'sign in first');
    return id;
  };
  // The guide an answer belongs to: the object a student needs `read` on to have it checked.
  const guideOfAnswer = async (req: Request): Promise<string> => {
    const answer = await checks.answers.getAnswer(param(req, 'id'));
    if (!answer) throw notFound('ANSWER_NOT_FOUND', `no answer ${param(req, 'id')}`);
    const exercise = await checks.answers.getExercise(answer.exerciseId);
    if (!exercise) throw notFound('EXERCISE_NOT_FOUND', `no exercise ${answer.exerciseId}`);
    return `Guide:${exercise.guideSlug}`;
  };
  const groupOfReview = (req: Request) => reviewGroupObject(checks.db, rowIdParam(req, 'id', 'REVIEW_NOT_FOUND'));

  router.use(express.json({ limit: '256kb' }));

  router.post('/answers/:id/check', guard('read', guideOfAnswer), async (req, res) => {
    const { view, done } = await requestCheck(checks, { answerId: param(req, 'id'), actorId: requireIdentity(req, res), source: 'api' });
    res.status(done ? 200 : 202).json({ check: view });
  });

  router.get('/answers/:id/check', guard('read', guideOfAnswer), async (req, res) => {
    const actor = requireIdentity(req, res);
    const check = await latestCheckOfAnswer(checks.db, param(req, 'id'));
    if (!check || check.student_id !== actor) throw notFound('CHECK_NOT_FOUND', 'this answer has not been checked');
    const person = await checks.people.person(actor);
    res.json({ check: checkView(check, person?.language ?? 'en') });
  });

  const groupParam = (req: Request): string => {
    const group = typeof req.query.group === 'string' ? req.query.group : '';
    if (!group) throw badRequest('GROUP_REQUIRED', 'give ?group=<group id>');
    return group;
  };
  router.get('/reviews', guard('review', (req) => `Group:${groupParam(req)}`), async (req, res) => {
    res.json({ reviews: await listPendingReviews(checks.db, groupParam(req)) });
  });

  router.post('/reviews/:id', guard('review', groupOfReview), async (req, res) => {
    const decision = parseOr400(reviewDecision, req.body, 'the request body', 'REQUEST_INVALID');
    const review = await decideReview(checks, rowIdParam(req, 'id', 'REVIEW_NOT_FOUND'), decision, requireIdentity(req, res));
    // Write the verdict back now; if another worker holds the check, the runner does it.
    await runCheckNow(checks, review.checkId);
    res.json({ review });
  });

  router.get('/guides/:slug/search', guard('read', (req) => `Guide:${param(req, 'slug')}`), async (req, res) => {
    const text = String(req.query.q ?? '');
    if (text.trim().length < 2) throw badRequest('QUERY_TOO_SHORT', 'give a query of at least two characters');
    const limit = Math.min(20, Math.max(1, Number(req.query.limit ?? 5) || 5));
    res.json({ results: await searchGuides(checks.db, { text, guides: [param(req, 'slug')], limit, embedder: checks.embedder }) });
  });

  router.get('/guides/:slug/changes', guard('read', (req) => `Guide:${param(req, 'slug')}`), async (req, res) => {
    const from = String(req.query.from ?? '');
    const to = String(req.query.to ?? '');
    if (!from || !to) throw badRequest('EDITIONS_REQUIRED', 'give ?from=<edition>&to=<edition>');
    res.json({ sections: await editionChanges(checks.db, param(req, 'slug'), from, to) });
  });

  router.post('/guides/reindex', guard('members', () => staff), async (_req, res) => {
    const location = checks.settings.guides;
    if (!location) throw badRequest('GUIDES_NOT_CONFIGURED', 'no docs repository is configured (AI_GUIDES_REPO)');
    res.json({ guides: await indexDocsRepository(deps.indexer, location) });
  });

  router.get('/dead-letters', guard('members', () => staff), async (req, res) => {
    const open = req.query.open === undefined ? true : req.query.open === 'true';
    res.json({ deadLetters: await listDeadLetters(checks.db, { open }) });
  });

  router.post('/dead-letters/:id/replay', guard('members', () => staff), async (req, res) => {
    const letter = await replayDeadLetter(checks.db, rowIdParam(req, 'id', 'DEAD_LETTER_NOT_FOUND'), requireIdentity(req, res), checks.clock());
    res.json({ deadLetter: letter });
  });
}
