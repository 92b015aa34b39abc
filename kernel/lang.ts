/**
 * The languages people read: Russian by default, English when the person (or, before we
 * know the person, the request) says so. Each capability keeps its texts in one
 * messages.ts as `{ key: { ru, en } }`.
 */
export const LANGS = ['ru', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'ru';

export const isLang = (v: unknown): v is Lang => v === 'ru' || v === 'en';

/** `?lang=` first, then the person's locale when known, then Accept-Language; Russian otherwise. */
export function pickLang(query: unknown, acceptLanguage: string | undefined, personLocale?: string | null): Lang {
  if (isLang(query)) return query;
  const locale = personLocale?.slice(0, 2).toLowerCase();
  if (isLang(locale)) return locale;
  return /^\s*en\b/i.test(acceptLanguage ?? '') ? 'en' : DEFAULT_LANG;
}

export type Texts<K extends string> = Record<K, Record<Lang, string>>;

/** The signed-in person's own language (the Kratos trait `locale`), once a guard has read the session. */
export function personLocale(req: { identity?: { traits?: unknown } }): string | null {
  const locale = (req.identity?.traits as { locale?: unknown } | undefined)?.locale;
  return typeof locale === 'string' ? locale : null;
}
