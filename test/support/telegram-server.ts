/**
 * A local Telegram Bot API for every capability's tests: `POST /bot<token>/<method>` with
 * JSON (or form) parameters, answered as telegram-bot-api does: HTTP 200 `{ok: true, result}`
 * or `{ok: false, error_code, description, parameters?}` (Query.h JsonQueryOk/JsonQueryError;
 * the method fixtures in test/fixtures/telegram/methods/ show each result's shape). Every
 * call is recorded; a test answers a method its own way with `answer`, makes the next calls
 * fail with `failNext`, and sends updates to the service's webhook with `deliver`, with the
 * headers Telegram's server sends (WebhookActor.cpp:551-566).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';

export interface BotCall { method: string; params: Record<string, any>; at: number }
export type Failure = number | 'drop' | { code: number; description: string; retryAfter?: number };

export interface LocalTelegram {
  url: string;
  token: string;
  bot: { id: number; username: string; first_name: string };
  calls: BotCall[];
  callsOf(method: string): BotCall[];
  /** Answer a method with this result (or throw-like: return a Failure object via failNext). */
  answer(method: string, result: (params: Record<string, any>) => unknown): void;
  /** Next calls of a method (or of any method: '*') fail in order. */
  failNext(method: string, ...failures: Failure[]): void;
  /** POSTs an update to a webhook as Telegram does; answers the HTTP status. */
  deliver(webhookUrl: string, secret: string, update: Record<string, unknown>): Promise<number>;
  close(): Promise<void>;
}

const now = () => Math.floor(Date.now() / 1000);

/** What a handler returns to answer as telegram-bot-api refuses a call. */
class Refusal { constructor(readonly code: number, readonly description: string) {} }
const refusal = (code: number, description: string) => new Refusal(code, description);
/** Parameters come as JSON booleans or as form strings. */
const isTrue = (v: unknown) => v === true || v === 'true' || v === '1';

