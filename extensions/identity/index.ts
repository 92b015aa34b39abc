import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { NocoApi, NocoRows, TableIds } from '../../nocodb/client.ts';
import { nocoSharedViews } from '../../nocodb/shared-views.ts';
import type { Ory } from '../../ory/client.ts';
import type { Capability } from '../../kernel/capability.ts';
import { crmConsumer } from './crm-consumer.ts';
import { nocoLinks } from '../../nocodb/links.ts';
import { reconcileTuples, type ReconcileReport } from './reconcile.ts';
import { inTransaction } from '../../kernel/db.ts';
import { notFound } from '../../kernel/errors.ts';
import { ROLES, type Role } from '../../ory/client.ts';
import { personRow } from '../../schemas/events/identity.ts';
import { syncSlices } from './keto-sync.ts';
import { startBillingSync, syncBillingChanges } from './billing-sync.ts';
import { auditNocodbMembers } from './nocodb-members.ts';
import type { Loop } from '../../kernel/loop.ts';
import { GRANTED_ROLES, type GrantedRole } from './objects.ts';
import { revertRoleEdit } from './role-guard.ts';
import { rolesSlice } from './slices.ts';
import { routes } from './routes.ts';
import { schoolState } from './school-state.ts';
import { importStudents as runImport, settlePendingGrants, type ImportOptions, type ImportReport } from './students-import.ts';
import { ketoSyncConsumer } from './sync-consumer.ts';
import { adoptTypedOwners, revokeWorkbookViews, workbookLinkConsumer } from './workbook-link.ts';

/**
 * Identity (issue 3): who people are (Ory Kratos), what the school knows about them
 * (NocoDB's Contacts and People) and what they may do (Ory Keto, derived from NocoDB).
 * The only file other folders import.
 *
 * Flow: kratos.registration|settings -> crm-consumer.ts -> crm.ts (NocoDB rows by
 * IdentityId, contacts-store.ts). nocodb.groups|mentors|workbooks|subscriptions|people ->
 * sync-consumer.ts (which slices moved) -> keto-sync.ts (school-state.ts reads NocoDB,
 * desired.ts says which tuples, tuple-mirror.ts remembers what was written) -> Keto.
 * reconcile.ts repairs everything at once; students-import.ts imports a CSV (a line whose
 * e-mail an identity has not verified waits in pending-grants.ts until it is, issue 12);
 * workbook-link.ts points Workbooks.ShareUrl at the workbook's page (and deletes the
 * NocoDB shared views an earlier version made: they leaked every student's answers);
 * routes.ts is the guarded API at /api/identity. Object ids: objects.ts.
 */
export interface IdentityDeps {
  db: Pool;
  log: Logger;
  ory: Ory;
  nocodb: NocoRows;
  clock: () => Date;
  /** NocoDB calls NocoRows lacks (mm links, shared views) and the address people open NocoDB at. */
  noco: { api: NocoApi; ids: TableIds; publicUrl: string };
  /** The AI checks' staff reviewers' queue (AI_CHECK_REVIEW_GROUP): every staff member reviews it. Default `reviewers`. */
  staffReviewGroup?: string;
}

export interface IdentityCapabilityDeps extends IdentityDeps {
  /** Where a person opens a workbook: the service's page `${PUBLIC_URL}/workbooks/<id>`. */
  workbookPageUrl: (workbookId: number) => string;
}

export interface IdentityCapability extends Capability {
  reconcile(opts: { dryRun: boolean }): Promise<ReconcileReport>;
  importStudents(csv: string, opts?: ImportOptions): Promise<ImportReport>;
  /** Writes the products whose holders billing changed to Keto now (the loop does it on its own); returns how many. */
  syncBillingNow(): Promise<number>;
}

function wire(deps: IdentityDeps) {
  const log = deps.log.child({ capability: 'identity' });
  const links = nocoLinks(deps.noco.api, deps.noco.ids);
  const state = schoolState({ db: deps.db, nocodb: deps.nocodb, links, kratos: deps.ory.identities, ...(deps.staffReviewGroup ? { staffReviewGroup: deps.staffReviewGroup } : {}) });
  const views = nocoSharedViews(deps.noco.api, deps.noco.ids, deps.noco.publicUrl);
  return { ...deps, log, links, state, views };
}

