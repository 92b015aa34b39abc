/** What students and staff read from the identity capability, in Russian and English. */
import type { Lang } from '../../kernel/lang.ts';

export { pickLang, type Lang } from '../../kernel/lang.ts';

const TEXT = {
  invalidId: { ru: 'Неверный номер записи', en: 'Not a valid record number' },
  invalidQuery: { ru: 'Неверные параметры запроса', en: 'The query parameters are not valid' },
  notFound: { ru: 'Такой записи нет', en: 'There is no such record' },
  shareHowTo: {
    ru: 'Откройте ссылку и войдите в свою учётную запись школы: тетрадь видите только вы, ваши наставники и сотрудники школы.',
    en: 'Open the link and sign in with your school account: only you, your mentors and the school\'s staff see the workbook.',
  },
} as const;

export type MessageKey = keyof typeof TEXT;

export const text = (key: MessageKey, lang: Lang): string => TEXT[key][lang];

/** Why an import line was not imported (reports to staff). */
export const importProblem = {
  invalid: (details: string) => ({ ru: `строка не прошла проверку: ${details}`, en: `the line is not valid: ${details}` }),
  unknownGroup: (group: string) => ({ ru: `нет группы «${group}» в NocoDB`, en: `no group "${group}" in NocoDB` }),
  failed: (reason: string) => ({ ru: `не удалось: ${reason}`, en: `failed: ${reason}` }),
  unverified: () => ({
    ru: 'этот адрес зарегистрировал человек, который его ещё не подтвердил: группа будет выдана, когда адрес подтвердят (видно в identity_pending_links)',
    en: 'someone registered this address and has not verified it yet: the group is given once the address is verified (see identity_pending_links)',
  }),
};
