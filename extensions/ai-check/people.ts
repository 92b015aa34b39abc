/**
 * Who the capability talks to, and who mentors whom: the lead implements it over Kratos
 * traits and the groups in NocoDB/Keto (`Group:<id>#members`, `Group:<id>#mentors`).
 */
export interface Person {
  id: string;
  name: string;
  language: 'ru' | 'en';
  telegramChatId?: string | null;
  email?: string | null;
}

export interface People {
  person(id: string): Promise<Person | null>;
  /** The student's mentor-led group, whose mentors review every verdict first; null for a self-learner. */
  mentorGroup(studentId: string): Promise<string | null>;
  /** Identity ids of the mentors of a group (also of the staff reviewers' group). */
  mentorsOf(groupId: string): Promise<string[]>;
}
