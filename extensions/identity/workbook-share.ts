import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { NocoRows } from '../../nocodb/client.ts';
import type { NocoSharedViews } from '../../nocodb/shared-views.ts';
import type { Consumer } from '../../service/capability.ts';
import { nocodbRowPayload } from '../../schemas/events/identity.ts';
import type { SchoolState } from './school-state.ts';
import { forgetShare, lockShare, saveShare, shareOf } from './shares-store.ts';

/**
 * Students read their workbook in NocoDB through a shared grid view of Answers filtered to
 * that workbook (workbooks_id), protected by a password only its owner gets (through
 * GET /api/identity/workbooks/:id/share), CSV download off, the student's identity column
 * hidden. Provisioned when a workbook appears or gets an owner; a new owner gets a new
 * password; deleted with the workbook. The link is written back to workbooks.ShareUrl
 * when that column exists.
 */
export const SHARE_URL_COLUMN = 'ShareUrl';
export const viewTitle = (workbookId: number) => `workbook-${workbookId}`;
const HIDDEN_COLUMNS = ['StudentIdentity', 'Workbooks'];
const COLUMN_CHECK_MS = 5 * 60_000;

export interface ShareDeps {
  nocodb: NocoRows;
  views: NocoSharedViews;
  state: SchoolState;
  log: Logger;
}

export function workbookShareConsumer(deps: ShareDeps): Consumer {
  let urlColumn: { present: boolean; checkedAt: number } | undefined;
  const hasUrlColumn = async () => {
    if (!urlColumn || Date.now() - urlColumn.checkedAt > COLUMN_CHECK_MS) {
      urlColumn = { present: await deps.views.hasColumn('workbooks', SHARE_URL_COLUMN), checkedAt: Date.now() };
    }
    return urlColumn.present;
  };
  const writeBack = async (workbookId: number, current: unknown, url: string) => {
    if (current !== url && (await hasUrlColumn())) await deps.nocodb.update('workbooks', [{ Id: workbookId, [SHARE_URL_COLUMN]: url }]);
  };

  return {
    name: 'identity-shares',
    accepts: (topic) => /^nocodb\.workbooks\.(insert|update|delete)$/.test(topic),
    async handle(event, { tx, log }) {
      const parsed = nocodbRowPayload.safeParse(event.payload);
      if (!parsed.success) {
        log.warn({ component: 'identity', event: event.id, issues: parsed.error.issues.slice(0, 5) }, 'workbook event not valid: ignored');
        return;
      }
      const id = parsed.data.row.Id;
      await lockShare(tx, id);
      const workbook = parsed.data.operation === 'delete' ? null : await deps.state.workbook(id);
      if (!workbook) {
        if (await deps.views.remove('answers', viewTitle(id))) log.info({ component: 'identity', workbook: id }, 'workbook share removed');
        await forgetShare(tx, id);
        return;
      }
      if (!workbook.owner) return;
      const stored = await shareOf(tx, id);
      if (stored && stored.owner === workbook.owner) {
        await writeBack(id, parsed.data.row[SHARE_URL_COLUMN], stored.url);
        return;
      }
      const password = randomBytes(12).toString('base64url');
      const share = await deps.views.ensureGridShare({
        tableKey: 'answers', title: viewTitle(id), filter: { column: 'workbooks_id', value: String(id) }, hidden: HIDDEN_COLUMNS, password,
      });
      await saveShare(tx, { workbookId: id, viewId: share.viewId, uuid: share.uuid, url: share.url, password, owner: workbook.owner });
      await writeBack(id, parsed.data.row[SHARE_URL_COLUMN], share.url);
      log.info({ component: 'identity', workbook: id, view: share.viewId }, stored ? 'workbook share handed to a new owner' : 'workbook share provisioned');
    },
  };
}
