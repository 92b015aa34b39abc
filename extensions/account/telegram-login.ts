import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The Telegram Login Widget's proof (https://core.telegram.org/widgets/login#checking-authorization):
 * the widget hands the page `id, first_name, last_name, username, photo_url, auth_date` and
 * `hash`, the hex HMAC-SHA-256 of the data-check-string (every received field but hash,
 * sorted by name, `key=value`, joined by '\n') keyed with SHA-256 of the bot's token. Only
 * Telegram, which holds the token with us, can sign it; a payload more than a day old is
 * refused, as Telegram advises. Pure.
 */

export const LOGIN_MAX_AGE_SECONDS = 86_400;

export interface TelegramLoginUser {
  id: string;
  username?: string;
  firstName?: string;
  lastName?: string;
  authDate: number;
  /** The payload's signature: a proof is used once (points keeps the used ones). */
  hash: string;
}

export type TelegramLoginCheck =
  | { ok: true; user: TelegramLoginUser }
  /** malformed: not a widget payload; forged: the hash is not our bot's signature of these fields; expired: older than a day. */
  | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

const FIELD_NAME = /^[a-z_]{1,32}$/;
const MAX_FIELDS = 16;
const MAX_VALUE = 1024;

/** The data-check-string of the received fields (all but hash). */
export function dataCheckString(fields: Record<string, string>): string {
  return Object.keys(fields).filter((k) => k !== 'hash').sort().map((k) => `${k}=${fields[k]}`).join('\n');
}

/** hex(HMAC_SHA256(data-check-string, SHA256(bot token))). */
export function loginHash(fields: Record<string, string>, botToken: string): string {
  const secret = createHash('sha256').update(botToken).digest();
  return createHmac('sha256', secret).update(dataCheckString(fields)).digest('hex');
}

/** The received fields as the strings Telegram signed (the JSON callback gives numbers, a redirect strings); undefined when it is not a payload. */
function asFields(received: unknown): Record<string, string> | undefined {
  if (!received || typeof received !== 'object' || Array.isArray(received)) return undefined;
  const entries = Object.entries(received as Record<string, unknown>);
  if (entries.length > MAX_FIELDS) return undefined;
  const fields: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (!FIELD_NAME.test(key)) return undefined;
    if (typeof value === 'number' && Number.isSafeInteger(value)) fields[key] = String(value);
    else if (typeof value === 'string' && value.length <= MAX_VALUE) fields[key] = value;
    else return undefined;
  }
  return fields;
}

export function checkTelegramLogin(received: unknown, botToken: string, now: Date): TelegramLoginCheck {
  const fields = asFields(received);
  if (!fields || !/^\d{1,20}$/.test(fields.id ?? '') || !/^\d{1,12}$/.test(fields.auth_date ?? '') || !/^[0-9a-f]{64}$/i.test(fields.hash ?? '')) {
    return { ok: false, reason: 'malformed' };
  }
  const hash = fields.hash!.toLowerCase();
  if (!timingSafeEqual(Buffer.from(loginHash(fields, botToken), 'hex'), Buffer.from(hash, 'hex'))) return { ok: false, reason: 'forged' };
  const authDate = Number(fields.auth_date);
  if (now.getTime() / 1000 - authDate > LOGIN_MAX_AGE_SECONDS) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    user: {
      id: String(BigInt(fields.id!)), authDate, hash,
      ...(fields.username ? { username: fields.username } : {}),
      ...(fields.first_name ? { firstName: fields.first_name } : {}),
      ...(fields.last_name ? { lastName: fields.last_name } : {}),
    },
  };
}
