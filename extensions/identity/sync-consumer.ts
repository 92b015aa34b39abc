import type { PoolClient } from 'pg';
import type { Consumer } from '../../kernel/capability.ts';
import { nocodbRowPayload, type NocodbRowPayload } from '../../schemas/events/identity.ts';
import { syncSlices, type SyncDeps } from './keto-sync.ts';
import { groupObject, type RowNamespace } from './objects.ts';
import type { SchoolState } from './school-state.ts';
import { objectSlice, rolesSlice, rowIdOf, type Slice } from './slices.ts';
import { lockTupleWrites, mirroredObjectsOf } from './tuple-mirror.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { personRow } from '../../schemas/events/identity.ts';
import { revertRoleEdit, type RoleGuardDeps } from './role-guard.ts';
import { issuesOf } from '../../kernel/validation.ts';

/** The NocoDB tables whose changes move permissions. */
export const SYNC_TABLES = ['groups', 'mentors', 'workbooks', 'people'] as const;
const TOPICS = SYNC_TABLES.flatMap((t) => (['insert', 'update', 'delete'] as const).map((op) => `nocodb.${t}.${op}`));

/**
 * NocoDB -> Keto: a row change names the slices it may have moved (slicesFor), and each
 * is recomputed from NocoDB's current state. The payload only says which row changed: a
 * webhook and a sweep of the same change, or two webhooks in the wrong order, end the same.
 */
export function ketoSyncConsumer(deps: SyncDeps & RoleGuardDeps): Consumer {
  return {
    name: 'identity-keto',
    callsOut: true,
    topics: TOPICS,
    async handle(event, { tx, log }) {
      const parsed = nocodbRowPayload.safeParse(event.payload);
      if (!parsed.success) throw new InvalidPayload(issuesOf(parsed.error), 'NocoDB row event is not valid');
      await lockTupleWrites(tx);
      await syncSlices(tx, deps, await slicesFor(tx, deps.state, parsed.data));
      if (parsed.data.table === 'people' && parsed.data.operation !== 'delete') {
        const row = personRow.safeParse(parsed.data.row);
        if (row.success) await revertRoleEdit(deps, { ...row.data, by: parsed.data.row.nc_updated_by ?? parsed.data.row.UpdatedBy });
      }
    },
  };
}

/**
 * The slices a row change may move: for mentors, people and groups, where the links are now
 * and where the mirror says they were. A link change moves the UpdatedAt of both rows of an
 * mm link but only of the parent of an hm link, so the sweep (hooks/nocodb-sweep.ts) brings it
 * here as an update of one of them; reconciliation catches whatever is left.
 */
export async function slicesFor(tx: PoolClient, state: SchoolState, change: NocodbRowPayload): Promise<Slice[]> {
  const id = change.row.Id;
  const gone = change.operation === 'delete';
  const identities = [...new Set([change.row.IdentityId, change.previous?.IdentityId].filter((v): v is string => typeof v === 'string' && v !== ''))];
  const mirrored = async (namespace: RowNamespace, relation: string, subjects: string[]) =>
    (await mirroredObjectsOf(tx, namespace, relation, subjects)).map(rowIdOf).filter((n): n is number => n !== null).map((n) => objectSlice(namespace, n));
  const previously = (namespace: RowNamespace, relation: string) => mirrored(namespace, relation, identities);

  switch (change.table) {
    case 'groups':
      // Linking a workbook from the group's side moves only the group's UpdatedAt (hm link).
      return [
        objectSlice('Group', id),
        ...(gone ? [] : (await state.workbooksOfGroup(id)).map((w) => objectSlice('Workbook', w))),
        ...(await mirrored('Workbook', 'parents', [`Group:${groupObject(id)}#`])),
      ];
    case 'workbooks':
      return [objectSlice('Workbook', id)];
    case 'mentors':
      return [
        ...(gone ? [] : (await state.groupsOfMentor(id)).map((g) => objectSlice('Group', g))),
        ...(await previously('Group', 'mentors')),
      ];
    case 'people':
      return [
        ...identities.map(rolesSlice),
        ...(gone ? [] : (await state.groupsOfPerson(id)).map((g) => objectSlice('Group', g))),
        ...(await previously('Group', 'members')),
        // Picking the person in a Mentors row moves only this row's UpdatedAt (hm link).
        ...(gone ? [] : (await state.groupsMentoredBy(id)).map((g) => objectSlice('Group', g))),
        ...(await previously('Group', 'mentors')),
        ...(gone ? [] : (await state.workbooksOfPerson(id)).map((w) => objectSlice('Workbook', w))),
        ...(await previously('Workbook', 'owners')),
      ];
    default:
      return [];
  }
}
