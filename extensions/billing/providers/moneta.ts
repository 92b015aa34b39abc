import { amountOf, formSignature } from '../../../schemas/events/moneta.ts';
import type { PaymentProvider } from './provider.ts';

/**
 * The Moneta client: the MONETA.Assistant payment form a payer is sent to, signed with the
 * shop's integrity code. Moneta's answer comes later to the Pay URL (hooks/moneta.ts).
 */
export interface MonetaAccount {
  accountId: string;
  integrityCode: string;
  /** MNT_TEST_MODE=1: Moneta's test payments, no money moves. */
  testMode: boolean;
  /** The form's address: https://www.payanyway.ru/assistant.htm (or the demo's). */
  formUrl: string;
}

export function monetaPayUrl(account: MonetaAccount, p: {
  transactionId: string; amountMinor: number; currency: string; subscriberId?: string; description: string;
  successUrl: string; failUrl: string; returnUrl?: string; locale?: 'ru' | 'en';
}): string {
  const amount = amountOf(p.amountMinor);
  const test = account.testMode ? '1' : '0';
  const url = new URL(account.formUrl);
  const params: Record<string, string> = {
    MNT_ID: account.accountId,
    MNT_TRANSACTION_ID: p.transactionId,
    MNT_CURRENCY_CODE: p.currency,
    MNT_AMOUNT: amount,
    MNT_TEST_MODE: test,
    MNT_SUBSCRIBER_ID: p.subscriberId ?? '',
    MNT_DESCRIPTION: p.description,
    MNT_SUCCESS_URL: p.successUrl,
    MNT_FAIL_URL: p.failUrl,
    ...(p.returnUrl ? { MNT_RETURN_URL: p.returnUrl } : {}),
    ...(p.locale ? { 'moneta.locale': p.locale } : {}),
  };
  params.MNT_SIGNATURE = formSignature(params as Parameters<typeof formSignature>[0], account.integrityCode);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/**
 * Moneta as checkout's provider: the pay form's URL, built here (nothing is sent to Moneta
 * until the payer opens it), so its start never has an unknown outcome. Moneta cannot be
 * asked about a payment from here: its Pay URL, which it repeats until it hears SUCCESS, is
 * how we learn of one.
 */
export function monetaProvider(account: MonetaAccount): PaymentProvider {
  return {
    name: 'moneta',
    currencies: ['RUB'],
    async start(req) {
      const payUrl = monetaPayUrl(account, {
        transactionId: req.attemptId, amountMinor: req.amountMinor, currency: req.currency, subscriberId: req.personId, description: req.description,
        successUrl: req.returnUrl, failUrl: `${req.returnUrl}?failed=1`, returnUrl: req.returnUrl, locale: req.locale,
      });
      return { payUrl };
    },
  };
}
