import type { Consumer } from '../../kernel/capability.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { issuesOf } from '../../kernel/validation.ts';
import type { NocoFiles } from '../../nocodb/client.ts';
import type { NocoLinks } from '../../nocodb/links.ts';
import { grantFileRow, grantFiles } from '../../schemas/nocodb/billing-grant-files.ts';
import { nocodbRowPayload } from '../../schemas/events/identity.ts';
import { localDay } from './days.ts';
import { takeGrantFile, type PeopleImport } from './grant-files.ts';

export const GRANT_FILE_TOPICS: readonly string[] = (grantFiles.hooks ?? []).map((op) => `nocodb.${grantFiles.key}.${op}`);

/**
 * Staff's Grant files rows: each change taken in (grant-files.ts takeGrantFile) in the
 * worker's transaction. It reads NocoDB (the row's plan link, the file) while that is open,
 * so it runs on the pool for outside calls. The grants themselves are made by the run loop.
 */
export function grantFilesConsumer(deps: { links: NocoLinks; files: NocoFiles; people: PeopleImport; clock: () => Date; timeZone: string }): Consumer {
  return {
    name: 'billing.grant_files',
    topics: GRANT_FILE_TOPICS,
    callsOut: true,
    async handle(event, { tx, log }) {
      const payload = nocodbRowPayload.safeParse(event.payload);
      if (!payload.success) throw new InvalidPayload(issuesOf(payload.error), 'NocoDB row event is not valid');
      if (payload.data.operation === 'delete') return;
      const parsed = grantFileRow.safeParse(payload.data.row);
      if (!parsed.success) throw new InvalidPayload(issuesOf(parsed.error), 'Grant files row is not valid');
      const row = parsed.data;
      const planIds = (await deps.links.list('grant_files', 'Plan', row.Id, ['Id'])).map((p) => Number(p.Id));
      const taken = await takeGrantFile(tx, { files: deps.files, people: deps.people, today: localDay(deps.clock(), deps.timeZone) }, row, planIds);
      log.info({ component: 'billing', grantFile: row.Id, taken }, 'grant file row taken');
    },
  };
}
