import type { Pool } from 'pg';
import type { Exemptions } from './rules.ts';

/**
 * Who is never removed, read where staff and admins write it: staff and admins from Keto's
 * Role objects (identity writes them from Kratos' admin metadata, which only admins change),
 * mentors from Keto's Group:group-<id>#mentors (NocoDB's Mentors grid, staff's), volunteers
 * from NocoDB's Telegram volunteers (mirrored each pass). Never a person's own profile.
 */
export interface Privileges {
  /** Identity ids that are members of a Role (staff, admin). */
  roleMembers(role: 'staff' | 'admin'): Promise<string[]>;
  /** Identity ids that mentor a group (its NocoDB Groups.Id). */
  mentorsOf(groupId: number): Promise<string[]>;
}

export async function loadExemptions(db: Pool, privileges: Privileges, chatIds: number[], today: string): Promise<Exemptions> {
  const [staff, admins, groups, volunteers] = await Promise.all([
    privileges.roleMembers('staff'), privileges.roleMembers('admin'),
    db.query<{ chat_id: string; group_id: number }>('select chat_id, group_id from telegram_access_chat_group where chat_id = any($1::bigint[])', [chatIds]),
    db.query<{ person_id: string; chat_id: string | null; reason: string }>(
      'select person_id, chat_id, reason from telegram_access_volunteer where until is null or until >= $1::date', [today]),
  ]);
  const groupsOf = new Map<number, number[]>();
  for (const r of groups.rows) groupsOf.set(Number(r.chat_id), [...(groupsOf.get(Number(r.chat_id)) ?? []), r.group_id]);
  const groupIds = [...new Set(groups.rows.map((r) => r.group_id))];
  const mentors = new Map(await Promise.all(groupIds.map(async (g) => [g, new Set(await privileges.mentorsOf(g))] as const)));
  return {
    staff: new Set([...staff, ...admins]),
    groupsOf: (chatId) => groupsOf.get(chatId) ?? [],
    mentorsOf: (groupId) => mentors.get(groupId) ?? new Set(),
    volunteer: (personId, chatId) => volunteers.rows.find((v) => v.person_id === personId && (v.chat_id === null || Number(v.chat_id) === chatId))?.reason ?? null,
  };
}

/** Privileges as Keto holds them (ory/client.ts), every page read. */
export function ketoPrivileges(keto: { list(q: { namespace?: string; object?: string; relation?: string; pageSize?: number; pageToken?: string }): Promise<{ tuples: { subject_id?: string }[]; nextPageToken?: string }> }): Privileges {
  const subjects = async (namespace: string, object: string, relation: string) => {
    const out: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await keto.list({ namespace, object, relation, pageSize: 500, ...(pageToken ? { pageToken } : {}) });
      out.push(...page.tuples.map((t) => t.subject_id).filter((s): s is string => Boolean(s)).map((s) => s.toLowerCase()));
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
    return out;
  };
  return {
    roleMembers: (role) => subjects('Role', role, 'members'),
    mentorsOf: (groupId) => subjects('Group', `group-${groupId}`, 'mentors'),
  };
}
