import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * MONETA.Assistant (moneta.ru / PayAnyWay), the Russian provider of the new site: the
 * payment form's parameters and the Pay URL notification, with the signatures both carry
 * (test/fixtures/moneta/README.md names the sources).
 *
 * Form:         MNT_SIGNATURE = md5(MNT_ID + MNT_TRANSACTION_ID + MNT_AMOUNT + MNT_CURRENCY_CODE + MNT_SUBSCRIBER_ID + MNT_TEST_MODE + code)
 * Notification: MNT_SIGNATURE = md5(MNT_ID + MNT_TRANSACTION_ID + MNT_OPERATION_ID + MNT_AMOUNT + MNT_CURRENCY_CODE + MNT_SUBSCRIBER_ID + MNT_TEST_MODE + code)
 * where `code` is the shop's integrity code ("код проверки целостности данных"). The Pay URL
 * is answered with the plain text SUCCESS once the payment is stored, FAIL otherwise, and
 * Moneta repeats it until it hears SUCCESS.
 */
export const monetaSignature = (parts: (string | undefined)[], integrityCode: string): string =>
  createHash('md5').update(parts.map((p) => p ?? '').join('') + integrityCode, 'utf8').digest('hex');

const amount = z.string().regex(/^\d{1,12}(\.\d{1,2})?$/, 'expected an amount like 1100.00');

export const monetaNotification = z.looseObject({
  MNT_ID: z.string().min(1),
  MNT_TRANSACTION_ID: z.string().min(1).max(255),
  MNT_OPERATION_ID: z.string().min(1).max(64),
  MNT_AMOUNT: amount,
  MNT_CURRENCY_CODE: z.string().regex(/^[A-Z]{3}$/),
  MNT_SUBSCRIBER_ID: z.string().optional().default(''),
  MNT_TEST_MODE: z.enum(['0', '1']).optional().default('0'),
  MNT_SIGNATURE: z.string().regex(/^[0-9a-fA-F]{32}$/, 'expected an MD5 in hex'),
  MNT_USER: z.string().optional(),
  MNT_CORRACCOUNT: z.string().optional(),
});
export type MonetaNotification = z.infer<typeof monetaNotification>;

/** The payment form's MNT_SIGNATURE (the fields as sent, MNT_AMOUNT with its two decimals). */
export const formSignature = (f: { MNT_ID: string; MNT_TRANSACTION_ID: string; MNT_AMOUNT: string; MNT_CURRENCY_CODE: string; MNT_SUBSCRIBER_ID?: string; MNT_TEST_MODE: string }, integrityCode: string) =>
  monetaSignature([f.MNT_ID, f.MNT_TRANSACTION_ID, f.MNT_AMOUNT, f.MNT_CURRENCY_CODE, f.MNT_SUBSCRIBER_ID, f.MNT_TEST_MODE], integrityCode);

export const notificationSignature = (n: MonetaNotification, integrityCode: string) => monetaSignature(
  [n.MNT_ID, n.MNT_TRANSACTION_ID, n.MNT_OPERATION_ID, n.MNT_AMOUNT, n.MNT_CURRENCY_CODE, n.MNT_SUBSCRIBER_ID, n.MNT_TEST_MODE], integrityCode);

/** "1100.00" -> 110000 (exact: no floating point on money). */
export function minorOf(value: string): number {
  const [whole, frac = ''] = value.split('.');
  return Number(whole) * 100 + Number((frac + '00').slice(0, 2));
}

export const amountOf = (minor: number) => `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
