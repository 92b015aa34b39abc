/**
 * After paying, the payer learns what next at once (issue 14 §3), and a holder is reminded
 * before the end (issue 13 §6): the order's page in each state, to its owner only; one
 * message per order on Telegram (linked by proof) or by e-mail (verified), whatever the
 * number of Moneta's deliveries; one reminder per subscription, last day and offset with the
 * page that pays the next period. Real NocoDB, PostgreSQL, Redis; local Moneta, Telegram, SMTP.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { startSchool, type School } from '../support/school.ts';
import { startMonetaServer, type MonetaServer } from '../support/moneta-server.ts';
import { startLocalTelegram, type LocalTelegram } from '../support/telegram-server.ts';
import { startSmtpServer, type SmtpServer } from '../support/smtp-server.ts';
import { verifyAddress } from '../support/verify-address.ts';
import { waitFor } from '../support/platform.ts';
import type { Registered } from '../e2e/register.ts';
import { registerThroughStandin } from '../e2e/register.ts';
import type { PointsCapability } from '../../extensions/points/index.ts';

const ACCOUNT = '51234567';
const CODE = 'test-integrity-code';
const STEPS_RU = 'Напишите куратору в [чат курса](https://t.me/+course_chat).\n\n- Откройте первое руководство\n- Запишитесь на разбор <script>alert(1)</script>';
const STEPS_EN = 'Write to your tutor in the [course chat](https://t.me/+course_chat).\n\n- Open the first guide';

/** The text of a message as our SMTP server received it (quoted-printable or base64 parts decoded). */
function mailText(raw: string): string {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  if (/content-transfer-encoding:\s*base64/i.test(head!)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head!)) {
    const soft = body.replace(/=\r?\n/g, '');
    const bytes: number[] = [];
    for (let i = 0; i < soft.length; i++) {
      if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) { bytes.push(parseInt(soft.slice(i + 1, i + 3), 16)); i += 2; } else bytes.push(...Buffer.from(soft[i]!, 'utf8'));
    }
    return Buffer.from(bytes).toString('utf8');
  }
  return body;
}

