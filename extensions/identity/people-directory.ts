import type { Ory } from '../../ory/client.ts';
import type { NocoRows } from '../../nocodb/client.ts';

/**
 * Who a person is (the People table in NocoDB) and who mentors whom (Keto's Group tuples,
 * which the identity capability keeps in step with NocoDB): what the AI checker needs to
 * address a student and to route a verdict to their group's mentors.
 */
export interface PersonCard {
  id: string;
  name: string;
  language: 'ru' | 'en';
  telegramChatId: string | null;
  email: string | null;
}

const GROUP_ROW = /^group-(\d+)$/;
const quote = (v: string) => v.replace(/[(),~]/g, '');

export function peopleDirectory(deps: { nocodb: NocoRows; ory: Ory }) {
  const { nocodb, ory } = deps;
  return {
    async person(id: string): Promise<PersonCard | null> {
      const [row] = await nocodb.list('people', { where: `(IdentityId,eq,${quote(id)})`, limit: 1 });
      if (!row) return null;
      return {
        id,
        name: String(row.Name ?? ''),
        language: row.Locale === 'en' ? 'en' : 'ru',
        telegramChatId: row.TelegramId ? String(row.TelegramId) : null,
        email: row.Email ? String(row.Email) : null,
      };
    },
    async mentorGroup(studentId: string): Promise<string | null> {
      const { tuples } = await ory.keto.list({ namespace: 'Group', relation: 'members', subject_id: studentId, pageSize: 100 });
      for (const t of tuples) {
        const rowId = GROUP_ROW.exec(t.object)?.[1];
        if (!rowId) continue;
        const group = await nocodb.get('groups', rowId);
        if (group.Mode === 'mentor_led') return t.object;
      }
      return null;
    },
    async mentorsOf(groupId: string): Promise<string[]> {
      const { tuples } = await ory.keto.list({ namespace: 'Group', object: groupId, relation: 'mentors', pageSize: 500 });
      return tuples.map((t) => t.subject_id).filter((s): s is string => typeof s === 'string');
    },
  };
}
