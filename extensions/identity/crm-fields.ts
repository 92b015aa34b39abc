import type { IdentityTraits } from '../../schemas/events/identity.ts';

/**
 * Pure: what an identity's traits put into its NocoDB Contacts and People rows. Traits are
 * the record for these fields; a field the traits do not have never blanks what staff typed.
 */
export type Fields = Record<string, string | null>;

export interface CrmFields {
  contact: Fields;
  person: Fields;
}

export function fullName(traits: IdentityTraits): string | null {
  const name = [traits.name?.first, traits.name?.last].map((p) => p?.trim()).filter(Boolean).join(' ');
  return name || null;
}

export function crmFields(identityId: string, traits: IdentityTraits): CrmFields {
  const name = fullName(traits);
  const telegramUsername = traits.telegram?.username ?? null;
  return {
    contact: { IdentityId: identityId, Name: name, Email: traits.email, TelegramUsername: telegramUsername, Jurisdiction: traits.jurisdiction ?? null },
    person: {
      IdentityId: identityId, Name: name, Email: traits.email, TelegramUsername: telegramUsername,
      TelegramId: traits.telegram?.id !== undefined ? String(traits.telegram.id) : null, Locale: traits.locale ?? null,
    },
  };
}

/** A new row: every known field, the e-mail standing in for a missing name. */
export function forInsert(fields: Fields, extra: Fields = {}): Fields {
  const known = Object.fromEntries(Object.entries({ ...fields, ...extra }).filter(([, v]) => v !== null));
  return { ...known, Name: fields.Name ?? fields.Email ?? null };
}

/** The fields of `wanted` that are known and differ from the row; {} when nothing changes. */
export function changedFields(row: Record<string, unknown>, wanted: Fields): Fields {
  return Object.fromEntries(Object.entries(wanted).filter(([k, v]) => v !== null && String(row[k] ?? '') !== v));
}

/** The Kratos traits of an imported line (scripts/import-students.ts). */
export function traitsOfImport(line: { email: string; name?: string; telegram_username?: string; locale?: 'ru' | 'en'; jurisdiction?: 'ru' | 'world' }): IdentityTraits {
  const [first, ...rest] = (line.name ?? '').split(/\s+/).filter(Boolean);
  return {
    email: line.email,
    ...(first ? { name: { first, ...(rest.length ? { last: rest.join(' ') } : {}) } } : {}),
    ...(line.telegram_username ? { telegram: { username: line.telegram_username } } : {}),
    ...(line.locale ? { locale: line.locale } : {}),
    ...(line.jurisdiction ? { jurisdiction: line.jurisdiction } : {}),
  };
}
