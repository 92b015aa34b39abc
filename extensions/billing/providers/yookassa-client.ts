import { z } from 'zod';
import {
  yookassaError, yookassaPayment, yookassaRefund, type YookassaAmount, type YookassaPayment, type YookassaRefund,
} from '../../../schemas/events/yookassa.ts';
import { ProviderRefused } from './provider.ts';

/**
 * The one module that calls YooKassa's API v3 (https://api.yookassa.ru/v3, or YOOKASSA_API_URL:
 * tests point it at test/support/yookassa-server.ts). HTTP Basic shop_id:secret_key; every
 * POST carries an Idempotence-Key, and YooKassa answers a repeat of the same key and body
 * with the first answer for 24 hours.
 *
 * Outcomes: 200 is the object; a 4xx error answer (`{type: "error", code, description}`) is a
 * final no, ProviderRefused, except 429 (too many requests: nothing was decided); a 202
 * ("processing, ask again with the same key"), a 5xx, a timeout or a dropped connection
 * leave the outcome unknown and are thrown as YookassaUnknown.
 */
export interface YookassaAccount {
  shopId: string;
  secretKey: string;
  /** Default https://api.yookassa.ru/v3. */
  apiUrl: string;
  /** How long one call may take before its outcome is unknown. Default 30 s. */
  timeoutMs?: number;
}

export class YookassaUnknown extends Error {
  constructor(message: string) {
    super(`yookassa did not answer: ${message}`);
    this.name = 'YookassaUnknown';
  }
}

export interface CreatePayment {
  amount: YookassaAmount;
  capture: boolean;
  confirmation: { type: 'redirect'; return_url: string; locale?: 'ru_RU' | 'en_US' };
  description: string;
  metadata: Record<string, string>;
  payment_method_data?: { type: string };
}

export interface YookassaClient {
  createPayment(idempotenceKey: string, body: CreatePayment): Promise<YookassaPayment>;
  getPayment(id: string): Promise<YookassaPayment>;
  capturePayment(id: string, amount: YookassaAmount): Promise<YookassaPayment>;
  cancelPayment(id: string): Promise<YookassaPayment>;
  createRefund(idempotenceKey: string, body: { payment_id: string; amount: YookassaAmount; description?: string }): Promise<YookassaRefund>;
  getRefund(id: string): Promise<YookassaRefund>;
}

export function yookassaClient(account: YookassaAccount): YookassaClient {
  const base = account.apiUrl.replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(`${account.shopId}:${account.secretKey}`).toString('base64')}`;
  async function call<T>(schema: z.ZodType<T>, method: 'GET' | 'POST', path: string, opts: { key?: string; body?: unknown } = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: auth, ...(opts.key ? { 'idempotence-key': opts.key } : {}), ...(opts.body ? { 'content-type': 'application/json' } : {}) },
        body: opts.body ? JSON.stringify(opts.body) : undefined,
        signal: AbortSignal.timeout(account.timeoutMs ?? 30_000),
      });
    } catch (e) {
      throw new YookassaUnknown(`${method} ${path}: ${(e as Error).message}`);
    }
    const text = await res.text().catch(() => '');
    const json = (() => { try { return JSON.parse(text) as unknown; } catch { return undefined; } })();
    if (res.status === 200) {
      const parsed = schema.safeParse(json);
      // An answer we cannot read is not a refusal: what YooKassa did stays unknown.
      if (!parsed.success) throw new YookassaUnknown(`${method} ${path}: an answer we cannot read (${parsed.error.issues[0]?.message ?? 'not JSON'})`);
      return parsed.data;
    }
    const error = yookassaError.safeParse(json);
    const reason = error.success ? `${error.data.code}${error.data.description ? `: ${error.data.description}` : ''}${error.data.parameter ? ` (${error.data.parameter})` : ''}` : `HTTP ${res.status}`;
    if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new ProviderRefused('yookassa', reason);
    throw new YookassaUnknown(`${method} ${path}: HTTP ${res.status} ${reason}`);
  }
  const id = (v: string) => encodeURIComponent(v);
  return {
    createPayment: (key, body) => call(yookassaPayment, 'POST', '/payments', { key, body }),
    getPayment: (paymentId) => call(yookassaPayment, 'GET', `/payments/${id(paymentId)}`),
    capturePayment: (paymentId, amount) => call(yookassaPayment, 'POST', `/payments/${id(paymentId)}/capture`, { key: `capture-${paymentId}`, body: { amount } }),
    cancelPayment: (paymentId) => call(yookassaPayment, 'POST', `/payments/${id(paymentId)}/cancel`, { key: `cancel-${paymentId}`, body: {} }),
    createRefund: (key, body) => call(yookassaRefund, 'POST', '/refunds', { key, body }),
    getRefund: (refundId) => call(yookassaRefund, 'GET', `/refunds/${id(refundId)}`),
  };
}
