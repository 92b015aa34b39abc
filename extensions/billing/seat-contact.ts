import type { Pool } from 'pg';
import { inTransaction } from '../../kernel/db.ts';
import { badRequest, conflict, forbidden } from '../../kernel/errors.ts';
import type { NocoRows } from '../../nocodb/client.ts';
import type { NocoLinks } from '../../nocodb/links.ts';
import { seatAssignmentRow } from '../../schemas/nocodb/billing-seats.ts';
import type { PeopleImport } from './grant-files.ts';
import { applyAssignmentNow } from './seats-consumer.ts';
import type { SeatResult } from './seats.ts';

/**
 * The organisation's contact (Seat packs.Contact, an e-mail staff write) gives and frees the
 * pack's seats themselves, once Kratos has that e-mail verified for them. Each of their acts
 * is a Seat assignments row in NocoDB (staff see it as theirs) applied at once by the path
 * staff's rows take (applyAssignmentNow: the pack's lock, never more holders than seats);
 * its webhook later finds it applied. A person is found by e-mail through identity's student
 * import, which makes the account when the address is new (its owner sets a password by
 * recovery); an address someone registered and has not verified is refused, as the import
 * does (issue 12: registering an address first earns nothing).
 */
export interface SeatContactDeps { db: Pool; nocodb: NocoRows; links: NocoLinks; people: PeopleImport; clock: () => Date; today: () => string }

export async function packsOfContact(db: Pool, emails: Set<string>) {
  const { rows } = await db.query(
    `select v.pack_row as id, v.organisation, v.plan, v.product, v.kind, v.seats, v.taken, v.free, to_char(v.starts_on, 'YYYY-MM-DD') as starts_on,
       to_char(v.ends_on, 'YYYY-MM-DD') as ends_on, v.state, p.contact
     from billing_seat_packs v join billing_seat_pack p on p.id = v.pack_row where p.contact = any($1::text[]) and not p.deleted order by v.pack_row`, [[...emails]]);
  return rows;
}

/** The pack, if `emails` holds its contact; 403 for every other pack (another organisation's, or none). */
export async function contactPack(db: Pool, packId: number, emails: Set<string>) {
  const pack = (await packsOfContact(db, emails)).find((p) => p.id === packId);
  if (!pack) throw forbidden('PERMISSION_DENIED', 'you are not the contact of this seat pack (or your e-mail is not verified)');
  return pack;
}

export async function seatsOfPack(db: Pool, packId: number) {
  const { rows } = await db.query(
    `select a.row_id as assignment, a.email, a.person_id, a.holds, a.outcome, a.freed_reason, to_char(s.ends_on, 'YYYY-MM-DD') as ends_on
     from billing_seat_assignment a left join billing_subscription s on s.id = a.subscription_id
     where a.pack_id = $1 and not a.deleted and (a.holds or a.email is not null) order by a.holds desc, a.row_id`, [packId]);
  return rows;
}

const refusedWith = (result: SeatResult) => conflict('SEAT_REFUSED', result.outcome.replace(/^refused: /, ''), { outcome: result.outcome });

// NocoDB's times have one-second resolution: the row's last edit must be later than its insert
// (whose webhook carries no links), or that late webhook would look as new as the edit.
async function nextSecond(since: string | null | undefined): Promise<void> {
  const at = since ? Date.parse(since.replace(' ', 'T')) : Date.now();
  const wait = Math.floor(at / 1000) * 1000 + 1000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait + 20));
}

