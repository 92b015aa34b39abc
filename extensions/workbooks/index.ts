import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { NocoRows } from '../../nocodb/client.ts';
import type { Capability, Consumer, Guard } from '../../kernel/capability.ts';
import type { Clock } from '../../kernel/clock.ts';
import { forbidden, isAppError } from '../../kernel/errors.ts';
import { parseOr400, rowIdParam } from '../../kernel/validation.ts';
import { personLocale, pickLang, type MessageKey } from './messages.ts';
import { errorPage, workbookPage, workbooksPage } from './page.tsx';
import { readWorkbook, type WorkbookView } from './read.ts';
import { freshView, invalidateViews, storeView } from './view-cache.ts';
import { answerRows, disputeVerdict, MAX_ANSWER_CHARS, MAX_DISPUTE_CHARS, submissionsOf, workbooksOf, writeAnswer } from './write.ts';

/**
 * Workbooks (issue 10): a student's own place. Reading order: index.ts (routes and pages,
 * their guards) -> read.ts (a workbook as its student sees it) -> write.ts (drafts,
 * submissions and their history, the Answers rows of the guide's exercises) -> page.tsx.
 * The page /workbooks/<id> and the JSON /api/workbooks/<id> share those functions and one
 * guard: the person's Kratos session, then Keto's Workbook#view to read and Workbook#edit
 * (the owner) to write. NocoDB's shared views are not used: they are no isolation boundary
 * (extensions/identity/workbook-link.ts). The only file other folders import.
 */
export interface WorkbooksDeps {
  nocodb: NocoRows;
  db: Pool;
  clock: Clock;
  guard: Guard;
  /** Session only (401 without one): the list of one's own workbooks. */
  signedIn: RequestHandler;
  /** Where a visitor signs in (Kratos' browser login), given the page to come back to. */
  signInUrl: (returnTo: string) => string;
  publicUrl: string;
  /** How long a copy of a workbook read from NocoDB may serve its page at most (ms). Default 5 minutes. */
  viewMaxAgeMs?: number;
}

/** The NocoDB changes that can change what a workbook's page shows. */
export const VIEW_TOPICS = ['nocodb.answers.insert', 'nocodb.answers.update', 'nocodb.workbooks.insert', 'nocodb.workbooks.update',
  'nocodb.workbooks.delete', 'nocodb.exercises.insert', 'nocodb.exercises.update', 'nocodb.guides.insert', 'nocodb.guides.update'] as const;

/** The workbook a changed row touches: its own id, an answer's workbook link; null: maybe any (an exercise, a guide). */
function touchedWorkbook(topic: string, row: Record<string, unknown> | undefined): number | null {
  const id = (v: unknown) => {
    const first = Array.isArray(v) ? v[0] : v;
    const n = Number(first && typeof first === 'object' ? (first as { Id?: unknown }).Id : first);
    return Number.isInteger(n) && n > 0 ? n : null;
  };
  if (topic.startsWith('nocodb.workbooks.')) return id(row?.Id);
  if (topic.startsWith('nocodb.answers.')) return id(row?.workbooks_id) ?? id(row?.Workbooks);
  return null;
}

// NocoDB's integer row ids.
const workbookId = (req: Request) => Number(rowIdParam(req, 'id', 'WORKBOOK_NOT_FOUND', 9));
const answerId = (req: Request) => Number(rowIdParam(req, 'answerId', 'ANSWER_NOT_FOUND', 9));
const langOf = (req: Request) => pickLang(req.query.lang, req.get('accept-language'), personLocale(req));
const identityOf = (req: Request, res: Response): string => String(res.locals.identityId ?? req.identity?.id ?? '');

const answerBody = z.object({ text: z.string().max(MAX_ANSWER_CHARS) });
const formBody = z.object({ text: z.string().max(MAX_ANSWER_CHARS).default(''), action: z.enum(['save', 'submit']) });
const disputeBody = z.object({ reason: z.string().max(MAX_DISPUTE_CHARS) });
const NOTICES: Record<string, MessageKey> = { saved: 'saved', submitted: 'submitted', disputed: 'disputed' };

export interface WorkbooksCapability extends Capability {
  /** A student's workbooks with their answers as the student sees them (the page's copy): for the MCP tools. */
  studentWorkbooks(personId: string): Promise<WorkbookView[]>;
}

