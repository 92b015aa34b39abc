import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Ory } from '../../ory/client.ts';
import type { RelationTuple } from '../../ory/opl/tuples.ts';
import { inTransaction } from '../../kernel/db.ts';
import { utcDay } from './desired.ts';
import { diffTuples, isOwnedObject, MANAGED_NAMESPACES, showTuple, tupleKey } from './objects.ts';
import type { SchoolState } from './school-state.ts';
import { writeToKeto } from './keto-sync.ts';
import { revertRoleEdit } from './role-guard.ts';
import type { GrantedRole } from './objects.ts';
import type { NocoRows } from '../../nocodb/client.ts';
import { applyToMirror, lockTupleWrites, mirroredAll } from './tuple-mirror.ts';

export interface ReconcileDeps {
  db: Pool;
  ory: Pick<Ory, 'keto' | 'identities'>;
  nocodb: NocoRows;
  state: SchoolState;
  clock: () => Date;
  log: Logger;
}

export interface ReconcileReport {
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  /** Rows read from NocoDB, per table. */
  nocodb: Record<string, number>;
  desired: number;
  /** Tuples in Keto on objects this capability manages. */
  managedInKeto: number;
  /** In NocoDB's state, absent from Keto (Keto notation). */
  missing: string[];
  /** In Keto on a managed object, not justified by NocoDB. */
  extra: string[];
  /** What the run changed; null for a dry run. */
  repaired: { written: number; deleted: number } | null;
  /** People rows whose Roles named privileged roles Kratos does not give (or left out ones it does): written back. */
  rolesWrittenBack: number;
  /** Members of the School base in NocoDB: staff kept, everyone else set to no-access (real runs only). */
  nocodbMembers?: import('./nocodb-members.ts').MembersAudit;
  /** Import lines that waited for their address to be verified: given now, still waiting (not looked at in a dry run). */
  pendingImports?: { granted: number; waiting: number };
}

const PAGE = 1000;

/**
 * Compares everything NocoDB justifies with Keto and repairs the difference: catches link
 * changes that fired no webhook, lost webhooks, subscriptions that expired without an
 * edit, and Keto edited by hand. Managed tuples are those on this capability's own
 * objects (objects.ts) and, on shared objects, those it wrote (its mirror). Holds the
 * tuple-write lock throughout, so no consumer writes an older state in between.
 */
export async function reconcileTuples(deps: ReconcileDeps, opts: { dryRun: boolean }): Promise<ReconcileReport> {
  const startedAt = deps.clock();
  return inTransaction(deps.db, async (tx) => {
    await lockTupleWrites(tx);
    const { tuples: desired, counts, people } = await deps.state.everything(utcDay(startedAt));
    const mirror = await mirroredAll(tx);
    const mirrored = new Set(mirror.map(tupleKey));
    const inKeto = (await listKeto(deps.ory)).filter((t) => isOwnedObject(t) || mirrored.has(tupleKey(t)));
    const { add: missing, remove: extra } = diffTuples(desired, inKeto);

    let repaired: ReconcileReport['repaired'] = null;
    if (!opts.dryRun) {
      await writeToKeto(deps.ory, { add: missing, remove: extra });
      await applyToMirror(tx, diffTuples(desired, mirror));
      repaired = { written: missing.length, deleted: extra.length };
    }
    let rolesWrittenBack = 0;
    if (!opts.dryRun) {
      for (const row of people.people) {
        const known = (row.IdentityId ? people.rolesOf.get(row.IdentityId) ?? [] : []) as GrantedRole[];
        if (await revertRoleEdit({ nocodb: deps.nocodb, ory: deps.ory, log: deps.log }, row, known)) rolesWrittenBack++;
      }
    }
    const report: ReconcileReport = {
      dryRun: opts.dryRun, startedAt: startedAt.toISOString(), finishedAt: deps.clock().toISOString(), nocodb: counts,
      desired: new Set(desired.map(tupleKey)).size, managedInKeto: inKeto.length,
      missing: missing.map(showTuple).sort(), extra: extra.map(showTuple).sort(), repaired, rolesWrittenBack,
    };
    const level = missing.length || extra.length ? 'warn' : 'info';
    deps.log[level]({ component: 'identity', dryRun: opts.dryRun, missing: missing.length, extra: extra.length }, 'permissions reconciled with NocoDB');
    return report;
  });
}

async function listKeto(ory: Pick<Ory, 'keto'>): Promise<RelationTuple[]> {
  const all: RelationTuple[] = [];
  for (const namespace of MANAGED_NAMESPACES) {
    let pageToken: string | undefined;
    do {
      const page = await ory.keto.list({ namespace, pageSize: PAGE, ...(pageToken ? { pageToken } : {}) });
      all.push(...page.tuples);
      pageToken = page.nextPageToken;
    } while (pageToken);
  }
  return all;
}
