import type { Logger } from 'pino';
import type { NocoApi } from '../../nocodb/client.ts';
import type { Ory } from '../../ory/client.ts';
import { kratosRoles } from './role-guard.ts';

/**
 * NocoDB is for staff (issue 12): its community edition has no per-table roles, so a member
 * of the School base sees every table, the CRM, billing and the service source. Whoever is
 * a member of the base without being staff or admin in Kratos (metadata_admin, which only
 * admins write) is set to no-access and logged: a mentor reviews at /reviews, a student
 * works on their own pages. The base's owner (the service's own NocoDB user) stays.
 */
export interface MembersAudit { checked: number; kept: string[]; removed: string[] }

const PRIVILEGED = ['staff', 'admin'];

export async function auditNocodbMembers(deps: { api: NocoApi; ory: Pick<Ory, 'identities'>; log: Logger }, baseId: string): Promise<MembersAudit> {
  const res = await deps.api.auth.baseUserList(baseId);
  const users = (res.users?.list ?? []) as { id: string; email: string; roles?: string | null }[];
  const audit: MembersAudit = { checked: 0, kept: [], removed: [] };
  for (const u of users) {
    const role = String(u.roles ?? '');
    if (!role || role === 'no-access' || role.includes('owner')) continue;
    audit.checked++;
    const identity = await deps.ory.identities.findByEmail(u.email.toLowerCase());
    const roles = identity ? kratosRoles(identity.metadata_admin) : [];
    if (roles.some((r) => PRIVILEGED.includes(r))) {
      audit.kept.push(u.email);
      continue;
    }
    await deps.api.auth.baseUserUpdate(baseId, u.id, { email: u.email, roles: 'no-access' } as never);
    audit.removed.push(u.email);
    deps.log.warn({ component: 'identity', email: u.email, nocodbRole: role, kratosRoles: roles },
      'a NocoDB member of the School base who is not staff or admin in Kratos: set to no-access');
  }
  return audit;
}
