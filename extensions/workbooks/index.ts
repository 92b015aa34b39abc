import type { ErrorRequestHandler, Request, Router } from 'express';
import type { NocoRows } from '../../nocodb/client.ts';
import type { Capability, Guard } from '../../kernel/capability.ts';
import { isAppError, notFound } from '../../kernel/errors.ts';
import { pickLang } from './messages.ts';
import { errorPage, workbookPage } from './page.tsx';
import { readWorkbook } from './read.ts';

/**
 * Workbooks (issue 10): a student's own place. The page /workbooks/<id> and the JSON
 * /api/workbooks/<id> share one read (read.ts) and one guard: the person's Kratos session,
 * then Keto's Workbook#view (owner, the group's mentors, staff). NocoDB's shared views are
 * not used: they are no isolation boundary (extensions/identity/workbook-link.ts).
 * The only file other folders import.
 */
export interface WorkbooksDeps {
  nocodb: NocoRows;
  guard: Guard;
  /** Where a visitor signs in (Kratos' browser login), given the page to come back to. */
  signInUrl: (returnTo: string) => string;
  publicUrl: string;
}

const workbookId = (req: Request): number => {
  const raw = String(req.params.id ?? '');
  if (!/^[1-9]\d{0,8}$/.test(raw)) throw notFound('WORKBOOK_NOT_FOUND', `no workbook ${raw.slice(0, 40)}`);
  return Number(raw);
};
const langOf = (req: Request) => pickLang(req.query.lang, req.get('accept-language'));

export function register(deps: WorkbooksDeps): Capability {
  const mayView = deps.guard('view', (req) => `Workbook:workbook-${workbookId(req)}`);
  const pageError: ErrorRequestHandler = (err, req, res, next) => {
    if (!isAppError(err) || err.status >= 500) return next(err);
    res.status(err.status).type('html').send(errorPage(err.status, langOf(req), deps.signInUrl(`${deps.publicUrl}${req.originalUrl}`)));
  };
  return {
    name: 'workbooks',
    routes(router: Router) {
      router.get('/:id', mayView, async (req, res) => {
        res.json({ workbook: await readWorkbook(deps.nocodb, workbookId(req)) });
      });
    },
    pages(router: Router) {
      router.get('/workbooks/:id', mayView, async (req, res) => {
        res.type('html').send(workbookPage(await readWorkbook(deps.nocodb, workbookId(req)), langOf(req)));
      });
      router.use('/workbooks', pageError);
    },
  };
}

export type { WorkbookView, AnswerView } from './read.ts';