async function applyNow(deps: SeatContactDeps, rowId: number): Promise<SeatResult> {
  const row = (await deps.nocodb.list('seat_assignments', { where: `(Id,eq,${rowId})`, limit: 1 }))[0];
  if (!row) throw new Error(`seat assignment ${rowId} is not in NocoDB`);
  const assignment = seatAssignmentRow.parse(row);
  const result = await inTransaction(deps.db, (tx) => applyAssignmentNow(tx, deps, 'update', assignment, deps.today(), deps.clock()));
  if (result.outcome !== 'unchanged') return result;
  // The row's own webhook got there first and applied it: what it came to is the answer.
  const stored = (await deps.db.query<{ outcome: SeatResult['outcome']; holds: boolean; subscription_id: string | null }>(
    'select outcome, holds, subscription_id from billing_seat_assignment where row_id = $1', [rowId])).rows[0];
  return stored ? { outcome: stored.outcome, holds: stored.holds, subscriptionId: stored.subscription_id === null ? null : Number(stored.subscription_id) } : result;
}

export async function assignByContact(deps: SeatContactDeps, a: { packId: number; email: string; contact: string }): Promise<{ assignment: number; result: SeatResult }> {
  const email = a.email.trim().toLowerCase();
  // A full pack makes nobody an account (the seat itself is counted under the pack's lock below).
  const full = (await deps.db.query<{ taken: number; seats: number }>('select taken, seats from billing_seat_packs where pack_row = $1 and taken >= seats', [a.packId])).rows[0];
  if (full) throw conflict('SEAT_REFUSED', `no free seat (${full.taken} of ${full.seats} taken)`);
  const report = await deps.people.importCsv(`email\n${email}`);
  const problem = report.failed[0] ?? report.waiting[0];
  if (problem) throw conflict('SEAT_REFUSED', problem.problem.en, { problem: problem.problem });
  const identityId = report.imported[0]?.identityId;
  if (!identityId) throw badRequest('REQUEST_INVALID', 'no person for this e-mail');
  const person = (await deps.nocodb.list('people', { where: `(IdentityId,eq,${identityId})`, fields: 'Id', limit: 1 }))[0];
  if (!person) throw conflict('SEAT_REFUSED', 'the person has no People row yet: try again in a minute');

  const [created] = await deps.nocodb.insert('seat_assignments', [{ Note: email }]);
  await deps.nocodb.link('seat_packs', 'Seat assignments', a.packId, [created!.Id]);
  await deps.nocodb.link('people', 'Seat assignments', person.Id, [created!.Id]);
  const inserted = (await deps.nocodb.list('seat_assignments', { where: `(Id,eq,${created!.Id})`, fields: 'Id,CreatedAt', limit: 1 }))[0];
  await nextSecond(inserted?.CreatedAt as string | undefined);
  await deps.nocodb.update('seat_assignments', [{ Id: created!.Id, Note: `${email} (given by ${a.contact})` }]);
  const result = await applyNow(deps, created!.Id);
  await deps.db.query('update billing_seat_assignment set email = $2 where row_id = $1', [created!.Id, email]);
  if (result.outcome.startsWith('refused')) {
    // Not given: the row says so, and is not tried again when someone edits it later.
    await nextSecond(null);
    await deps.nocodb.update('seat_assignments', [{ Id: created!.Id, Freed: true, FreedReason: `not given: ${result.outcome.replace(/^refused: /, '')}` }]);
    await applyNow(deps, created!.Id);
    throw refusedWith(result);
  }
  return { assignment: created!.Id, result };
}

export async function freeByContact(deps: SeatContactDeps, f: { packId: number; assignment: number; reason: string; contact: string }): Promise<SeatResult> {
  const held = await deps.db.query('select 1 from billing_seat_assignment where row_id = $1 and pack_id = $2 and holds', [f.assignment, f.packId]);
  if (!held.rowCount) throw forbidden('PERMISSION_DENIED', 'no seat of this pack is held under that assignment');
  await nextSecond(null);
  await deps.nocodb.update('seat_assignments', [{ Id: f.assignment, Freed: true, FreedReason: `${f.reason} (freed by ${f.contact})` }]);
  const result = await applyNow(deps, f.assignment);
  if (result.outcome.startsWith('refused')) throw refusedWith(result);
  return result;
}
