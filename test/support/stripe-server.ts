/**
 * A local Stripe for tests, speaking its wire format: form-encoded requests with bracketed
 * keys (`line_items[0][price_data][currency]=eur`), `Authorization: Bearer sk_...`,
 * `Idempotency-Key` (the same key with the same parameters replays the first answer, with other
 * parameters is an `idempotency_error`), JSON objects and `{error: {type, code, message, param}}`
 * errors, lists `{object: 'list', data, has_more, url}` newest first, `expand[]`. Objects are
 * shaped after test/fixtures/stripe/ (GitPay's recorded 2025 Checkout Session and Charge);
 * as at API version 2025-08-27.basil, a Charge carries no `refunds` list.
 *
 * The payer's side is the test's: `pay(sessionId)` completes the session as Stripe's hosted page
 * does (a payment intent, its charge, a balance transaction with Stripe's fee) and makes the
 * events; `expire`, `refund` events likewise. Events are delivered to the webhook URL signed as
 * Stripe signs them (`Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`, computed here
 * with node:crypto, not with the stripe package our code verifies with), 2-space JSON, and sent
 * again while the answer is not 2xx.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

type Obj = Record<string, any>;

const fixture = (name: string) => JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../fixtures/stripe', name), 'utf8')) as { body: Obj };
const SESSION_TEMPLATE = fixture('checkout_session_completed.json').body.data.object as Obj;
const CHARGE_TEMPLATE = (() => {
  const { refunds: _refunds, ...charge } = fixture('charge_refunded.json').body.data.object as Obj;
  return charge;
})();
const API_VERSION = '2025-08-27.basil';

export interface StripeEventOut { id: string; type: string; body: Obj }
export interface Delivery { status: number; body: string }

export interface StripeServer {
  url: string;
  /** Every API request: method, path, its Idempotency-Key and parameters. */
  requests: { method: string; path: string; idempotencyKey?: string; params: Obj }[];
  sessions: Map<string, Obj>;
  refunds: Map<string, Obj>;
  /** While on, a Checkout Session create is done at Stripe but its answer never comes (the client times out). */
  hangCreates(on: boolean): void;
  /** The next `n` reads of a Checkout Session answer 500 api_error (Stripe having a bad moment). */
  failSessionReads(n: number): void;
  /** The payer pays on the hosted page; the events are delivered unless `deliver: false`. */
  pay(sessionId: string, opts?: { deliver?: boolean }): Promise<StripeEventOut[]>;
  /** An event of any type with the given object, as Stripe would make it (not delivered). */
  event(type: string, object: Obj, previous?: Obj): StripeEventOut;
  /** Sends an event to the webhook: signed now (or at `timestamp`) with the endpoint secret (or `secret`), the body as made (or `body`). */
  deliver(e: StripeEventOut, opts?: { timestamp?: number; secret?: string; body?: string; signature?: string | null; retries?: number }): Promise<Delivery>;
  close(): Promise<void>;
}

const id = (prefix: string) => `${prefix}_test_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
const now = () => Math.floor(Date.now() / 1000);
const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

/** Stripe's form encoding: `a[b][0][c]=v` into nested objects and arrays. */
export function parseForm(text: string): Obj {
  const out: Obj = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const parts = key.split(/\[|\]\[|\]/).filter((p) => p !== '');
    let at: any = out;
    parts.forEach((p, i) => {
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(parts[i + 1]!);
      if (last) at[p] = value;
      else at = at[p] ??= nextIsIndex ? [] : {};
    });
  }
  return out;
}

class StripeApiError extends Error {
  constructor(readonly status: number, readonly body: Obj) { super(body.message); }
}
const invalid = (message: string, extra: Obj = {}) => new StripeApiError(400, { type: 'invalid_request_error', message, ...extra });
const missing = (what: string, value: string) => new StripeApiError(404, { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such ${what}: '${value}'` });

