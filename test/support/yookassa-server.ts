/**
 * A local YooKassa API v3 for tests, speaking its wire format (test/fixtures/yookassa/):
 * HTTP Basic shop_id:secret_key; POSTs need an Idempotence-Key, and the same key with the
 * same body answers the first answer again for 24 hours (another body: an error); errors
 * are `{type: "error", id, code, description, parameter}`. Payments are created pending
 * with a redirect confirmation_url; `pay(id)` is the payer paying, after which YooKassa
 * POSTs the notification `{type: "notification", event, object}` to the shop's URL, from
 * `notifyFrom` (an address on the loopback: 127.0.0.1 by default), and sends it again while
 * the answer is not 200 (here: up to `retries` times).
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, any>;

export interface YookassaServer {
  url: string;
  /** YOOKASSA_API_URL for the service. */
  apiUrl: string;
  /** Every API call as received. */
  requests: { method: string; path: string; idempotenceKey: string | undefined; body: Json | undefined; status: number }[];
  payments: Map<string, Json>;
  refunds: Map<string, Json>;
  /** The next payment creation is made but its answer never arrives (the connection is dropped after `ms`). */
  holdNextCreate(ms: number): void;
  /** Refunds are answered pending (confirmed later with succeedRefund) instead of succeeded at once. */
  refundsPending(on: boolean): void;
  /** The payer pays: succeeded (or waiting_for_capture for capture: false), then the notification unless notify is false. */
  pay(paymentId: string, opts?: { notify?: boolean }): Promise<Json>;
  succeedRefund(refundId: string): Promise<Json>;
  /** YooKassa sends this notification; `object` defaults to the object as it is now. */
  notify(event: string, id: string, opts?: { from?: string; object?: Json; headers?: Record<string, string> }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

const FEE = 0.035;
const value = (minor: number) => `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
const minor = (v: string) => { const [w, f = ''] = v.split('.'); return Number(w) * 100 + Number(f.padEnd(2, '0')); };
const paymentId = () => { const u = randomUUID(); return `${u.slice(0, 8)}-000f-5000-8000-${u.slice(-12)}`; };

export async function startYookassaServer(opts: { shopId: string; secretKey: string; notificationUrl: () => string; retries?: number }): Promise<YookassaServer> {
  const requests: YookassaServer['requests'] = [];
  const payments = new Map<string, Json>();
  const refunds = new Map<string, Json>();
  const keys = new Map<string, { hash: string; at: number; status: number; body: Json }>();
  let hold: number | null = null;
  let pendingRefunds = false;
  const auth = `Basic ${Buffer.from(`${opts.shopId}:${opts.secretKey}`).toString('base64')}`;
  const error = (status: number, code: string, description: string, parameter?: string) =>
    ({ status, body: { type: 'error', id: randomUUID(), code, description, ...(parameter ? { parameter } : {}) } });

  function createPayment(body: Json): { status: number; body: Json } {
    const amount = body.amount;
    if (!amount || typeof amount.value !== 'string' || !/^\d+\.\d{2}$/.test(amount.value)) return error(400, 'invalid_request', 'Invalid amount value', 'amount.value');
    if (amount.currency !== 'RUB') return error(400, 'invalid_request', 'Invalid currency', 'amount.currency');
    if (body.confirmation?.type !== 'redirect' || typeof body.confirmation.return_url !== 'string') return error(400, 'invalid_request', 'Missing return_url', 'confirmation.return_url');
    if (body.payment_method_data && !['bank_card', 'yoo_money', 'sbp', 'installments'].includes(body.payment_method_data.type)) return error(400, 'invalid_request', 'Invalid payment method', 'payment_method_data.type');
    const id = paymentId();
    const payment: Json = {
      id, status: 'pending', paid: false, amount, confirmation: { type: 'redirect', return_url: body.confirmation.return_url, confirmation_url: `${url}/payments-page/${id}` },
      created_at: new Date().toISOString(), description: body.description, metadata: body.metadata ?? {},
      recipient: { account_id: opts.shopId, gateway_id: '100700' }, refundable: false, test: true, capture: body.capture !== false,
      ...(body.payment_method_data ? { payment_method_data: body.payment_method_data } : {}),
    };
    payments.set(id, payment);
    return { status: 200, body: view(payment) };
  }

  /** The payment as the API shows it (without our own bookkeeping fields). */
  const view = (p: Json) => { const { capture: _c, payment_method_data: pm, ...rest } = p; return pm ? { ...rest, payment_method: { type: pm.type, id: rest.id, saved: false } } : rest; };

  function succeed(p: Json) {
    const m = minor(p.amount.value);
    Object.assign(p, { status: 'succeeded', paid: true, captured_at: new Date().toISOString(), income_amount: { value: value(m - Math.round(m * FEE)), currency: p.amount.currency }, refunded_amount: { value: '0.00', currency: p.amount.currency }, refundable: true });
    delete p.confirmation;
  }

  function createRefund(body: Json): { status: number; body: Json } {
    const p = payments.get(body.payment_id);
    if (!p) return error(404, 'not_found', 'Payment not found', 'payment_id');
    if (p.status !== 'succeeded') return error(400, 'invalid_request', 'Payment is not succeeded', 'payment_id');
    const refunded = minor(p.refunded_amount.value);
    const asked = typeof body.amount?.value === 'string' ? minor(body.amount.value) : NaN;
    if (!(asked > 0) || refunded + asked > minor(p.amount.value)) return error(400, 'invalid_request', 'Refund amount exceeds the amount available for refund', 'amount.value');
    const id = paymentId().replace('-000f-', '-0015-');
    const refund: Json = { id, payment_id: p.id, status: pendingRefunds ? 'pending' : 'succeeded', amount: body.amount, created_at: new Date().toISOString(), ...(body.description ? { description: body.description } : {}) };
    refunds.set(id, refund);
    p.refunded_amount = { value: value(refunded + asked), currency: p.amount.currency };
    return { status: 200, body: refund };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const u = new URL(req.url ?? '/', 'http://yookassa.local');
      const key = req.headers['idempotence-key'] as string | undefined;
      let body: Json | undefined;
      try { body = raw ? JSON.parse(raw) : undefined; } catch { body = undefined; }
      const answer = (r: { status: number; body: Json }) => {
        requests.push({ method: req.method!, path: u.pathname, idempotenceKey: key, body, status: r.status });
        res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body));
      };
      if (req.headers.authorization !== auth) return answer(error(401, 'invalid_credentials', 'Authentication error: wrong shopId or secret key'));
      const route = (): { status: number; body: Json } => {
        let m: RegExpExecArray | null;
        if (req.method === 'POST' && u.pathname === '/v3/payments') return createPayment(body ?? {});
        if (req.method === 'POST' && u.pathname === '/v3/refunds') return createRefund(body ?? {});
        if ((m = /^\/v3\/payments\/([^/]+)(?:\/(capture|cancel))?$/.exec(u.pathname))) {
          const p = payments.get(decodeURIComponent(m[1]!));
          if (!p) return error(404, 'not_found', 'Payment not found');
          if (req.method === 'GET' && !m[2]) return { status: 200, body: view(p) };
          if (req.method === 'POST' && m[2] === 'capture') {
            if (p.status !== 'waiting_for_capture') return error(400, 'invalid_request', `Payment is in ${p.status} status`);
            succeed(p);
            return { status: 200, body: view(p) };
          }
          if (req.method === 'POST' && m[2] === 'cancel') {
            if (!['pending', 'waiting_for_capture'].includes(p.status)) return error(400, 'invalid_request', `Payment is in ${p.status} status`);
            Object.assign(p, { status: 'canceled', paid: false, cancellation_details: { party: 'merchant', reason: 'canceled_by_merchant' } });
            return { status: 200, body: view(p) };
          }
        }
        if (req.method === 'GET' && (m = /^\/v3\/refunds\/([^/]+)$/.exec(u.pathname))) {
          const r = refunds.get(decodeURIComponent(m[1]!));
          return r ? { status: 200, body: r } : error(404, 'not_found', 'Refund not found');
        }
        return error(404, 'not_found', 'Unknown method');
      };
      if (req.method !== 'POST') return answer(route());
      if (!key) return answer(error(400, 'invalid_request', 'Idempotence key is empty', 'Idempotence-Key'));
      const hash = createHash('sha256').update(`${req.method} ${u.pathname} ${JSON.stringify(body ?? null)}`).digest('hex');
      const seen = keys.get(key);
      if (seen && Date.now() - seen.at < 24 * 3600_000) {
        if (seen.hash !== hash) return answer(error(400, 'invalid_request', 'Duplicate idempotence key: it was used for another request within the last 24 hours', 'Idempotence-Key'));
        return answer({ status: seen.status, body: seen.body });
      }
      const r = route();
      keys.set(key, { hash, at: Date.now(), ...r });
      if (u.pathname === '/v3/payments' && hold !== null) {
        // Made and remembered, but its answer is lost: the caller cannot know.
        const ms = hold;
        hold = null;
        requests.push({ method: req.method!, path: u.pathname, idempotenceKey: key, body, status: 0 });
        setTimeout(() => req.socket.destroy(), ms);
        return;
      }
      answer(r);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function post(target: string, payload: Json, from: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const data = Buffer.from(JSON.stringify(payload));
      const req = http.request(target, { method: 'POST', localAddress: from, headers: { 'content-type': 'application/json', 'content-length': data.length, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any = text;
          try { parsed = JSON.parse(text); } catch { /* text */ }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('error', reject);
      req.end(data);
    });
  }

  const self: YookassaServer = {
    url, apiUrl: `${url}/v3`, requests, payments, refunds,
    holdNextCreate(ms) { hold = ms; },
    refundsPending(on) { pendingRefunds = on; },
    async pay(id, p = {}) {
      const payment = payments.get(id);
      if (!payment) throw new Error(`no payment ${id}`);
      if (payment.capture) succeed(payment);
      else Object.assign(payment, { status: 'waiting_for_capture', paid: true, expires_at: new Date(Date.now() + 7 * 86400_000).toISOString() });
      if (p.notify !== false) await self.notify(payment.capture ? 'payment.succeeded' : 'payment.waiting_for_capture', id);
      return view(payment);
    },
    async succeedRefund(id) {
      const refund = refunds.get(id);
      if (!refund) throw new Error(`no refund ${id}`);
      refund.status = 'succeeded';
      await self.notify('refund.succeeded', id);
      return refund;
    },
    async notify(event, id, p = {}) {
      const object = p.object ?? (event.startsWith('refund.') ? refunds.get(id) : view(payments.get(id) ?? { id }));
      let last = { status: 0, body: undefined as any };
      for (let i = 0; i < (opts.retries ?? 3); i++) {
        last = await post(opts.notificationUrl(), { type: 'notification', event, object }, p.from ?? '127.0.0.1', p.headers ?? {});
        if (last.status === 200 || p.from) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      return last;
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  return self;
}
