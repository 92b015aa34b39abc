/**
 * Paying with YooKassa (API v3), as a student does and as YooKassa does it (issue 14): the
 * checkout creates the payment at the local YooKassa (test/support/yookassa-server.ts) with
 * the attempt's id as its Idempotence-Key, the payer pays, YooKassa notifies from its
 * networks, and the service books only what it re-reads from YooKassa: once, whatever the
 * number and order of notifications; a notification from elsewhere is refused; a forged one
 * books nothing; a creation whose answer is lost blocks the order until reconciliation finds
 * the payment by the same key; staff refunds in NocoDB go through YooKassa and back out of
 * the ledger and, in full, out of the guide.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { networks } from '../../kernel/networks.ts';
import { YOOKASSA_NETWORKS } from '../../schemas/events/yookassa.ts';
import { inTransaction } from '../../kernel/db.ts';
import { applyProviderPayment, balanceOf } from '../../extensions/billing/index.ts';
import { startSchool, type School } from '../support/school.ts';
import { startYookassaServer, type YookassaServer } from '../support/yookassa-server.ts';
import { waitFor } from '../support/platform.ts';

const SHOP = '123456';
const KEY = 'test_fixture_secret_key';
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/yookassa/${name}`, import.meta.url), 'utf8'));

describe('YooKassa networks (test/fixtures/yookassa/ip_networks.json)', () => {
  const { body } = fixture('ip_networks.json');
  it('takes every address inside the published networks and none outside', () => {
    const list = networks(YOOKASSA_NETWORKS);
    for (const a of body.inside) expect(list.has(a), a).to.equal(true);
    for (const a of body.outside) expect(list.has(a), a).to.equal(false);
    expect(list.has('::ffff:185.71.76.5'), 'an IPv4 sender on a dual-stack socket').to.equal(true);
    // The default covers every network the official SDKs trust.
    for (const n of body.sdk_2022 as string[]) expect(list.has(n.split('/')[0]!), n).to.equal(true);
  });
});

describe('billing: a student pays with YooKassa', function () {
  this.timeout(240_000);
  let school: School;
  let yk: YookassaServer;
  let planId: number;
  let productId: number;
  const guide = 'systems-303';

  before(async () => {
    yk = await startYookassaServer({ shopId: SHOP, secretKey: KEY, notificationUrl: () => `${school.platform.url}/hooks/yookassa` });
    school = await startSchool('billing_yookassa', {
      YOOKASSA_SHOP_ID: SHOP, YOOKASSA_SECRET_KEY: KEY, YOOKASSA_API_URL: yk.apiUrl, YOOKASSA_TIMEOUT_MS: '1500',
      // YooKassa's networks, here: the loopback address its local server sends from.
      YOOKASSA_ALLOWED_NETWORKS: '127.0.0.1/32',
    }, { sweep: true });
    const [g] = await school.rows.insert('guides', [{ Title: 'Системное мышление 3', Slug: guide }]);
    const [product] = await school.rows.insert('products', [{ Title: 'БР+', Code: 'br-plus-yk', Kind: 'subscription' }]);
    await school.rows.link('products', 'Guides', product!.Id, [g!.Id]);
    const [plan] = await school.rows.insert('plans', [{ Title: 'БР+, месяц', Duration: 'month', Jurisdiction: 'ru', Currency: 'RUB', Installments: 3 }]);
    await school.rows.link('products', 'Plans', product!.Id, [plan!.Id]);
    const [price] = await school.rows.insert('prices', [{ AmountMinor: 150_000, ValidFrom: '2025-01-01' }]);
    await school.rows.link('plans', 'Prices', plan!.Id, [price!.Id]);
    await school.capabilities.billing.resyncCatalogNow();
    planId = plan!.Id;
    productId = product!.Id;
  });
  after(async () => { await school?.close(); await yk?.close(); });

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${school.platform.url}${path}`, {
      method, headers: { ...(token ? { 'x-session-token': token } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json().catch(() => null) as any };
  };
  const count = async (sql: string, params: unknown[] = []) => (await school.db.query(sql, params)).rows[0].n as number;
  const mayRead = (id: string) => school.standin.ory.keto.check({ namespace: 'Guide', object: guide, relation: 'read', subject: id });
  const jobsSettled = () => waitFor('YooKassa notifications handled', async () =>
    (await count(`select count(*)::int as n from inbox_job j join inbox_event e on e.id = j.event_id where e.source = 'yookassa' and j.status = 'pending'`)) === 0, 20_000);

  let paid: { person: string; token: string; paymentId: string };

  it('creates the payment at YooKassa, books it once under three out-of-order notifications, and opens the guide', async () => {
    const ann = await school.register('Ann');
    const first = await call('POST', '/api/billing/checkout', ann.token, { planId });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body).to.include({ provider: 'yookassa', amountMinor: 150_000, currency: 'RUB', reused: false });
    const created = yk.requests.find((r) => r.method === 'POST' && r.path === '/v3/payments')!;
    expect(created.idempotenceKey, 'the attempt is the Idempotence-Key').to.equal(first.body.attemptId);
    expect(created.body).to.deep.equal({
      amount: { value: '1500.00', currency: 'RUB' }, capture: true,
      confirmation: { type: 'redirect', return_url: `${school.platform.url}/billing/orders/${first.body.orderId}`, locale: 'ru_RU' },
      description: 'БР+, месяц', metadata: { attempt_id: first.body.attemptId, order_id: first.body.orderId },
    });
    const payment = [...yk.payments.values()].find((p) => p.metadata.attempt_id === first.body.attemptId)!;
    expect(first.body.payUrl, 'the payer goes to the confirmation_url').to.equal(payment.confirmation.confirmation_url);

    // Paid: YooKassa says so; then a late payment.canceled for it, then succeeded twice more.
    const canceledBefore = { ...payment, status: 'canceled', paid: false, cancellation_details: { party: 'yoo_money', reason: 'expired_on_confirmation' } };
    await yk.pay(payment.id);
    expect((await yk.notify('payment.canceled', payment.id, { object: canceledBefore })).status).to.equal(200);
    expect((await yk.notify('payment.succeeded', payment.id)).status).to.equal(200);
    const again = await yk.notify('payment.succeeded', payment.id);
    expect(again).to.deep.include({ status: 200 });
    expect(again.body, 'a repeat is acknowledged, not stored twice').to.deep.equal({ accepted: 0, duplicates: 1 });
    await waitFor('Ann may read the guide', () => mayRead(ann.id), 20_000);
    await jobsSettled();

    expect(await count(`select count(*)::int as n from billing_transfer where id = $1`, [`payment:yookassa:${payment.id}`])).to.equal(1);
    expect(await count(`select count(*)::int as n from billing_entry where account = 'provider:yookassa:RUB' and transfer_id like 'payment:%'`)).to.equal(1);
    const order = (await school.db.query(`select order_status, attempt_status, provider_payment_id from billing_orders where order_id = $1`, [first.body.orderId])).rows[0];
    expect(order, 'the late canceled undid nothing').to.deep.equal({ order_status: 'paid', attempt_status: 'succeeded', provider_payment_id: payment.id });
    // Her own page's data (Person#view reaches Keto with her registration, written apart from billing).
    const subs = await waitFor('Ann sees her subscriptions', async () => {
      const answer = await call('GET', `/api/billing/people/${ann.id}/subscriptions`, ann.token);
      return answer.status === 200 ? answer.body : undefined;
    });
    expect(subs.subscriptions.map((s: { status: string; priceMinor: number }) => [s.status, s.priceMinor])).to.deep.equal([['active', 150_000]]);
    // YooKassa kept its 3.5 %: booked as the provider's fee.
    expect(await balanceOf(school.db, 'provider:yookassa:RUB')).to.deep.equal({ RUB: 150_000 - 5_250 });
    paid = { person: ann.id, token: ann.token, paymentId: payment.id };
  });

  it('refuses a notification from outside YooKassa\'s networks, and books nothing YooKassa does not confirm', async () => {
    const bob = await school.register('Bob');
    const co = await call('POST', '/api/billing/checkout', bob.token, { planId, installments: true });
    expect(co.status).to.equal(201);
    const created = yk.requests.filter((r) => r.path === '/v3/payments').at(-1)!;
    expect(created.body!.payment_method_data, 'installments asked of a plan sold in parts').to.deep.equal({ type: 'installments' });
    const payment = [...yk.payments.values()].find((p) => p.metadata.attempt_id === co.body.attemptId)!;
    const stored = () => count(`select count(*)::int as n from inbox_event where source = 'yookassa'`);
    const before = await stored();
    const claim = { ...payment, status: 'succeeded', paid: true };

    const outsider = await yk.notify('payment.succeeded', payment.id, { from: '127.0.0.2', object: claim });
    expect(outsider.status).to.equal(403);
    expect(outsider.body.error).to.deep.include({ code: 'WEBHOOK_SENDER_REFUSED' });
    expect(outsider.body.error.message).to.contain('127.0.0.2');
    const spoofed = await yk.notify('payment.succeeded', payment.id, { from: '127.0.0.2', object: claim, headers: { 'x-forwarded-for': '185.71.76.5' } });
    expect(spoofed.status, 'X-Forwarded-For is not believed without a trusted proxy').to.equal(403);
    expect(await stored(), 'nothing stored from outside').to.equal(before);

    // From inside the networks, but a lie: YooKassa, asked, says pending.
    const forged = await yk.notify('payment.succeeded', payment.id, { object: claim });
    expect(forged.status).to.equal(200);
    await jobsSettled();
    expect(await count(`select count(*)::int as n from billing_transfer where id = $1`, [`payment:yookassa:${payment.id}`])).to.equal(0);
    expect((await school.db.query(`select attempt_status from billing_orders where attempt_id = $1`, [co.body.attemptId])).rows[0].attempt_status).to.equal('created');
    expect(await mayRead(bob.id)).to.equal(false);
    // A payment YooKassa does not know at all: an invalid job for staff, never retried.
    expect((await yk.notify('payment.succeeded', '2d000000-000f-5000-8000-000000000000', { object: { ...claim, id: '2d000000-000f-5000-8000-000000000000' } })).status).to.equal(200);
    await jobsSettled();
    expect(await count(`select count(*)::int as n from inbox_job j join inbox_event e on e.id = j.event_id where e.delivery_id = 'payment.succeeded:2d000000-000f-5000-8000-000000000000' and j.status = 'invalid'`)).to.equal(1);

    // Asking for parts of a plan not sold in parts is refused before any provider is asked.
    const [single] = await school.rows.insert('plans', [{ Title: 'Разово', Duration: 'month', Jurisdiction: 'ru', Currency: 'RUB', Installments: 1 }]);
    await school.rows.link('products', 'Plans', productId, [single!.Id]);
    await school.capabilities.billing.resyncCatalogNow();
    expect((await call('POST', '/api/billing/checkout', bob.token, { planId: single!.Id, installments: true })).body.error.code).to.equal('INSTALLMENTS_INVALID');
  });

  it('blocks an order whose creation went unanswered until reconciliation finds the payment by the same Idempotence-Key', async () => {
    const cat = await school.register('Cat');
    const madeBefore = yk.payments.size;
    yk.holdNextCreate(3_000);
    const lost = await call('POST', '/api/billing/checkout', cat.token, { planId });
    expect(lost.status).to.equal(503);
    expect(lost.body.error.code).to.equal('PAYMENT_OUTCOME_UNKNOWN');
    expect(yk.payments.size, 'YooKassa made the payment all the same').to.equal(madeBefore + 1);
    const blocked = await call('POST', '/api/billing/checkout', cat.token, { planId });
    expect(blocked.status).to.equal(409);
    expect(blocked.body.error.code).to.equal('PAYMENT_OUTCOME_UNKNOWN');

    const report = await school.capabilities.billing.reconcileNow({ olderThanSeconds: 0 });
    expect(report).to.deep.include({ errors: 0 });
    const creations = yk.requests.filter((r) => r.path === '/v3/payments').slice(-2);
    expect(creations[1]!.idempotenceKey).to.equal(creations[0]!.idempotenceKey);
    expect(creations[1]!.body, 'the same body: YooKassa answers the same payment').to.deep.equal(creations[0]!.body);
    expect(yk.payments.size, 'no second payment').to.equal(madeBefore + 1);
    const payment = [...yk.payments.values()].find((p) => p.metadata.attempt_id === creations[0]!.idempotenceKey)!;
    const open = await call('POST', '/api/billing/checkout', cat.token, { planId });
    expect(open.status, 'unblocked: the same payment is offered').to.equal(200);
    expect(open.body).to.include({ reused: true, payUrl: payment.confirmation.confirmation_url });

    // Paid, and its notification lost: the next pass books it.
    await yk.pay(payment.id, { notify: false });
    expect(await school.capabilities.billing.reconcileNow({ olderThanSeconds: 0 })).to.deep.include({ booked: 1, errors: 0 });
    await waitFor('Cat may read the guide', () => mayRead(cat.id), 20_000);
    expect(await count(`select count(*)::int as n from billing_transfer where id = $1`, [`payment:yookassa:${payment.id}`])).to.equal(1);
  });

  it('gives money back through YooKassa from a Refunds row, reverses the ledger exactly, and takes the guide back on the full refund', async () => {
    const refundRow = (id: number) => waitFor(`Refunds row ${id} handled`, async () => {
      const [row] = await school.rows.list('refunds', { where: `(Id,eq,${id})` });
      return row?.Status ? row : undefined;
    }, 30_000);
    const provider = async () => (await balanceOf(school.db, 'provider:yookassa:RUB')).RUB ?? 0;
    const revenue = () => count(`select coalesce(sum(amount_minor), 0)::int as n from billing_entry where account like 'revenue:%'`);
    const start = { provider: await provider() };

    const [noReason] = await school.rows.insert('refunds', [{ Payment: paid.paymentId, AmountMinor: 10_000 }]);
    const refused = await refundRow(noReason!.Id);
    expect(refused).to.deep.include({ Status: 'refused' });
    expect(refused.Problem).to.match(/причину/);

    // A part, which YooKassa confirms later (its refund.succeeded, delivered twice).
    yk.refundsPending(true);
    const [part] = await school.rows.insert('refunds', [{ Payment: paid.paymentId, AmountMinor: 50_000, Reason: 'перенос курса' }]);
    const pending = await refundRow(part!.Id);
    expect(pending).to.deep.include({ Status: 'pending' });
    const asked = yk.requests.filter((r) => r.path === '/v3/refunds').at(-1)!;
    expect(asked.idempotenceKey).to.match(new RegExp(`^refunds-${part!.Id}-[0-9a-f]{16}$`));
    expect(asked.body).to.deep.equal({ payment_id: paid.paymentId, amount: { value: '500.00', currency: 'RUB' }, description: 'перенос курса' });
    expect(await provider(), 'nothing booked before YooKassa confirms').to.equal(start.provider);
    yk.refundsPending(false);
    await yk.succeedRefund(pending.ProviderRefundId as string);
    await yk.notify('refund.succeeded', pending.ProviderRefundId as string);
    await waitFor('the part refunded', async () => (await provider()) === start.provider - 50_000, 20_000);
    await waitFor('its row says succeeded', async () => (await school.rows.list('refunds', { where: `(Id,eq,${part!.Id})` }))[0]?.Status === 'succeeded', 20_000);
    await jobsSettled();
    expect(await count(`select count(*)::int as n from billing_transfer where id like 'refund:yookassa:%'`), 'booked once').to.equal(1);
    expect(await mayRead(paid.person), 'a partial refund leaves access').to.equal(true);

    // The rest (AmountMinor empty), answered succeeded at once.
    const revenueBefore = await revenue();
    const [rest] = await school.rows.insert('refunds', [{ Payment: paid.paymentId, Reason: 'отказ от подписки' }]);
    const done = await refundRow(rest!.Id);
    expect(done).to.deep.include({ Status: 'succeeded' });
    expect(yk.requests.filter((r) => r.path === '/v3/refunds').at(-1)!.body!.amount).to.deep.equal({ value: '1000.00', currency: 'RUB' });
    expect(await provider(), 'the whole payment back out of the provider').to.equal(start.provider - 150_000);
    expect(await revenue(), 'the sale taken back by exactly as much').to.equal(revenueBefore + 100_000);
    expect(await balanceOf(school.db, `person:${paid.person}:receivable`)).to.deep.equal({ RUB: 0 });
    await waitFor('Ann no longer reads the guide', async () => !(await mayRead(paid.person)), 20_000);

    // Nothing is left: a further row is refused in words, and YooKassa is not asked.
    const refundCalls = yk.requests.filter((r) => r.path === '/v3/refunds').length;
    const [more] = await school.rows.insert('refunds', [{ Payment: paid.paymentId, Reason: 'ещё раз' }]);
    expect((await refundRow(more!.Id)).Problem).to.match(/нечего/);
    expect(yk.requests.filter((r) => r.path === '/v3/refunds').length).to.equal(refundCalls);
  });

  it('says in the row that a Moneta payment cannot be refunded through the service', async () => {
    const person = '0b7c6a1e-2222-4a4a-8b8b-0000000000bb';
    await school.db.query(`insert into billing_order (id, person_id, plan_id, amount_minor, currency, status) values ('00000000-0000-4000-8000-0000000000f1', $1, $2, 150000, 'RUB', 'open')`, [person, planId]);
    await school.db.query(`insert into billing_attempt (id, order_id, provider, status) values ('00000000-0000-4000-9000-0000000000f1', '00000000-0000-4000-8000-0000000000f1', 'moneta', 'created')`);
    await inTransaction(school.db, (tx) => applyProviderPayment(tx, { provider: 'moneta', attemptId: '00000000-0000-4000-9000-0000000000f1', providerPaymentId: 'op-777', amountMinor: 150_000, currency: 'RUB', paidAt: new Date() }, { today: new Date().toISOString().slice(0, 10), now: new Date() }));
    const [row] = await school.rows.insert('refunds', [{ Payment: 'op-777', Reason: 'ошибка' }]);
    const handled = await waitFor('the Moneta row handled', async () => (await school.rows.list('refunds', { where: `(Id,eq,${row!.Id})` }))[0]?.Status ? (await school.rows.list('refunds', { where: `(Id,eq,${row!.Id})` }))[0] : undefined, 30_000);
    expect(handled).to.deep.include({ Status: 'refused' });
    expect(handled.Problem).to.match(/moneta не умеет возвращать деньги через сервис/);
    expect(await balanceOf(school.db, 'provider:moneta:RUB')).to.deep.equal({ RUB: 150_000 });
  });
});