export async function startStripeServer(opts: { secretKey: string; webhookSecret: string; webhookUrl: () => string; feePercent?: number; feeFixed?: number }): Promise<StripeServer> {
  const requests: StripeServer['requests'] = [];
  const sessions = new Map<string, Obj>();
  const intents = new Map<string, Obj>();
  const charges = new Map<string, Obj>();
  const balance = new Map<string, Obj>();
  const refunds = new Map<string, Obj>();
  const idempotent = new Map<string, { params: string; status: number; body: Obj }>();
  let hang = false;
  let failReads = 0;
  let url = '';

  const byPrefix = (value: string): Obj | undefined =>
    value.startsWith('pi_') ? intents.get(value) : value.startsWith('ch_') ? charges.get(value) : value.startsWith('txn_') ? balance.get(value) : undefined;
  /** expand[]=payment_intent.latest_charge.balance_transaction: ids replaced by their objects, level by level. */
  const expand = (o: Obj, paths: string[]): Obj => {
    const copy = clone(o);
    for (const p of paths) {
      let level: Obj[] = [copy];
      for (const key of p.split('.')) {
        const next: Obj[] = [];
        for (const x of level) {
          if (typeof x[key] === 'string') x[key] = clone(byPrefix(x[key]) ?? x[key]);
          if (x[key] && typeof x[key] === 'object') next.push(x[key]);
        }
        level = next;
      }
    }
    return copy;
  };
  const list = (items: Obj[], path: string, q: Obj) => {
    const sorted = [...items].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
    const after = q.starting_after ? sorted.findIndex((x) => x.id === q.starting_after) + 1 : 0;
    const limit = Math.min(Number(q.limit ?? 10), 100);
    const page = sorted.slice(after, after + limit);
    return { object: 'list', data: page, has_more: after + limit < sorted.length, url: path };
  };
  const inCreated = (x: Obj, c: Obj | undefined) => !c || ((c.gte === undefined || x.created >= Number(c.gte)) && (c.lte === undefined || x.created <= Number(c.lte))
    && (c.gt === undefined || x.created > Number(c.gt)) && (c.lt === undefined || x.created < Number(c.lt)));

  function createSession(p: Obj): Obj {
    if (p.mode !== 'payment') throw invalid(p.mode ? `Invalid mode: ${p.mode}` : 'Missing required param: mode.', { code: 'parameter_missing', param: 'mode' });
    if (!p.success_url) throw invalid('Missing required param: success_url.', { code: 'parameter_missing', param: 'success_url' });
    const items = Array.isArray(p.line_items) ? p.line_items : [];
    if (!items.length) throw invalid('Missing required param: line_items.', { code: 'parameter_missing', param: 'line_items' });
    const currencies = new Set(items.map((i: Obj) => i.price_data?.currency));
    const currency = [...currencies][0];
    if (currencies.size !== 1 || !/^[a-z]{3}$/.test(currency ?? '')) throw invalid('Invalid currency.', { code: 'parameter_invalid', param: 'line_items[0][price_data][currency]' });
    let total = 0;
    for (const [n, i] of items.entries()) {
      const unit = Number(i.price_data?.unit_amount);
      if (!Number.isInteger(unit) || unit < 0) throw invalid('Invalid integer', { code: 'parameter_invalid_integer', param: `line_items[${n}][price_data][unit_amount]` });
      if (!i.price_data?.product_data?.name) throw invalid('Missing required param: line_items[0][price_data][product_data][name].', { code: 'parameter_missing' });
      total += unit * Number(i.quantity ?? 1);
    }
    // Stripe's minimum charge (0.50 of EUR, USD, GBP and most currencies).
    if (total < 50) throw invalid(`The Checkout Session's total amount due must add up to at least ${currency.toUpperCase()} 0.50`, { code: 'amount_too_small', param: 'line_items' });
    const created = now();
    const sid = id('cs');
    const session = {
      ...clone(SESSION_TEMPLATE), id: sid, amount_subtotal: total, amount_total: total, cancel_url: p.cancel_url ?? null, client_reference_id: p.client_reference_id ?? null,
      created, currency, customer_details: null, expires_at: created + 24 * 3600, livemode: false, locale: p.locale ?? null, metadata: p.metadata ?? {},
      payment_intent: null, payment_link: null, payment_status: 'unpaid', status: 'open', success_url: p.success_url, url: `${url}/c/pay/${sid}`,
    };
    sessions.set(sid, session);
    return session;
  }

  function createRefund(p: Obj): Obj {
    const pi = p.payment_intent ? intents.get(p.payment_intent) : p.charge ? intents.get(charges.get(p.charge)?.payment_intent) : undefined;
    if (!pi) throw invalid(`No such payment_intent: '${p.payment_intent ?? p.charge}'`, { code: 'resource_missing', param: 'payment_intent' });
    const charge = charges.get(pi.latest_charge)!;
    const left = charge.amount - charge.amount_refunded;
    if (left === 0) throw invalid(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
    const amount = p.amount === undefined ? left : Number(p.amount);
    if (!Number.isInteger(amount) || amount <= 0) throw invalid('Invalid positive integer', { code: 'parameter_invalid_integer', param: 'amount' });
    if (amount > left) throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`, { code: 'amount_too_large', param: 'amount' });
    const refund = {
      id: id('re'), object: 'refund', amount, balance_transaction: id('txn'), charge: charge.id, created: now(), currency: charge.currency,
      destination_details: { card: { type: 'pending' }, type: 'card' }, metadata: p.metadata ?? {}, payment_intent: pi.id, reason: p.reason ?? null,
      receipt_number: null, source_transfer_reversal: null, status: 'succeeded', transfer_reversal: null,
    };
    refunds.set(refund.id, refund);
    const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    // Stripe tells of it with these two (and charge.refund.updated later, if it changes).
    void server.deliverAll([server.event('refund.created', refund), server.event('charge.refunded', charge, previous)]);
    return refund;
  }

  function route(method: string, pathname: string, p: Obj): Obj {
    let m: RegExpMatchArray | null;
    if (method === 'POST' && pathname === '/v1/checkout/sessions') return createSession(p);
    if (method === 'GET' && pathname === '/v1/checkout/sessions') {
      const found = [...sessions.values()].filter((s) => inCreated(s, p.created) && (!p.payment_intent || s.payment_intent === p.payment_intent));
      return list(found, pathname, p);
    }
    if (method === 'GET' && (m = pathname.match(/^\/v1\/checkout\/sessions\/([^/]+)$/))) {
      const s = sessions.get(decodeURIComponent(m[1]!));
      if (!s) throw missing('checkout.session', m[1]!);
      return expand(s, [].concat(p.expand ?? []));
    }
    if (method === 'POST' && pathname === '/v1/refunds') return createRefund(p);
    if (method === 'GET' && pathname === '/v1/refunds') {
      return list([...refunds.values()].filter((r) => (!p.charge || r.charge === p.charge) && (!p.payment_intent || r.payment_intent === p.payment_intent)), pathname, p);
    }
    if (method === 'GET' && (m = pathname.match(/^\/v1\/refunds\/([^/]+)$/))) {
      const r = refunds.get(decodeURIComponent(m[1]!));
      if (!r) throw missing('refund', m[1]!);
      return r;
    }
    throw new StripeApiError(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${pathname}).` });
  }

  const http_ = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://stripe.local');
      const send = (status: number, body: Obj, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req'), 'stripe-version': String(req.headers['stripe-version'] ?? API_VERSION), ...headers }).end(JSON.stringify(body, null, 2));
      };
      if (u.pathname.startsWith('/c/pay/')) { res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Stripe Checkout</h1>'); return; }
      if (req.headers.authorization !== `Bearer ${opts.secretKey}`) {
        send(401, { error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${String(req.headers.authorization ?? '').slice(7, 15)}****` } });
        return;
      }
      const text = req.method === 'GET' ? u.search.slice(1) : Buffer.concat(chunks).toString('utf8');
      const params = parseForm(text);
      const key = req.headers['idempotency-key'] as string | undefined;
      requests.push({ method: req.method ?? '', path: u.pathname, ...(key ? { idempotencyKey: key } : {}), params });
      if (req.method === 'GET' && /^\/v1\/checkout\/sessions\/[^/]+$/.test(u.pathname) && failReads > 0) {
        failReads--;
        send(500, { error: { type: 'api_error', message: 'An unknown error occurred' } });
        return;
      }
      const hangThis = hang && req.method === 'POST' && u.pathname === '/v1/checkout/sessions';
      if (req.method === 'POST' && key) {
        const seen = idempotent.get(key);
        if (seen && seen.params !== text) {
          if (!hangThis) send(400, { error: { type: 'idempotency_error', message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.` } });
          return;
        }
        if (seen) { if (!hangThis) send(seen.status, seen.body, { 'idempotent-replayed': 'true', 'original-request': 'req_original' }); return; }
      }
      let status = 200;
      let body: Obj;
      try {
        body = route(req.method ?? 'GET', u.pathname, params);
      } catch (e) {
        if (!(e instanceof StripeApiError)) throw e;
        status = e.status;
        body = { error: e.body };
      }
      // Stripe keeps the answer of a POST under its key (a 5xx is not kept) for 24 h.
      if (req.method === 'POST' && key && status < 500) idempotent.set(key, { params: text, status, body });
      if (hangThis) return; // done at Stripe; the answer is lost on the way
      send(status, body);
    });
  });

  const server = {
    event(type: string, object: Obj, previous?: Obj): StripeEventOut {
      const body = {
        id: id('evt'), object: 'event', api_version: API_VERSION, created: now(),
        data: { object: clone(object), ...(previous ? { previous_attributes: previous } : {}) },
        livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type,
      };
      return { id: body.id, type, body };
    },
    async deliver(e: StripeEventOut, d: { timestamp?: number; secret?: string; body?: string; signature?: string | null; retries?: number } = {}): Promise<Delivery> {
      let last: Delivery = { status: 0, body: '' };
      for (let i = 0; i <= (d.retries ?? 0); i++) {
        const raw = JSON.stringify(e.body, null, 2);
        const t = d.timestamp ?? now();
        const v1 = createHmac('sha256', d.secret ?? opts.webhookSecret).update(`${t}.${raw}`, 'utf8').digest('hex');
        const signature = d.signature === undefined ? `t=${t},v1=${v1}` : d.signature;
        const res = await fetch(opts.webhookUrl(), {
          method: 'POST', body: d.body ?? raw,
          headers: {
            'content-type': 'application/json; charset=utf-8', 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)', 'accept': '*/*; q=0.5, application/xml', 'cache-control': 'no-cache',
            ...(signature !== null ? { 'stripe-signature': signature } : {}),
          },
        });
        last = { status: res.status, body: await res.text() };
        if (res.ok) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      return last;
    },
    async deliverAll(events: StripeEventOut[]) {
      for (const e of events) await server.deliver(e, { retries: 3 });
    },
  };

  await new Promise<void>((r) => http_.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(http_.address() as AddressInfo).port}`;

  return {
    url, requests, sessions, refunds,
    hangCreates: (on) => { hang = on; },
    failSessionReads: (n) => { failReads = n; },
    event: server.event,
    deliver: server.deliver,
    async pay(sessionId, p = {}) {
      const s = sessions.get(sessionId);
      if (!s || s.status !== 'open') throw new Error(`session ${sessionId} is not open`);
      const t = now();
      const fee = Math.round(s.amount_total * (opts.feePercent ?? 1.5) / 100) + (opts.feeFixed ?? 25);
      const txn = { id: id('txn'), object: 'balance_transaction', amount: s.amount_total, currency: s.currency, fee, net: s.amount_total - fee, created: t, status: 'pending', type: 'charge', reporting_category: 'charge' };
      const pi = { id: id('pi'), object: 'payment_intent', amount: s.amount_total, amount_received: s.amount_total, currency: s.currency, status: 'succeeded', created: t, latest_charge: '', metadata: s.metadata, livemode: false };
      const charge = {
        ...clone(CHARGE_TEMPLATE), id: id('ch'), amount: s.amount_total, amount_captured: s.amount_total, amount_refunded: 0, refunded: false, balance_transaction: txn.id,
        created: t, currency: s.currency, payment_intent: pi.id, metadata: s.metadata, paid: true, captured: true, status: 'succeeded', livemode: false,
      };
      pi.latest_charge = charge.id;
      balance.set(txn.id, { ...txn, source: charge.id });
      intents.set(pi.id, pi);
      charges.set(charge.id, charge);
      Object.assign(s, { status: 'complete', payment_status: 'paid', payment_intent: pi.id, url: null, customer_details: { ...SESSION_TEMPLATE.customer_details, email: 'payer@example.org', name: 'A Payer' } });
      const events = [server.event('charge.succeeded', charge), server.event('payment_intent.succeeded', pi), server.event('checkout.session.completed', s)];
      if (p.deliver !== false) await server.deliverAll(events);
      return events;
    },
    close: () => new Promise<void>((r) => { http_.closeAllConnections(); http_.close(() => r()); }),
  };
}
