/**
 * Pure rules of telegram-access: who counts as in a chat, how an invite link is named, and
 * what the removal pass decides for each member who holds nothing that opens the chat.
 */

/** ChatMember status (Bot API): a restricted member is in the chat only while is_member says so. */
export function inChat(status: string, isMember?: boolean): boolean {
  if (status === 'creator' || status === 'administrator' || status === 'member') return true;
  return status === 'restricted' && isMember === true;
}

/** Telegram shows an invite link's name to the chat's admins (0-32 characters): whose it is. */
export function inviteName(personId: string, chatId: number): string {
  return `school ${personId.slice(0, 8)} ${String(chatId).slice(-8)}`.slice(0, 32);
}

/** A tracked member of a school chat who holds nothing that opens it today. */
export interface Candidate {
  chatId: number;
  telegramUserId: number;
  status: string;
  /** Their person by a proven Telegram link; null: nobody we know. */
  personId: string | null;
  /** When they stopped holding access here (or joined without it): the grace period runs from then. */
  outSince: Date;
}

/** Who is never removed, as staff and Keto say (never the person's own profile). */
export interface Exemptions {
  /** Staff and admins (Keto Role:staff#members, Role:admin#members: Kratos' admin metadata). */
  staff: Set<string>;
  /** Mentors of each group (Keto Group:group-<id>#mentors: NocoDB Mentors, kept by staff). */
  mentorsOf: (groupId: number) => Set<string>;
  /** The groups whose mentors a chat spares. */
  groupsOf: (chatId: number) => number[];
  /** Volunteers' reasons (NocoDB Telegram volunteers) for this person in this chat, if any. */
  volunteer: (personId: string, chatId: number) => string | null;
}

export type Decision = { decision: 'remove' | 'spared' | 'unknown'; reason: string; removableFrom: Date | null };

const DAY_MS = 86_400_000;

export function decide(c: Candidate, ex: Exemptions, graceDays: number): Decision {
  if (c.status === 'creator' || c.status === 'administrator') return { decision: 'spared', reason: 'an administrator of the chat', removableFrom: null };
  // Nobody we can name: they might be staff whose Telegram is not linked yet. Listed for staff, never removed.
  if (!c.personId) return { decision: 'unknown', reason: 'no proven Telegram link to a person: not removed, staff may look', removableFrom: null };
  if (ex.staff.has(c.personId)) return { decision: 'spared', reason: 'staff', removableFrom: null };
  const volunteer = ex.volunteer(c.personId, c.chatId);
  if (volunteer !== null) return { decision: 'spared', reason: `volunteer: ${volunteer}`, removableFrom: null };
  const mentored = ex.groupsOf(c.chatId).find((g) => ex.mentorsOf(g).has(c.personId!));
  if (mentored !== undefined) return { decision: 'spared', reason: `mentor of group ${mentored}`, removableFrom: null };
  const removableFrom = new Date(c.outSince.getTime() + graceDays * DAY_MS);
  return { decision: 'remove', reason: `holds nothing that opens this chat since ${c.outSince.toISOString().slice(0, 10)}`, removableFrom };
}