export function register(deps: IdentityCapabilityDeps): IdentityCapability {
  const w = { ...wire(deps), workbookPageUrl: deps.workbookPageUrl };
  const doReconcile = (opts: { dryRun: boolean }) => reconcileAll(w, opts);
  let billingSync: Loop | undefined;
  return {
    name: 'identity',
    consumers: [crmConsumer(w), ketoSyncConsumer(w), workbookLinkConsumer({ ...w, pageUrl: w.workbookPageUrl })],
    routes: (router) => routes(router, { db: w.db, ory: w.ory, nocodb: w.nocodb, reconcile: doReconcile, workbookPageUrl: w.workbookPageUrl, grantRoles: (id, roles, by) => grantRoles(w, id, roles, by) }),
    async start() {
      await revokeWorkbookViews(w).catch((e) => w.log.warn({ err: (e as Error).message }, 'could not delete the old shared workbook views yet; each goes with its workbook\'s next change'));
      await adoptTypedOwners(w).catch((e) => w.log.warn({ err: (e as Error).message }, 'could not pick the students of workbooks with a typed StudentIdentity yet; next start'));
      // A second start (a test, a restart of the capability) keeps the one loop it has.
      billingSync ??= await startBillingSync(w);
    },
    async stop() {
      await billingSync?.stop();
      billingSync = undefined;
    },
    syncBillingNow: async () => (await syncBillingChanges(w)).products,
    reconcile: doReconcile,
    importStudents: (csv, opts) => runImport(w, csv, opts),
  };
}

/**
 * An admin gives a person privileged roles: written to Kratos' metadata_admin (their other
 * roles kept), then the person's Keto roles and their People.Roles follow at once.
 */
async function grantRoles(w: ReturnType<typeof wire>, identityId: string, roles: GrantedRole[], by: string): Promise<{ roles: GrantedRole[] }> {
  const current = await w.ory.identities.get(identityId);
  if (!current) throw notFound('IDENTITY_NOT_FOUND', 'no such identity');
  const others = (Array.isArray((current.metadata_admin as { roles?: unknown } | null)?.roles) ? (current.metadata_admin as { roles: unknown[] }).roles : [])
    .filter((r): r is Role => typeof r === 'string' && (ROLES as readonly string[]).includes(r) && !(GRANTED_ROLES as readonly string[]).includes(r));
  const granted = [...new Set(roles)].sort();
  await w.ory.identities.setRoles(identityId, [...others, ...granted]);
  await inTransaction(w.db, (tx) => syncSlices(tx, w, [rolesSlice(identityId)]));
  const people = await w.nocodb.list('people', { where: `(IdentityId,eq,${identityId})`, fields: 'Id,IdentityId,Roles' });
  for (const p of people) {
    const row = personRow.parse(p);
    await revertRoleEdit(w, row, granted).catch(() => false);
  }
  w.log.info({ component: 'identity', identity: identityId, roles: granted, by }, 'privileged roles granted in Kratos');
  return { roles: granted };
}

/**
 * Gives the import lines whose address was verified since (Kratos calls no hook then), then
 * compares NocoDB with Keto and repairs the drift; a dry run only reports the drift.
 */
async function reconcileAll(w: ReturnType<typeof wire>, opts: { dryRun: boolean }): Promise<ReconcileReport> {
  const pendingImports = opts.dryRun ? undefined : await settlePendingGrants(w);
  const report = await reconcileTuples(w, opts);
  // NocoDB is for staff: a member who is not staff or admin in Kratos is set to no-access.
  const nocodbMembers = opts.dryRun || !w.noco.ids.baseId ? undefined
    : await auditNocodbMembers({ api: w.noco.api, ory: w.ory, log: w.log }, w.noco.ids.baseId)
      .catch((e: Error) => { w.log.warn({ component: 'identity', err: e.message }, 'could not read the School base\'s members in NocoDB'); return undefined; });
  return { ...report, ...(pendingImports ? { pendingImports } : {}), ...(nocodbMembers ? { nocodbMembers } : {}) };
}

/** Compares NocoDB with Keto and repairs the drift (or only reports it): run it periodically. */
export function reconcile(deps: IdentityDeps, opts: { dryRun: boolean }): Promise<ReconcileReport> {
  return reconcileAll(wire(deps), opts);
}

/** The CSV import of existing students (scripts/import-students.ts). */
export function importStudents(deps: IdentityDeps, csv: string, opts?: Parameters<IdentityCapability['importStudents']>[1]): Promise<ImportReport> {
  return runImport(wire(deps), csv, opts);
}

export type { ReconcileReport } from './reconcile.ts';
export type { ImportOptions, ImportReport } from './students-import.ts';
// The import's own CSV reader, for a caller that hands it lines in parts (billing's grant files).
export { parseCsv, type CsvRecord } from './csv.ts';
export { groupObject, workbookObject, subscriptionObject } from './objects.ts';
export { SHARE_URL_COLUMN } from './workbook-link.ts';
export { peopleDirectory, type PersonCard } from './people-directory.ts';
