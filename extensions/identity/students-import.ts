import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { NocoRows } from '../../nocodb/client.ts';
import type { Identity, Ory } from '../../ory/client.ts';
import { groupRow, identityTraits, importLine, type ImportLine } from '../../schemas/events/identity.ts';
import { verifiedEmails } from '../../schemas/events/kratos.ts';
import { isAppError } from '../../kernel/errors.ts';
import { inTransaction } from '../../kernel/db.ts';
import { crmLinkOf } from './contacts-store.ts';
import { ensureCrmRecords, type CrmResult } from './crm.ts';
import { traitsOfImport } from './crm-fields.ts';
import { parseCsv } from './csv.ts';
import { syncSlices, type SyncDeps } from './keto-sync.ts';
import { importProblem } from './messages.ts';
import type { NocoLinks } from '../../nocodb/links.ts';
import { dropPendingGrant, markChecked, markGranted, rememberPendingGrant, waitingGrants } from './pending-grants.ts';
import { objectSlice, rolesSlice, type Slice } from './slices.ts';

export interface ImportDeps extends SyncDeps {
  db: Pool;
  ory: Ory;
  nocodb: NocoRows;
  links: NocoLinks;
  log: Logger;
}

export interface ImportReport {
  total: number;
  done: number;
  identities: { created: number; existing: number };
  contacts: { created: number; updated: number };
  people: { created: number; updated: number };
  memberships: { added: number };
  tuples: { written: number; deleted: number };
  failed: { line: number; email?: string; problem: { ru: string; en: string } }[];
  /**
   * Lines whose e-mail is the address of an identity someone registered and has not
   * verified: nothing is given to it yet; the line waits (identity_pending_links) and is
   * imported once the address is verified.
   */
  waiting: { line: number; email: string; problem: { ru: string; en: string } }[];
  /** The lines given to their identity (now, or by an earlier run): whose each is, for a caller that grants more (billing's grant files). */
  imported: { line: number; email: string; identityId: string }[];
}

/**
 * Imports existing students from CSV (email,name,telegram_username,group[,locale,
 * jurisdiction,phone]): the Ory identity (created through the admin API, which fires no
 * after-registration hook, kratos#3033), the CRM contact and people row (as the hook would
 * make them), membership of the named NocoDB group, and the Keto tuples of every group
 * touched. Each step looks for what exists first, so a second run changes nothing. A line
 * that cannot be imported is reported and the others go on.
 *
 * Registering an address first must not earn its student's group (issue 12): an identity
 * the import did not create gets the line only once its owner has verified that address
 * (Kratos' verifiable_addresses). Until then the line waits, staff see it, and
 * reconciliation (settlePendingGrants) imports it after the verification: the school's
 * list is right about the address, so whoever proves they hold it is the student.
 */
export interface ImportOptions {
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * E-mails whose identities the caller itself made just now (the demo school, which gives
   * them passwords): their lines are given as to identities the import creates.
   */
  madeByCaller?: ReadonlySet<string>;
}

export async function importStudents(deps: ImportDeps, csv: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const { records } = parseCsv(csv);
  const report: ImportReport = {
    total: records.length, done: 0, identities: { created: 0, existing: 0 }, contacts: { created: 0, updated: 0 },
    people: { created: 0, updated: 0 }, memberships: { added: 0 }, tuples: { written: 0, deleted: 0 }, failed: [], waiting: [], imported: [],
  };
  const groups = await groupsByTitle(deps.nocodb);
  const touched: Slice[] = [];

  const importOne = async (line: number, values: Record<string, string>) => {
    const parsed = importLine.safeParse(values);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      return void report.failed.push({ line, email: values.email, problem: importProblem.invalid(details) });
    }
    const student = parsed.data;
    const groupId = student.group ? groups.get(student.group.trim().toLowerCase()) : undefined;
    if (student.group && !groupId) return void report.failed.push({ line, email: student.email, problem: importProblem.unknownGroup(student.group) });
    try {
      const { identity, created } = await findOrCreateIdentity(deps.ory, student, report);
      if (!created && !opts.madeByCaller?.has(student.email) && !(await vouchedFor(deps, identity, student.email))) {
        await rememberPendingGrant(deps.db, { identityId: identity.id, email: student.email, line: student, groupId: groupId ?? null, groupTitle: student.group ?? null });
        return void report.waiting.push({ line, email: student.email, problem: importProblem.unverified() });
      }
      const granted = await grantLine(deps, identity, student, groupId);
      count(report.contacts, granted.crm.created.contact, granted.crm.updated.contact);
      count(report.people, granted.crm.created.person, granted.crm.updated.person);
      if (granted.membershipAdded) report.memberships.added += 1;
      touched.push(...granted.slices);
      report.imported.push({ line, email: student.email, identityId: identity.id });
    } catch (e) {
      const reason = isAppError(e) ? `${e.code}: ${e.message}` : (e as Error).message;
      report.failed.push({ line, email: student.email, problem: importProblem.failed(reason) });
    }
  };

  let next = 0;
  const worker = async () => {
    for (let i = next++; i < records.length; i = next++) {
      await importOne(records[i]!.line, records[i]!.values);
      report.done += 1;
      opts.onProgress?.(report.done, report.total);
      if (report.done % 25 === 0 || report.done === report.total) {
        deps.log.info({ component: 'identity', done: report.done, total: report.total, failed: report.failed.length }, 'student import progress');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));

  const diff = await inTransaction(deps.db, (tx) => syncSlices(tx, deps, touched));
  report.tuples = { written: diff.add.length, deleted: diff.remove.length };
  report.failed.sort((a, b) => a.line - b.line);
  report.imported.sort((a, b) => a.line - b.line);
  return report;
}

