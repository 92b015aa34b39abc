import { TEMPLATE_PLACEHOLDERS } from '../../schemas/nocodb/autoposts.ts';

/**
 * The template syntax, pure: `{{name}}` (spaces inside allowed, any case) for one of
 * TEMPLATE_PLACEHOLDERS, filled per chat. Posts go out as plain text (no parse_mode), so a
 * value is never markup: a group called `<b>` or `*x*` is shown as written, and nothing in a
 * value can break the message. Anything else between `{{` and `}}` is a mistake and stops
 * the post before any chat gets it.
 */
export type Placeholder = (typeof TEMPLATE_PLACEHOLDERS)[number];
export type TemplateVars = Record<Placeholder, string>;

/** Telegram's limit for a message's text (sendMessage: 1-4096 characters after entities parsing). */
export const MAX_TEXT = 4096;

const TOKEN = /\{\{([^{}]*)\}\}/g;
const known = new Set<string>(TEMPLATE_PLACEHOLDERS);

export type TemplateProblem = { kind: 'empty' } | { kind: 'unknown'; names: string[] };

export function checkTemplate(text: string | null | undefined): TemplateProblem | null {
  if (!text || !text.trim()) return { kind: 'empty' };
  const unknown = [...text.matchAll(TOKEN)].map((m) => m[1]!.trim()).filter((name) => !known.has(name.toLowerCase()));
  return unknown.length ? { kind: 'unknown', names: [...new Set(unknown)] } : null;
}

/** Fills a checked template; each value as plain text. */
export function render(text: string, vars: TemplateVars): string {
  return text.replace(TOKEN, (whole, name: string) => {
    const key = name.trim().toLowerCase();
    return known.has(key) ? vars[key as Placeholder] : whole;
  });
}

/** {{date}}: the day it is sent, in the school's zone, as people of that language write it. */
export function dateText(at: Date, timeZone: string, lang: 'ru' | 'en'): string {
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'ru-RU', { day: 'numeric', month: 'long', year: 'numeric', timeZone }).format(at);
}
