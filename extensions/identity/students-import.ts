import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { NocoRows } from '../../nocodb/client.ts';
import type { Identity, Ory } from '../../ory/client.ts';
import { groupRow, identityTraits, importLine, type ImportLine } from '../../schemas/events/identity.ts';
import { isAppError } from '../../kernel/errors.ts';
import { inTransaction } from '../../kernel/db.ts';
import { ensureCrmRecords } from './crm.ts';
import { traitsOfImport } from './crm-fields.ts';
import { parseCsv } from './csv.ts';
import { syncSlices, type SyncDeps } from './keto-sync.ts';
import { importProblem } from './messages.ts';
import type { NocoLinks } from './nocodb-links.ts';
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
}

/**
 * Imports existing students from CSV (email,name,telegram_username,group[,locale,
 * jurisdiction,phone]): the Ory identity (created through the admin API, which fires no
 * after-registration hook, kratos#3033), the CRM contact and people row (as the hook would
 * make them), membership of the named NocoDB group, and the Keto tuples of every group
 * touched. Each step looks for what exists first, so a second run changes nothing. A line
 * that cannot be imported is reported and the others go on.
 */
export async function importStudents(deps: ImportDeps, csv: string, opts: { concurrency?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<ImportReport> {
  const { records } = parseCsv(csv);
  const report: ImportReport = {
    total: records.length, done: 0, identities: { created: 0, existing: 0 }, contacts: { created: 0, updated: 0 },
    people: { created: 0, updated: 0 }, memberships: { added: 0 }, tuples: { written: 0, deleted: 0 }, failed: [],
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
      const identity = await findOrCreateIdentity(deps.ory, student, report);
      const traits = identityTraits.parse(identity.traits);
      const crm = await inTransaction(deps.db, (tx) => ensureCrmRecords(tx, deps, {
        identityId: identity.id, traits, source: 'import', traitsAt: identity.updated_at ? new Date(identity.updated_at) : null,
        onCreate: { contact: student.phone ? { Phone: student.phone } : {}, person: { Roles: 'student' } },
      }));
      count(report.contacts, crm.created.contact, crm.updated.contact);
      count(report.people, crm.created.person, crm.updated.person);
      touched.push(rolesSlice(identity.id));
      if (groupId) {
        const current = await deps.links.list('people', 'Groups', crm.personId, ['Id']);
        if (!current.some((g) => groupRow.parse(g).Id === groupId)) {
          await deps.nocodb.link('groups', 'Members', groupId, [crm.personId]);
          report.memberships.added += 1;
        }
        touched.push(objectSlice('Group', groupId));
      }
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
  return report;
}

async function findOrCreateIdentity(ory: Ory, student: ImportLine, report: ImportReport): Promise<Identity> {
  const existing = await ory.identities.findByEmail(student.email);
  if (existing) {
    report.identities.existing += 1;
    return existing;
  }
  try {
    const created = await ory.identities.create({ traits: traitsOfImport(student), roles: ['student'] });
    report.identities.created += 1;
    return created;
  } catch (e) {
    // Another line or a registration made it in the meantime.
    if (!isAppError(e) || e.code !== 'IDENTITY_EXISTS') throw e;
    const found = await ory.identities.findByEmail(student.email);
    if (!found) throw e;
    report.identities.existing += 1;
    return found;
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