export async function startLocalTelegram(token = '123456:TEST-token'): Promise<LocalTelegram> {
  const bot = { id: 7012345678, is_bot: true, first_name: 'Школа системного мышления', username: 'school_systems_bot' };
  let nextMessage = 1000;
  let nextLink = 1;
  const handlers = new Map<string, (p: Record<string, any>) => unknown>([
    ['getMe', () => bot],
    ['sendMessage', (p) => ({ message_id: nextMessage++, from: bot, chat: { id: Number(p.chat_id), type: Number(p.chat_id) < 0 ? 'supergroup' : 'private' }, date: now(), text: p.text })],
    ['sendInvoice', (p) => ({ message_id: nextMessage++, from: bot, chat: { id: Number(p.chat_id), type: 'private' }, date: now(),
      invoice: { title: p.title, description: p.description, start_parameter: p.start_parameter ?? '', currency: p.currency, total_amount: (p.prices as { amount: number }[]).reduce((s, x) => s + x.amount, 0) } })],
    ['createInvoiceLink', (p) => `https://t.me/$${Buffer.from(String(p.payload)).toString('base64url').slice(0, 20)}`],
    // Telegram waits 10 s for the answer of a query it sent (deliver records when): later it
    // is refused, as a query too old. `ok` false needs error_message (Client.cpp:14347-14358).
    ['answerPreCheckoutQuery', (p) => {
      const sent = preCheckoutSentAt.get(String(p.pre_checkout_query_id));
      if (sent !== undefined && Date.now() - sent > 10_000) return refusal(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
      if (!isTrue(p.ok) && !p.error_message) return refusal(400, 'Bad Request: error_message must be non-empty');
      return true;
    }],
    // A Stars charge is refunded whole, once (refundStarPayment: user_id, telegram_payment_charge_id).
    ['refundStarPayment', (p) => {
      const charge = String(p.telegram_payment_charge_id ?? '');
      if (!charge || !p.user_id) return refusal(400, 'Bad Request: invalid user_id or telegram_payment_charge_id');
      if (refunded.has(charge)) return refusal(400, 'Bad Request: CHARGE_ALREADY_REFUNDED');
      refunded.add(charge);
      return true;
    }],
    ['createChatInviteLink', (p) => ({
      invite_link: `https://t.me/+Local${String(nextLink++).padStart(12, '0')}`, creator: bot, creates_join_request: Boolean(p.creates_join_request), is_primary: false, is_revoked: false,
      ...(p.name ? { name: p.name } : {}), ...(p.expire_date ? { expire_date: p.expire_date } : {}), ...(p.member_limit ? { member_limit: p.member_limit } : {}),
    })],
    ['revokeChatInviteLink', (p) => ({ invite_link: p.invite_link, creator: bot, creates_join_request: false, is_primary: false, is_revoked: true })],
    ['approveChatJoinRequest', () => true],
    ['declineChatJoinRequest', () => true],
    ['banChatMember', () => true],
    ['unbanChatMember', () => true],
    ['getChatMember', (p) => ({ status: 'member', user: { id: Number(p.user_id), is_bot: false, first_name: 'Member' } })],
  ]);
  const failures = new Map<string, Failure[]>();
  const preCheckoutSentAt = new Map<string, number>();
  const refunded = new Set<string>();
  const state: LocalTelegram = {
    url: '', token, bot, calls: [],
    callsOf: (method) => state.calls.filter((c) => c.method === method),
    answer: (method, result) => { handlers.set(method, result); },
    failNext: (method, ...f) => { failures.set(method, [...(failures.get(method) ?? []), ...f]); },
    async deliver(webhookUrl, secret, update) {
      const body = JSON.stringify(update);
      const query = (update.pre_checkout_query as { id?: string } | undefined)?.id;
      if (query !== undefined && !preCheckoutSentAt.has(query)) preCheckoutSentAt.set(query, Date.now());
      const res = await fetch(webhookUrl, {
        method: 'POST', body,
        headers: { 'X-Telegram-Bot-Api-Secret-Token': secret, 'Content-Type': 'application/json', 'Accept-Encoding': 'gzip, deflate' },
      });
      await res.arrayBuffer();
      return res.status;
    },
    close: async () => {},
  };

  const app = express();
  app.use(express.json(), express.urlencoded({ extended: false }));
  app.use((req, res) => {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.path);
    if (!m) return void res.status(404).json({ ok: false, error_code: 404, description: 'Not Found' });
    if (m[1] !== token) return void res.status(401).json({ ok: false, error_code: 401, description: 'Unauthorized' });
    const method = m[2]!;
    const params = { ...(req.query as Record<string, unknown>), ...(typeof req.body === 'object' && req.body ? req.body : {}) };
    state.calls.push({ method, params, at: Date.now() });
    const queue = failures.get(method)?.length ? failures.get(method)! : failures.get('*') ?? [];
    const failure = queue.shift();
    if (failure === 'drop') return void req.socket.destroy();
    if (failure !== undefined) {
      const f = typeof failure === 'number'
        ? { code: failure, description: failure === 429 ? 'Too Many Requests: retry after 0' : failure === 400 ? 'Bad Request: chat not found' : 'Internal Server Error', retryAfter: failure === 429 ? 0 : undefined }
        : failure;
      return void res.status(f.code).json({ ok: false, error_code: f.code, description: f.description, ...(f.retryAfter !== undefined ? { parameters: { retry_after: f.retryAfter } } : {}) });
    }
    const handler = handlers.get(method);
    if (!handler) return void res.status(404).json({ ok: false, error_code: 404, description: 'Not Found: method not found' });
    const result = handler(params);
    if (result instanceof Refusal) return void res.status(result.code).json({ ok: false, error_code: result.code, description: result.description });
    res.json({ ok: true, result });
  });
  const server: Server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return state;
}
