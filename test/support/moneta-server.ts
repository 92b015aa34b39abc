/**
 * A local MONETA.Assistant for tests, speaking its wire format (test/fixtures/moneta/):
 * the payment form at /assistant.htm checks the form's MNT_* parameters and MNT_SIGNATURE
 * as Moneta does and shows a payment page; `pay(transactionId)` is the payer paying, after
 * which Moneta calls the shop's Pay URL with the notification's fields as a form POST,
 * signed, and sends it again until the answer's text is SUCCESS.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { amountOf, formSignature, minorOf, monetaNotification, notificationSignature } from '../../schemas/events/moneta.ts';

const escapeHtml = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface MonetaServer {
  url: string;
  formUrl: string;
  /** Forms opened: the parameters as received, and whether their signature held. */
  opened: { params: Record<string, string>; signatureOk: boolean }[];
  /** Each Pay URL call: status and body of the shop's answer. */
  calls: { status: number; body: string; fields: Record<string, string> }[];
  pay(transactionId: string, opts?: { amountMinor?: number; operationId?: string; tamper?: (f: Record<string, string>) => void }): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

export async function startMonetaServer(opts: { accountId: string; integrityCode: string; payUrl: () => string; retries?: number }): Promise<MonetaServer> {
  const opened: MonetaServer['opened'] = [];
  const calls: MonetaServer['calls'] = [];
  const byTransaction = new Map<string, Record<string, string>>();
  let operation = 90_000_000;
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://moneta.local');
    if (u.pathname !== '/assistant.htm') { res.writeHead(404).end(); return; }
    const params = Object.fromEntries(u.searchParams);
    const expected = formSignature(params as Parameters<typeof formSignature>[0], opts.integrityCode);
    const signatureOk = params.MNT_ID === opts.accountId && params.MNT_SIGNATURE === expected;
    opened.push({ params, signatureOk });
    if (!signatureOk) { res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end('<p>Неверная подпись запроса</p>'); return; }
    byTransaction.set(params.MNT_TRANSACTION_ID!, params);
    // As Moneta's own page does after a payment: a way back to the shop's MNT_SUCCESS_URL.
    const back = params.MNT_SUCCESS_URL ? `<p><a id="back-to-shop" href="${escapeHtml(params.MNT_SUCCESS_URL)}">Вернуться в магазин</a></p>` : '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<h1>MONETA.RU</h1><p>${escapeHtml(params.MNT_DESCRIPTION ?? '')}: ${escapeHtml(params.MNT_AMOUNT ?? '')} ${escapeHtml(params.MNT_CURRENCY_CODE ?? '')}</p>${back}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, formUrl: `${url}/assistant.htm`, opened, calls,
    async pay(transactionId, p = {}) {
      const form = byTransaction.get(transactionId);
      if (!form) throw new Error(`no form was opened for ${transactionId}`);
      const fields: Record<string, string> = {
        MNT_ID: form.MNT_ID!, MNT_TRANSACTION_ID: transactionId, MNT_OPERATION_ID: p.operationId ?? String(++operation),
        MNT_AMOUNT: p.amountMinor !== undefined ? amountOf(p.amountMinor) : amountOf(minorOf(form.MNT_AMOUNT!)), MNT_CURRENCY_CODE: form.MNT_CURRENCY_CODE!,
        MNT_SUBSCRIBER_ID: form.MNT_SUBSCRIBER_ID ?? '', MNT_TEST_MODE: form.MNT_TEST_MODE ?? '0', MNT_USER: '12345678', MNT_CORRACCOUNT: '303',
      };
      fields.MNT_SIGNATURE = notificationSignature(monetaNotification.parse({ ...fields, MNT_SIGNATURE: '0'.repeat(32) }), opts.integrityCode);
      p.tamper?.(fields);
      let last = { status: 0, body: '' };
      for (let i = 0; i < (opts.retries ?? 3); i++) {
        const res = await fetch(opts.payUrl(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
        last = { status: res.status, body: await res.text() };
        calls.push({ ...last, fields });
        if (last.body.trim() === 'SUCCESS') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      return last;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