export function register(deps: WorkbooksDeps): WorkbooksCapability {
  const mayView = deps.guard('view', (req) => `Workbook:workbook-${workbookId(req)}`);
  const mayEdit = deps.guard('edit', (req) => `Workbook:workbook-${workbookId(req)}`);
  const ensureRows = answerRows(deps.nocodb, deps.clock);
  const maxAge = deps.viewMaxAgeMs ?? 5 * 60_000;
  // NocoDB's row API is the slow part of a page (FIELD-NOTES): the page is served from the
  // last read's copy in PostgreSQL while no change has touched the workbook since (view-cache.ts).
  const read = async (id: number) => {
    const [cached, history] = await Promise.all([freshView(deps.db, id, deps.clock(), maxAge), submissionsOf(deps.db, id)]);
    if (cached) return { ...cached, answers: cached.answers.map((a) => ({ ...a, history: history.get(a.id) ?? [] })) };
    const readAt = deps.clock();
    await ensureRows(id);
    const view = await readWorkbook(deps.nocodb, id, history);
    await storeView(deps.db, id, { ...view, answers: view.answers.map(({ history: _h, ...a }) => a) }, readAt);
    return view;
  };
  // A write to the workbook's rows makes its copy stale, also when the write failed half-way.
  const thenStale = async <T>(req: Request, write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } finally {
      await invalidateViews(deps.db, [workbookId(req)], deps.clock());
    }
  };
  const write = (req: Request, res: Response, text: string, submit: boolean) =>
    thenStale(req, () => writeAnswer(deps, { workbookId: workbookId(req), answerId: answerId(req), studentId: identityOf(req, res), text, submit }));
  const dispute = (req: Request, reason: string) =>
    thenStale(req, () => disputeVerdict(deps, { workbookId: workbookId(req), answerId: answerId(req), reason }));
  const viewsConsumer: Consumer = {
    name: 'workbooks-views',
    topics: VIEW_TOPICS,
    async handle(event, { tx }) {
      const row = (event.payload as { row?: Record<string, unknown> } | null)?.row;
      const touched = touchedWorkbook(event.topic, row);
      await invalidateViews(tx, touched === null ? null : [touched], deps.clock());
    },
  };
  // Forms post with the session cookie: a post from another site's page is refused (the
  // cookie's SameSite=Lax keeps most of them out already).
  const sameOrigin: RequestHandler = (req, _res, next) => {
    const origin = req.get('origin');
    next(origin && origin !== 'null' && origin !== new URL(deps.publicUrl).origin ? forbidden('ORIGIN_REFUSED', 'this form was sent from another site') : undefined);
  };
  const pageError: ErrorRequestHandler = (err, req, res, next) => {
    if (!isAppError(err) || err.status >= 500) return next(err);
    res.status(err.status).type('html').send(errorPage(err.status, langOf(req), deps.signInUrl(`${deps.publicUrl}${req.originalUrl}`), err.code));
  };

  return {
    name: 'workbooks',
    consumers: [viewsConsumer],
    async studentWorkbooks(personId) {
      const own = await workbooksOf(deps.nocodb, personId);
      return Promise.all(own.map((w) => read(w.id)));
    },
    routes(router: Router) {
      router.use(express.json({ limit: '128kb' }));
      router.get('/', deps.signedIn, async (req, res) => {
        res.json({ workbooks: await workbooksOf(deps.nocodb, identityOf(req, res)) });
      });
      router.get('/:id', mayView, async (req, res) => {
        res.json({ workbook: await read(workbookId(req)) });
      });
      router.put('/:id/answers/:answerId', mayEdit, async (req, res) => {
        res.json(await write(req, res, parseOr400(answerBody, req.body, 'the answer').text, false));
      });
      router.post('/:id/answers/:answerId/submit', mayEdit, async (req, res) => {
        res.json(await write(req, res, parseOr400(answerBody, req.body, 'the answer').text, true));
      });
      router.post('/:id/answers/:answerId/dispute', mayEdit, async (req, res) => {
        const { reason } = parseOr400(disputeBody, req.body, 'the dispute');
        res.json(await dispute(req, reason));
      });
    },
    pages(router: Router) {
      router.get('/workbooks', deps.signedIn, async (req, res) => {
        res.type('html').send(workbooksPage(await workbooksOf(deps.nocodb, identityOf(req, res)), langOf(req)));
      });
      router.get('/workbooks/:id', mayView, async (req, res) => {
        const notice = NOTICES[String(req.query.notice ?? '')];
        const about = Number(req.query.answer);
        res.type('html').send(workbookPage(await read(workbookId(req)), langOf(req), notice && about ? { answerId: about, key: notice } : undefined));
      });
      router.post('/workbooks/:id/answers/:answerId', sameOrigin, express.urlencoded({ extended: false, limit: '128kb' }), mayEdit, async (req, res) => {
        const form = parseOr400(formBody, req.body, 'the form');
        const submit = form.action === 'submit';
        await write(req, res, form.text, submit);
        const id = answerId(req);
        res.redirect(303, `/workbooks/${workbookId(req)}?lang=${langOf(req)}&notice=${submit ? 'submitted' : 'saved'}&answer=${id}#exercise-${id}`);
      });
      router.post('/workbooks/:id/answers/:answerId/dispute', sameOrigin, express.urlencoded({ extended: false, limit: '16kb' }), mayEdit, async (req, res) => {
        const { reason } = parseOr400(disputeBody, req.body, 'the form');
        await dispute(req, reason);
        const id = answerId(req);
        res.redirect(303, `/workbooks/${workbookId(req)}?lang=${langOf(req)}&notice=disputed&answer=${id}#exercise-${id}`);
      });
      router.use('/workbooks', pageError);
    },
  };
}

export type { WorkbookView, AnswerView } from './read.ts';