/**
 * What an import line gives its identity: the CRM contact and people row (as the hook would
 * make them, with the student role), membership of the line's group, and the slices to sync.
 */
async function grantLine(deps: ImportDeps, identity: Identity, student: ImportLine, groupId: number | undefined): Promise<{ crm: CrmResult; membershipAdded: boolean; slices: Slice[] }> {
  const traits = identityTraits.parse(identity.traits);
  const crm = await inTransaction(deps.db, (tx) => ensureCrmRecords(tx, deps, {
    identityId: identity.id, traits, source: 'import', traitsAt: identity.updated_at ? new Date(identity.updated_at) : null,
    onCreate: { contact: student.phone ? { Phone: student.phone } : {}, person: { Roles: 'student' } },
  }));
  const slices: Slice[] = [rolesSlice(identity.id)];
  let membershipAdded = false;
  if (groupId) {
    const current = await deps.links.list('people', 'Groups', crm.personId, ['Id']);
    if (!current.some((g) => groupRow.parse(g).Id === groupId)) {
      await deps.nocodb.link('groups', 'Members', groupId, [crm.personId]);
      membershipAdded = true;
    }
    slices.push(objectSlice('Group', groupId));
  }
  await markGranted(deps.db, identity.id, student.email);
  return { crm, membershipAdded, slices };
}

/**
 * May the import give this existing identity a line for `email`? When its owner verified
 * that address, or when an earlier run of the import created it (its CRM rows say so:
 * nobody but the address's owner can sign in to an identity the school made).
 */
async function vouchedFor(deps: ImportDeps, identity: Identity, email: string): Promise<boolean> {
  if (verifiedEmails(identity).has(email.toLowerCase())) return true;
  return (await crmLinkOf(deps.db, identity.id))?.source === 'import';
}

/**
 * Imports the lines that waited for their address (importStudents' `waiting`) whose owner
 * has verified it since: run by reconciliation. An identity that is gone drops its line;
 * a line that fails keeps waiting with its error.
 */
export async function settlePendingGrants(deps: ImportDeps, limit = 500): Promise<{ granted: number; waiting: number }> {
  const pending = await waitingGrants(deps.db, limit);
  const touched: Slice[] = [];
  let granted = 0;
  for (const g of pending) {
    const identity = await deps.ory.identities.get(g.identityId);
    if (!identity) {
      await dropPendingGrant(deps.db, g.identityId, g.email);
      continue;
    }
    if (!verifiedEmails(identity).has(g.email)) {
      await markChecked(deps.db, g.identityId, g.email, null);
      continue;
    }
    try {
      touched.push(...(await grantLine(deps, identity, g.line, g.groupId ?? undefined)).slices);
      granted += 1;
    } catch (e) {
      const reason = isAppError(e) ? `${e.code}: ${e.message}` : (e as Error).message;
      deps.log.warn({ component: 'identity', identity: g.identityId, err: reason }, 'an imported line whose address is now verified could not be given yet');
      await markChecked(deps.db, g.identityId, g.email, reason);
    }
  }
  if (touched.length) await inTransaction(deps.db, (tx) => syncSlices(tx, deps, touched));
  if (granted) deps.log.info({ component: 'identity', granted }, 'imported lines given after their address was verified');
  return { granted, waiting: pending.length - granted };
}

async function findOrCreateIdentity(ory: Ory, student: ImportLine, report: ImportReport): Promise<{ identity: Identity; created: boolean }> {
  const existing = await ory.identities.findByEmail(student.email);
  if (existing) {
    report.identities.existing += 1;
    return { identity: existing, created: false };
  }
  try {
    const created = await ory.identities.create({ traits: traitsOfImport(student), roles: ['student'] });
    report.identities.created += 1;
    return { identity: created, created: true };
  } catch (e) {
    // Another line or a registration made it in the meantime: it is not ours.
    if (!isAppError(e) || e.code !== 'IDENTITY_EXISTS') throw e;
    const found = await ory.identities.findByEmail(student.email);
    if (!found) throw e;
    report.identities.existing += 1;
    return { identity: found, created: false };
  }
}

/** Group titles, trimmed and lower-cased; a title two groups share names neither. */
async function groupsByTitle(nocodb: NocoRows): Promise<Map<string, number>> {
  const byTitle = new Map<string, number>();
  const shared = new Set<string>();
  for (let offset = 0; ; offset += 1000) {
    const page = await nocodb.list('groups', { fields: 'Id,Title', sort: 'Id', limit: 1000, offset });
    for (const g of page.map((r) => groupRow.parse(r))) {
      const key = (g.Title ?? '').toLowerCase();
      if (!key) continue;
      if (byTitle.has(key)) shared.add(key);
      byTitle.set(key, g.Id);
    }
    if (page.length < 1000) break;
  }
  for (const key of shared) byTitle.delete(key);
  return byTitle;
}

function count(counter: { created: number; updated: number }, created: boolean, updated: boolean) {
  if (created) counter.created += 1;
  else if (updated) counter.updated += 1;
}
