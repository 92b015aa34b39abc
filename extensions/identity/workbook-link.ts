import type { Logger } from 'pino';
import type { NocoRows } from '../../nocodb/client.ts';
import type { NocoSharedViews } from '../../nocodb/shared-views.ts';
import type { Consumer } from '../../kernel/capability.ts';
import { nocodbRowPayload } from '../../schemas/events/identity.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { issuesOf } from '../../kernel/validation.ts';

/**
 * A student opens their workbook on the service's own page (/workbooks/<id>), signed in with
 * their Kratos session and checked in Keto (Workbook#view). NocoDB's shared views are not
 * used for it: their public relation routes (/api/v2/public/shared-view/<uuid>/rows/<id>/hm/<column>)
 * list related rows without the view's filter, so one student's link read every student's
 * answers (FIELD-NOTES, "Shared views are not an isolation boundary").
 *
 * This consumer writes the page's address to Workbooks.ShareUrl and deletes any shared view
 * an earlier version made for the workbook (`workbook-<id>` on Answers); revokeWorkbookViews
 * deletes all of them at start, so links handed out before stop working at once.
 */
export const SHARE_URL_COLUMN = 'ShareUrl';
const LEGACY_VIEW = /^workbook-\d+$/;
const legacyViewTitle = (workbookId: number) => `workbook-${workbookId}`;

export interface WorkbookLinkDeps {
  nocodb: NocoRows;
  views: NocoSharedViews;
  log: Logger;
  /** The workbook's page: `${PUBLIC_URL}/workbooks/<id>`. */
  pageUrl: (workbookId: number) => string;
}

export function workbookLinkConsumer(deps: WorkbookLinkDeps): Consumer {
  return {
    name: 'identity-shares',
    callsOut: true,
    topics: ['nocodb.workbooks.insert', 'nocodb.workbooks.update', 'nocodb.workbooks.delete'],
    async handle(event, { log }) {
      const parsed = nocodbRowPayload.safeParse(event.payload);
      if (!parsed.success) throw new InvalidPayload(issuesOf(parsed.error), 'workbook event is not valid');
      const id = parsed.data.row.Id;
      if (await deps.views.remove('answers', legacyViewTitle(id))) log.info({ component: 'identity', workbook: id }, 'shared NocoDB view of a workbook deleted');
      if (parsed.data.operation === 'delete') return;
      const url = deps.pageUrl(id);
      if (parsed.data.row[SHARE_URL_COLUMN] !== url) await deps.nocodb.update('workbooks', [{ Id: id, [SHARE_URL_COLUMN]: url }]);
    },
  };
}

/** Deletes every shared workbook view of Answers that an earlier version created. */
export async function revokeWorkbookViews(deps: Pick<WorkbookLinkDeps, 'views' | 'log'>): Promise<number> {
  const removed = await deps.views.removeMatching('answers', LEGACY_VIEW);
  if (removed.length) deps.log.warn({ component: 'identity', views: removed.length }, 'deleted the shared NocoDB views of workbooks: students open /workbooks/<id> instead');
  return removed.length;
}

/**
 * A base made before issue 15 kept a workbook's owner as an identity id typed into a
 * StudentIdentity column. The student is now the People link (Студент) and that column is no
 * longer declared (provisioning reports it, never drops it): each workbook with a typed id
 * and no student picked gets the person with that id picked, once, so no owner is lost. On a
 * base without the column NocoDB refuses the query, and there is nothing to do.
 */
export async function adoptTypedOwners(deps: Pick<WorkbookLinkDeps, 'nocodb' | 'log'>): Promise<number> {
  let rows;
  try {
    // NocoDB cannot filter a foreign key by blank (PostgreSQL 22P02): the picked ones are skipped below.
    rows = await deps.nocodb.list('workbooks', { where: '(StudentIdentity,notblank)', fields: 'Id,StudentIdentity,people_id' });
  } catch (e) {
    const status = (e as { response?: { status?: number } }).response?.status;
    if (status === 400 || status === 404 || status === 422) return 0;
    throw e;
  }
  let adopted = 0;
  for (const row of rows) {
    if (row.people_id !== null && row.people_id !== undefined) continue;
    const identity = typeof row.StudentIdentity === 'string' ? row.StudentIdentity.trim() : '';
    if (!/^[0-9a-f-]{36}$/i.test(identity)) continue;
    const [person] = await deps.nocodb.list('people', { where: `(IdentityId,eq,${identity})`, fields: 'Id', limit: 1 });
    if (!person) continue;
    await deps.nocodb.link('people', 'Workbooks', person.Id, [row.Id]);
    adopted++;
  }
  if (adopted) deps.log.info({ component: 'identity', adopted }, 'workbooks with a typed StudentIdentity now have their student picked (People)');
  return adopted;
}