describe('billing: the payer told what next, and reminded before the end', function () {
  this.timeout(240_000);
  let school: School;
  let moneta: MonetaServer;
  let telegram: LocalTelegram;
  let smtp: SmtpServer;
  let planId: number;

  before(async () => {
    [moneta, telegram, smtp] = await Promise.all([
      startMonetaServer({ accountId: ACCOUNT, integrityCode: CODE, payUrl: () => `${school.platform.url}/hooks/moneta` }),
      startLocalTelegram(), startSmtpServer(),
    ]);
    school = await startSchool('billing_thanks', {
      MONETA_ACCOUNT_ID: ACCOUNT, MONETA_INTEGRITY_CODE: CODE, MONETA_FORM_URL: moneta.formUrl, MONETA_TEST_MODE: 'true',
      TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_URL: telegram.url, SMTP_URL: smtp.url,
    });
    const [product] = await school.rows.insert('products', [{ Title: 'Курс «Системное мышление»', Code: 'sm', Kind: 'course', NextStepsRu: STEPS_RU, NextStepsEn: STEPS_EN }]);
    const [plan] = await school.rows.insert('plans', [{ Title: 'Месяц', Duration: 'month', Jurisdiction: 'ru', Currency: 'RUB' }]);
    await school.rows.link('products', 'Plans', product!.Id, [plan!.Id]);
    const [price] = await school.rows.insert('prices', [{ AmountMinor: 250_000, ValidFrom: '2025-01-01' }]);
    await school.rows.link('plans', 'Prices', plan!.Id, [price!.Id]);
    await school.capabilities.billing.resyncCatalogNow();
    planId = plan!.Id;
  });
  after(async () => { await school?.close(); await Promise.all([moneta?.close(), telegram?.close(), smtp?.close()]); });

  const page = async (path: string, who?: Registered, headers: Record<string, string> = {}) => {
    const res = await fetch(`${school.platform.url}${path}`, { headers: { ...(who ? { 'x-session-token': who.token } : {}), ...headers }, redirect: 'manual' });
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  };
  const stateOf = (html: string) => /data-state="([a-z]+)"/.exec(html)?.[1];
  const checkout = async (who: Registered) => {
    const res = await fetch(`${school.platform.url}/api/billing/checkout`, { method: 'POST', headers: { 'x-session-token': who.token, 'content-type': 'application/json' }, body: JSON.stringify({ planId }) });
    expect(res.status, 'checkout').to.be.oneOf([200, 201]);
    const body = await res.json() as { orderId: string; attemptId: string; payUrl: string };
    expect((await fetch(body.payUrl)).status, 'the payer opens Moneta\'s form').to.equal(200);
    return body;
  };
  const payThreeTimes = async (attemptId: string) => {
    const operationId = `op-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 3; i++) expect(await moneta.pay(attemptId, { operationId })).to.deep.equal({ status: 200, body: 'SUCCESS' });
  };
  const orderPaid = (orderId: string) => waitFor(`order ${orderId} paid`, async () => (await school.db.query(`select status from billing_order where id = $1`, [orderId])).rows[0]?.status === 'paid', 20_000);

  it('shows the order to its owner as processing (reloading itself), then paid with the next steps staff wrote; nobody else learns of it', async () => {
    const ann = await school.register('Ann');
    const bob = await school.register('Bob');
    const { orderId, attemptId } = await checkout(ann);
    const path = `/billing/orders/${orderId}`;

    const waiting = await page(path, ann);
    expect(waiting.status).to.equal(200);
    expect(stateOf(waiting.html)).to.equal('processing');
    expect(waiting.html).to.include('Ждём подтверждения оплаты').and.to.include(`<meta http-equiv="refresh" content="3; url=${path}?n=1"`);
    const long = await page(`${path}?n=40`, ann);
    expect(long.html, 'after two minutes it stops reloading and says so').to.include('Подтверждения пока нет').and.to.not.include('http-equiv="refresh"');
    const hinted = await page(`${path}?failed=1`, ann);
    expect(stateOf(hinted.html), 'the provider\'s failure address is only a hint').to.equal('processing');
    expect(hinted.html).to.include('возможно, не прошла').and.to.include(`action="/billing/renew/${planId}"`);

    // Anyone else: the same 404 as an order that does not exist; a visitor is sent to sign in and back.
    const other = await page(path, bob);
    expect(other.status).to.equal(404);
    expect(other.html).to.include('Такого заказа у вас нет').and.to.not.include('Системное мышление');
    expect((await page(`/billing/orders/${randomUUID()}`, ann)).status).to.equal(404);
    expect((await page('/billing/orders/not-a-uuid', ann)).status).to.equal(404);
    const visitor = await page(path, undefined, { accept: 'text/html' });
    expect(visitor.status).to.equal(303);
    expect(decodeURIComponent(visitor.location!)).to.include('/self-service/login/browser').and.to.include(`return_to=${school.platform.url}${path}`);
    const script = await page(path, undefined, { accept: 'application/json' });
    expect(script.status).to.equal(401);
    expect(script.html).to.include('Войдите, чтобы увидеть свой заказ').and.to.not.include('Системное мышление');

    await payThreeTimes(attemptId);
    await orderPaid(orderId);
    const paid = await page(path, ann);
    expect(stateOf(paid.html)).to.equal('paid');
    expect(paid.html, 'no more reloading').to.not.include('http-equiv="refresh"');
    expect(paid.html).to.include('Оплата получена. Спасибо!').and.to.include('<a href="https://t.me/+course_chat" rel="noopener noreferrer">чат курса</a>')
      .and.to.include('<li>Откройте первое руководство</li>');
    expect(paid.html, 'staff\'s text is never raw HTML').to.include('&lt;script>alert(1)&lt;/script>').and.to.not.include('<script>alert(1)');
    const english = await page(`${path}?lang=en`, ann);
    expect(english.html).to.include('Payment received. Thank you!').and.to.include('>course chat</a>');
    expect((await page(path, bob)).status, 'paid or not, not Bob\'s').to.equal(404);
  });

  it('tells each payer once, whatever the number of deliveries: on Telegram when linked by proof, else by e-mail, in their language', async () => {
    const tanya = await school.register('Tanya');
    await verifyAddress(school.standin.url, tanya.email);
    const points = school.capabilities.all.find((c) => c.name === 'points') as PointsCapability;
    expect((await points.links.telegram(tanya.id, '555001', `proof-${randomUUID()}`)).type).to.equal('linked');
    const eve = await registerThroughStandin(school.standin.url, 'Eve', { traits: { name: { first: 'Eve', last: 'Test' }, locale: 'en' } });
    await verifyAddress(school.standin.url, eve.email);
    const mailsBefore = smtp.messages.length;

    const t = await checkout(tanya);
    const e = await checkout(eve);
    await payThreeTimes(t.attemptId);
    await payThreeTimes(e.attemptId);
    await orderPaid(t.orderId);
    await orderPaid(e.orderId);

    const toTanya = await waitFor('the message to Tanya on Telegram', async () => telegram.callsOf('sendMessage').find((c) => String(c.params.chat_id) === '555001'), 20_000);
    expect(toTanya.params.text).to.include('Оплата за «Курс «Системное мышление» · Месяц» получена')
      .and.to.include('чат курса (https://t.me/+course_chat)').and.to.include('• Откройте первое руководство')
      .and.to.include(`${school.platform.url}/billing/orders/${t.orderId}`);
    const toEve = await waitFor('the e-mail to Eve', async () => smtp.messages.find((m) => m.to.includes(eve.email)), 20_000);
    expect(mailText(toEve.body)).to.include('Thank you! Your payment for').and.to.include('course chat (https://t.me/+course_chat)')
      .and.to.include(`${school.platform.url}/billing/orders/${e.orderId}`);

    // Nothing more however long we wait or however often the sender runs.
    await school.capabilities.billing.sendNoticesNow();
    await new Promise((r) => setTimeout(r, 1500));
    expect(telegram.callsOf('sendMessage').filter((c) => String(c.params.chat_id) === '555001')).to.have.length(1);
    expect(smtp.messages.slice(mailsBefore).filter((m) => m.to.includes(eve.email)), 'one e-mail to Eve').to.have.length(1);
    expect(smtp.messages.slice(mailsBefore).filter((m) => m.to.includes(tanya.email)), 'Tanya is told on Telegram, not by e-mail too').to.have.length(0);
    const notices = (await school.db.query(`select person_id, channel, status from billing_notices where kind = 'paid' and order_id = any($1::uuid[]) order by channel`, [[t.orderId, e.orderId]])).rows;
    expect(notices).to.deep.equal([{ person_id: eve.id, channel: 'email', status: 'sent' }, { person_id: tanya.id, channel: 'telegram', status: 'sent' }]);
  });

  it('a failed payment says so on the order page and its button starts a new checkout at Moneta', async () => {
    const cid = await school.register('Cid');
    const { orderId, attemptId } = await checkout(cid);
    // What the reconciliation pass records when the provider says the payment failed.
    await school.db.query(`update billing_attempt set status = 'failed' where id = $1`, [attemptId]);
    const failed = await page(`/billing/orders/${orderId}`, cid);
    expect(stateOf(failed.html)).to.equal('failed');
    expect(failed.html).to.include('Оплата не прошла.').and.to.include('Попробовать ещё раз').and.to.not.include('http-equiv="refresh"');
    const again = await fetch(`${school.platform.url}/billing/renew/${planId}`, { method: 'POST', headers: { 'x-session-token': cid.token }, redirect: 'manual' });
    expect(again.status).to.equal(303);
    const next = new URL(again.headers.get('location')!);
    expect(next.origin + next.pathname).to.equal(moneta.formUrl);
    expect(next.searchParams.get('MNT_TRANSACTION_ID'), 'a new attempt').to.not.equal(attemptId);
    expect(next.searchParams.get('MNT_SUCCESS_URL'), 'of the same order').to.equal(`${school.platform.url}/billing/orders/${orderId}`);
  });

  it('reminds a holder 7 days before the end once, with the page that pays the next period; a pass run again sends nothing more', async () => {
    const dan = await school.register('Dan');
    await verifyAddress(school.standin.url, dan.email);
    const { orderId, attemptId } = await checkout(dan);
    await payThreeTimes(attemptId);
    await orderPaid(orderId);
    await waitFor('the what-next e-mail to Dan', async () => smtp.messages.find((m) => m.to.includes(dan.email)), 20_000);
    // Three weeks and more later: his month ends in 7 days.
    const { rows: [sub] } = await school.db.query(`update billing_subscription set starts_on = billing_today() - 23, ends_on = billing_today() + 7
      where person_id = $1 returning id, to_char(ends_on, 'YYYY-MM-DD') as ends_on`, [dan.id]);
    const before = smtp.messages.filter((m) => m.to.includes(dan.email)).length;

    expect((await school.capabilities.billing.passNow()).reminders).to.be.greaterThanOrEqual(1);
    const reminder = await waitFor('the reminder to Dan', async () => smtp.messages.filter((m) => m.to.includes(dan.email))[before], 20_000);
    const body = mailText(reminder.body);
    expect(body).to.include('действует по').and.to.include(`${school.platform.url}/billing/renew/${planId}`).and.to.include('Автоматически мы деньги не списываем');

    expect((await school.capabilities.billing.passNow()).reminders, 'the second pass').to.equal(0);
    await school.capabilities.billing.sendNoticesNow();
    await new Promise((r) => setTimeout(r, 1000));
    expect(smtp.messages.filter((m) => m.to.includes(dan.email)), 'one what-next, one reminder').to.have.length(before + 1);
    const rows = (await school.db.query(`select days_before, status from billing_notices where subscription_id = $1`, [sub.id])).rows;
    expect(rows).to.deep.equal([{ days_before: 7, status: 'sent' }]);

    // The link pays the next period: the price, a button, and Moneta.
    const renew = await page(`/billing/renew/${planId}`, dan);
    expect(renew.status).to.equal(200);
    expect(renew.html).to.include('Курс «Системное мышление» · Месяц').and.to.match(/2\s500,00/).and.to.include('Перейти к оплате');
    const go = await fetch(`${school.platform.url}/billing/renew/${planId}`, { method: 'POST', headers: { 'x-session-token': dan.token }, redirect: 'manual' });
    expect(go.status).to.equal(303);
    expect(go.headers.get('location')).to.match(new RegExp(`^${moneta.formUrl.replace(/[.?]/g, '\\$&')}\\?`));
  });

  it('reminds the holder of a free subscription the day before, without a pay link', async () => {
    const fay = await school.register('Fay');
    await verifyAddress(school.standin.url, fay.email);
    // As a staff grant leaves it (schemas/nocodb Grants -> grants.ts): free, ending tomorrow.
    const { rows: [sub] } = await school.db.query(`insert into billing_subscription (person_id, plan_id, product_id, kind, status, starts_on, ends_on, source)
      select $1, id, product_id, 'free', 'active', billing_today() - 10, billing_today() + 1, $2 from billing_plan where id = $3 returning id`, [fay.id, `grant:test-${randomUUID()}`, planId]);
    await school.capabilities.billing.passNow();
    const mail = await waitFor('the reminder to Fay', async () => smtp.messages.find((m) => m.to.includes(fay.email)), 20_000);
    const body = mailText(mail.body);
    expect(body).to.include('Она бесплатная: платить за неё не нужно').and.to.include(`${school.platform.url}/subscriptions`);
    expect(body, 'nothing to pay').to.not.include('/billing/renew/');
    expect((await school.db.query(`select days_before from billing_notices where subscription_id = $1`, [sub.id])).rows).to.deep.equal([{ days_before: 1 }]);
  });
});
