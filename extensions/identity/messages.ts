/** What students and staff read from the identity capability, in Russian and English. */
export type Lang = 'ru' | 'en';

export function pickLang(query: unknown, acceptLanguage: string | undefined): Lang {
  if (query === 'ru' || query === 'en') return query;
  return /^\s*en\b/i.test(acceptLanguage ?? '') ? 'en' : 'ru';
}

const TEXT = {
  invalidId: { ru: 'Неверный номер записи', en: 'Not a valid record number' },
  invalidQuery: { ru: 'Неверные параметры запроса', en: 'The query parameters are not valid' },
  notFound: { ru: 'Такой записи нет', en: 'There is no such record' },
  shareNotReady: {
    ru: 'Доступ к рабочей тетради ещё готовится. Попробуйте через минуту.',
    en: 'Access to the workbook is still being prepared. Try again in a minute.',
  },
  shareHowTo: {
    ru: 'Откройте ссылку и введите пароль. Это ваша личная ссылка: не пересылайте её и пароль другим.',
    en: 'Open the link and enter the password. The link is yours alone: do not pass it or the password on.',
  },
} as const;

export type MessageKey = keyof typeof TEXT;

export const text = (key: MessageKey, lang: Lang): string => TEXT[key][lang];

/** Why an import line was not imported (reports to staff). */
export const importProblem = {
  invalid: (details: string) => ({ ru: `строка не прошла проверку: ${details}`, en: `the line is not valid: ${details}` }),
  unknownGroup: (group: string) => ({ ru: `нет группы «${group}» в NocoDB`, en: `no group "${group}" in NocoDB` }),
  failed: (reason: string) => ({ ru: `не удалось: ${reason}`, en: `failed: ${reason}` }),
};
