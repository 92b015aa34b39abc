import type { Pool, PoolClient } from 'pg';

/** SQL of identity_contact (schemas/migrations/0100): identity id -> NocoDB contact and person rows. */
export type CrmSource = 'registration' | 'settings' | 'import';

export interface CrmLink {
  identityId: string;
  contactId: number;
  personId: number;
}

export interface StoredCrmLink extends CrmLink {
  /** The identity's updated_at when its traits were last copied; null when unknown. */
  traitsAt: Date | null;
  /** What made the rows first: `import` when the school's import created the identity. */
  source: CrmSource;
}

/** One CRM writer per identity at a time (hook deliveries, a settings change, an import line). */
export async function lockIdentity(tx: PoolClient, identityId: string): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`identity.crm:${identityId}`]);
}

export async function rememberCrmLink(tx: PoolClient, link: CrmLink, source: CrmSource, traitsAt: Date | null): Promise<void> {
  await tx.query(`insert into identity_contact (identity_id, contact_id, person_id, source, traits_at) values ($1, $2, $3, $4, $5)
    on conflict (identity_id) do update set contact_id = excluded.contact_id, person_id = excluded.person_id,
      traits_at = greatest(identity_contact.traits_at, excluded.traits_at), updated_at = now()
    where identity_contact.contact_id <> excluded.contact_id or identity_contact.person_id <> excluded.person_id
      or identity_contact.traits_at is distinct from greatest(identity_contact.traits_at, excluded.traits_at)`,
  [link.identityId, link.contactId, link.personId, source, traitsAt]);
}

export async function crmLinkOf(db: Pool | PoolClient, identityId: string): Promise<StoredCrmLink | null> {
  const { rows } = await db.query<{ contact_id: number; person_id: number; traits_at: Date | null; source: CrmSource }>(
    'select contact_id, person_id, traits_at, source from identity_contact where identity_id = $1', [identityId]);
  const r = rows[0];
  return r ? { identityId, contactId: r.contact_id, personId: r.person_id, traitsAt: r.traits_at, source: r.source } : null;
}
