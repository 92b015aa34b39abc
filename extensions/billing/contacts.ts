import { isLang } from '../../kernel/lang.ts';
import type { Contact } from './notice-sender.ts';

/**
 * How billing reaches a person, from what identity and points know: the e-mail only when
 * Kratos shows it verified (the traits' address first), the Telegram account only when its
 * link was proven by the Login Widget (points' links, issue 12), the language from the
 * Kratos trait `locale` (Russian otherwise). An identity that is gone: null.
 */
export interface ContactSources {
  identities: { get(id: string): Promise<{ traits?: unknown; verifiable_addresses?: unknown } | null> };
  /** The person's linked accounts, as points.links.of answers them. */
  linksOf(personId: string): Promise<{ linked: { source: string; id: string; proof: string | null }[] }>;
}

export function contactOf(sources: ContactSources): (personId: string) => Promise<Contact | null> {
  return async (personId) => {
    const [identity, links] = await Promise.all([sources.identities.get(personId), sources.linksOf(personId)]);
    if (!identity) return null;
    const traits = (identity.traits ?? {}) as { email?: unknown; locale?: unknown };
    const own = typeof traits.email === 'string' ? traits.email.toLowerCase() : null;
    const verified = (Array.isArray(identity.verifiable_addresses) ? identity.verifiable_addresses : [])
      .filter((a): a is { value: string } => a?.verified === true && (a.via ?? 'email') === 'email' && typeof a.value === 'string');
    const email = (verified.find((a) => a.value.toLowerCase() === own) ?? verified[0])?.value ?? null;
    const telegram = links.linked.find((l) => l.source === 'telegram' && l.proof === 'telegram_login')?.id ?? null;
    const locale = typeof traits.locale === 'string' ? traits.locale.slice(0, 2).toLowerCase() : '';
    return { locale: isLang(locale) ? locale : 'ru', email, telegramChatId: telegram };
  };
}
