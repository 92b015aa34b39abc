import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { NocoRows } from '../../nocodb/client.ts';
import { crmRow, type IdentityTraits } from '../../schemas/events/identity.ts';
import { crmLinkOf, lockIdentity, rememberCrmLink, type CrmLink, type CrmSource } from './contacts-store.ts';
import { changedFields, crmFields, forInsert, type Fields } from './crm-fields.ts';

export interface CrmDeps {
  nocodb: NocoRows;
  log: Logger;
}

export interface CrmInput {
  identityId: string;
  traits: IdentityTraits;
  source: CrmSource;
  /** The identity's updated_at: traits older than the last ones copied only fill rows that are missing. */
  traitsAt?: Date | null;
  /** Fields set only when a row is created (an imported phone, the student role). */
  onCreate?: { contact?: Fields; person?: Fields };
}

export interface CrmResult extends CrmLink {
  created: { contact: boolean; person: boolean };
  updated: { contact: boolean; person: boolean };
}

/**
 * The CRM contact and the people row of an identity, created or brought up to date, and
 * their ids remembered in `tx`. Idempotent without trusting our own table: NocoDB is asked
 * by IdentityId every time, under a per-identity lock, so a repeated delivery, a retry
 * after a crash between NocoDB's insert and our commit, or a settings change racing the
 * registration all find the row that exists instead of adding a second one. Deliveries
 * may be handled out of order: traits older than the last copied (by the identity's
 * updated_at) never overwrite newer ones.
 */
export async function ensureCrmRecords(tx: PoolClient, deps: CrmDeps, input: CrmInput): Promise<CrmResult> {
  await lockIdentity(tx, input.identityId);
  const known = await crmLinkOf(tx, input.identityId);
  const traitsAt = input.traitsAt ?? null;
  const stale = !!(traitsAt && known?.traitsAt && traitsAt < known.traitsAt);
  const fields = crmFields(input.identityId, input.traits);
  const contact = await upsertByIdentity(deps, 'contacts', input.identityId, fields.contact, { Source: input.source, ...input.onCreate?.contact }, stale);
  const person = await upsertByIdentity(deps, 'people', input.identityId, fields.person, input.onCreate?.person ?? {}, stale);
  const link = { identityId: input.identityId, contactId: contact.id, personId: person.id };
  await rememberCrmLink(tx, link, input.source, traitsAt);
  return { ...link, created: { contact: contact.created, person: person.created }, updated: { contact: contact.updated, person: person.updated } };
}

async function upsertByIdentity(deps: CrmDeps, table: 'contacts' | 'people', identityId: string, wanted: Fields, onCreate: Fields, stale: boolean) {
  const found = (await deps.nocodb.list(table, { where: `(IdentityId,eq,${identityId})`, sort: 'Id', limit: 5 })).map((r) => ({ row: r, id: crmRow.parse(r).Id }));
  if (found.length > 1) {
    deps.log.warn({ component: 'identity', table, identityId, rows: found.map((f) => f.id) }, 'several NocoDB rows carry this IdentityId: the oldest is kept up to date, merge the others');
  }
  const existing = found[0];
  if (!existing) {
    const [inserted] = await deps.nocodb.insert(table, [forInsert(wanted, onCreate)]);
    if (!inserted) throw new Error(`NocoDB returned no row for the ${table} insert`);
    deps.log.info({ component: 'identity', table, identityId, row: inserted.Id }, 'CRM row created');
    return { id: inserted.Id, created: true, updated: false };
  }
  const changes = stale ? {} : changedFields(existing.row, wanted);
  if (Object.keys(changes).length) await deps.nocodb.update(table, [{ Id: existing.id, ...changes }]);
  return { id: existing.id, created: false, updated: Object.keys(changes).length > 0 };
}
