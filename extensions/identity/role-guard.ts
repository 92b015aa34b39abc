import type { Logger } from 'pino';
import type { NocoRows } from '../../nocodb/client.ts';
import type { Ory } from '../../ory/client.ts';
import { GRANTED_ROLES, type GrantedRole } from './objects.ts';

/**
 * Privileged roles (staff, admin, ambassador) have one source of truth that a NocoDB editor
 * cannot change for themselves: Kratos' `metadata_admin.roles`, which only admins write
 * (Ory's console or admin API, or POST /api/identity/people/<id>/roles as an admin).
 * People.Roles in NocoDB shows them; an edit there that differs is written back to what
 * Kratos says, and logged with who NocoDB says made it. The other roles of People.Roles
 * (student, mentor, author) are NocoDB's own data and stay as staff set them.
 */
export const PRIVILEGED: readonly GrantedRole[] = GRANTED_ROLES;
const isPrivileged = (r: string): r is GrantedRole => (PRIVILEGED as readonly string[]).includes(r);

/** The privileged roles of an identity's metadata_admin (anything else there is ignored). */
export function kratosRoles(metadataAdmin: unknown): GrantedRole[] {
  const roles = metadataAdmin && typeof metadataAdmin === 'object' ? (metadataAdmin as { roles?: unknown }).roles : undefined;
  return Array.isArray(roles) ? [...new Set(roles.filter((r): r is GrantedRole => typeof r === 'string' && isPrivileged(r)))].sort() : [];
}

/** Pure: the row's Roles with the privileged ones replaced by Kratos'; null when they agree. */
export function correctedRoles(rowRoles: string[], fromKratos: GrantedRole[]): string[] | null {
  const shown = [...new Set(rowRoles.filter(isPrivileged))].sort();
  if (shown.length === fromKratos.length && shown.every((r, i) => r === fromKratos[i])) return null;
  return [...rowRoles.filter((r) => !isPrivileged(r)), ...fromKratos];
}

export interface RoleGuardDeps {
  nocodb: Pick<NocoRows, 'update'>;
  ory: Pick<Ory, 'identities'>;
  log: Logger;
}

/** Writes People.Roles back to Kratos' privileged roles when they differ; returns whether it did. */
export async function revertRoleEdit(deps: RoleGuardDeps, row: { Id: number; IdentityId: string | null; Roles: string[]; by?: unknown }, known?: GrantedRole[]): Promise<boolean> {
  const fromKratos = known ?? (row.IdentityId ? kratosRoles((await deps.ory.identities.get(row.IdentityId))?.metadata_admin) : []);
  const next = correctedRoles(row.Roles, fromKratos);
  if (!next) return false;
  await deps.nocodb.update('people', [{ Id: row.Id, Roles: next.join(',') }]);
  deps.log.warn({ component: 'identity', person: row.Id, identity: row.IdentityId, shown: row.Roles, kratos: fromKratos, by: row.by ?? null },
    'People.Roles in NocoDB named privileged roles Kratos does not give: written back (roles are granted in Kratos by admins)');
  return true;
}
