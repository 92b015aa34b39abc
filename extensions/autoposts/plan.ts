import type { Lang } from '../../kernel/lang.ts';
import { TEMPLATE_PLACEHOLDERS } from '../../schemas/nocodb/autoposts.ts';
import { text } from './messages.ts';
import type { NewDelivery } from './posts-store.ts';
import type { Targets } from './targets.ts';
import { checkTemplate, dateText, MAX_TEXT, render } from './template.ts';

/**
 * Pure: a due post's template and targets -> one delivery per chat with its own text, or
 * why the post cannot be sent at all (nothing is sent then).
 */
export type Plan = { ok: true; deliveries: NewDelivery[]; noChat: string[] } | { ok: false; reason: string };

export function planDeliveries(input: {
  template: { text: string | null; language: Lang } | null;
  targets: Targets;
  at: Date;
  timeZone: string;
  lang: Lang;
}): Plan {
  const { template, targets, lang } = input;
  if (!template) return { ok: false, reason: text('noTemplate', lang) };
  const problem = checkTemplate(template.text);
  if (problem?.kind === 'empty') return { ok: false, reason: text('emptyTemplate', lang) };
  if (problem?.kind === 'unknown') {
    return { ok: false, reason: text('unknownPlaceholder', lang, { names: problem.names.map((n) => `{{${n}}}`).join(', '), known: TEMPLATE_PLACEHOLDERS.map((n) => `{{${n}}}`).join(', ') }) };
  }
  const noChat = targets.noChat.map((t) => `${text(t.kind, lang)} «${t.title}»`);
  if (targets.chats.length === 0) return { ok: false, reason: [text('noTargets', lang), ...noChat].join('; ') };
  const date = dateText(input.at, input.timeZone, template.language);
  const deliveries = targets.chats.map((t): NewDelivery => {
    const body = render(template.text!, { ...t.vars, date });
    return { chat: t.chat, target: `${text(t.kind, lang)} «${t.title}»`, body, error: body.length > MAX_TEXT ? text('tooLong', lang) : null };
  });
  return { ok: true, deliveries, noChat };
}
