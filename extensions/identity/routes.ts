import express, { type Request, type Response, type Router } from 'express';
import { z as zod } from 'zod';
import type { Pool } from 'pg';
import type { z } from 'zod';
import type { NocoRows } from '../../nocodb/client.ts';
import type { Ory } from '../../ory/client.ts';
import { requirePermission, requireSession } from '../../ory/guard.ts';
import { reconcileQuery, rowIdParam } from '../../schemas/events/identity.ts';
import { AppError, badRequest, notFound } from '../../kernel/errors.ts';
import { crmLinkOf } from './contacts-store.ts';
import { pickLang, text, type MessageKey } from './messages.ts';
import { GRANTED_ROLES, groupObject, subscriptionObject, workbookObject, type GrantedRole } from './objects.ts';

const rolesParams = zod.object({ identityId: zod.uuid() });
const rolesBody = zod.object({ roles: zod.array(zod.enum(GRANTED_ROLES)).max(GRANTED_ROLES.length) });
import type { ReconcileReport } from './reconcile.ts';
import { rolesSlice } from './slices.ts';
import { mirroredSlice } from './tuple-mirror.ts';
import { issuesOf } from '../../kernel/validation.ts';

export interface RoutesDeps {
  db: Pool;
  ory: Ory;
  nocodb: NocoRows;
  reconcile: (opts: { dryRun: boolean }) => Promise<ReconcileReport>;
  workbookPageUrl: (workbookId: number) => string;
  /** An admin grants privileged roles: Kratos first, then Keto and People.Roles at once. */
  grantRoles: (identityId: string, roles: GrantedRole[], by: string) => Promise<{ roles: GrantedRole[] }>;
}

/**
 * The service's API guarded by Ory, mounted at /api/identity. Every route but /me checks
 * one Keto permission on the object the URL names (`Workbook:workbook-<id>`, ...); the
 * handlers are thin: the NocoDB row, or 204.
 *
 *   GET  /me                        signed in
 *   GET  /workbooks/:id             Workbook#view     (owner, the group's mentors, staff)
 *   POST /workbooks/:id/review      Workbook#review   (the group's mentors)
 *   GET  /workbooks/:id/share       Workbook#edit     (the owner: the address of the workbook's page)
 *   GET  /groups/:id                Group#view        (members, mentors, staff)
 *   GET  /products/:id              Subscription#holders (who holds the product today, billing says)
 *   GET  /contacts/:id              Contact:crm#view  (staff)
 *   POST /reconcile?dry_run=true    Report:operations#view (staff)
 *   PUT  /people/:identityId/roles  Role:admin#members (admins): the privileged roles, in Kratos
 */
export function routes(router: Router, deps: RoutesDeps): void {
  const session = requireSession(deps.ory);
  const idOf = (req: Request) => parse(rowIdParam, req.params, 'invalidId', req).id;
  const may = (namespace: string, relation: string, object: (id: number) => string) =>
    requirePermission(deps.ory, { namespace, relation, object: (req) => object(idOf(req)) });
  const staff = requirePermission(deps.ory, { namespace: 'Report', relation: 'view', object: () => 'operations' });
  const row = (table: string) => async (req: Request, res: Response) => {
    res.json(await readRow(deps.nocodb, table, idOf(req), req));
  };

  router.get('/me', session, async (req: Request, res: Response) => {
    const identity = req.identity!;
    const [link, roles] = await Promise.all([crmLinkOf(deps.db, identity.id), mirroredSlice(deps.db, rolesSlice(identity.id))]);
    res.json({
      identity: { id: identity.id, traits: identity.traits },
      contactId: link?.contactId ?? null,
      personId: link?.personId ?? null,
      roles: roles.filter((t) => t.namespace === 'Role').map((t) => t.object).sort(),
    });
  });

  router.get('/workbooks/:id', session, may('Workbook', 'view', workbookObject), row('workbooks'));
  router.post('/workbooks/:id/review', session, may('Workbook', 'review', workbookObject), (_req: Request, res: Response) => {
    res.status(204).end();
  });
  router.get('/workbooks/:id/share', session, may('Workbook', 'edit', workbookObject), async (req: Request, res: Response) => {
    res.json({ url: deps.workbookPageUrl(idOf(req)), howTo: text('shareHowTo', langOf(req)) });
  });
  router.get('/groups/:id', session, may('Group', 'view', groupObject), row('groups'));
  router.get('/products/:id', session, may('Subscription', 'holders', subscriptionObject), row('products'));
  router.get('/contacts/:id', session, may('Contact', 'view', () => 'crm'), row('contacts'));

  const admin = requirePermission(deps.ory, { namespace: 'Role', relation: 'members', object: () => 'admin' });
  router.put('/people/:identityId/roles', session, admin, express.json({ limit: '4kb' }), async (req: Request, res: Response) => {
    const params = rolesParams.safeParse(req.params);
    if (!params.success) throw notFound('IDENTITY_NOT_FOUND', 'no such identity');
    const body = rolesBody.safeParse(req.body);
    if (!body.success) throw badRequest('REQUEST_INVALID', 'the body must be {"roles": [...]} of staff, admin, ambassador', issuesOf(body.error));
    res.json(await deps.grantRoles(params.data.identityId, body.data.roles, req.identity!.id));
  });

  router.post('/reconcile', session, staff, async (req: Request, res: Response) => {
    const { dry_run } = parse(reconcileQuery, req.query, 'invalidQuery', req);
    res.json(await deps.reconcile({ dryRun: dry_run }));
  });
}

const langOf = (req: Request) => pickLang(req.query.lang, req.get('accept-language'));

function parse<S extends z.ZodType>(schema: S, value: unknown, message: MessageKey, req: Request): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw badRequest('IDENTITY_REQUEST_INVALID', text(message, langOf(req)), issuesOf(r.error));
  return r.data;
}

async function readRow(nocodb: NocoRows, table: string, id: number, req: Request) {
  try {
    return await nocodb.get(table, id);
  } catch (e) {
    if ((e as { response?: { status?: number } }).response?.status === 404) throw notFound('NOT_FOUND', text('notFound', langOf(req)));
    throw e;
  }
}
