/**
 * Paying with Stripe, as a student abroad does and as Stripe does it (issue 14): checkout
 * makes a Checkout Session at the local Stripe (test/support/stripe-server.ts), the payer pays
 * there, Stripe delivers signed events to /hooks/stripe, and the guide opens; repeats and
 * reordered events book once, forged, altered or old deliveries are refused and change nothing,
 * a lost answer blocks the order until the reconciliation asks Stripe, and refunds reverse
 * exactly what they return.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { stripeGateway } from '../../extensions/billing/index.ts';
import { balanceOf } from '../../extensions/billing/ledger.ts';
import { verifyStripeDelivery } from '../../hooks/stripe.ts';
import { startSchool, type School } from '../support/school.ts';
import { startStripeServer, type StripeServer } from '../support/stripe-server.ts';
import { waitFor } from '../support/platform.ts';

const SECRET_KEY = 'sk_test_school_0123456789';
const WEBHOOK_SECRET = 'whsec_school_test_0123456789';

describe('billing: Stripe\'s signature as its own fixtures carry it', () => {
  const fixtures = ['checkout_session_completed.json', 'charge_refunded.json'].map((f) =>
    JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../fixtures/stripe', f), 'utf8')) as { secret: string; timestamp: number; raw_body: string; body: { id: string }; headers: Record<string, string> });
  const config = (secret: string) => ({ webhookSecret: secret, toleranceSeconds: 300 });

  it('takes the recorded bytes within the tolerance, and refuses them re-serialised, late or under another secret', () => {
    for (const f of fixtures) {
      const header = f.headers['Stripe-Signature']!;
      expect(verifyStripeDelivery(Buffer.from(f.raw_body), header, config(f.secret), (f.timestamp + 10) * 1000).id).to.equal(f.body.id);
      const codeOf = (fn: () => unknown) => { try { fn(); return 'accepted'; } catch (e) { return (e as { code?: string }).code; } };
      expect(codeOf(() => verifyStripeDelivery(JSON.stringify(f.body), header, config(f.secret), (f.timestamp + 10) * 1000)), 'the same event, compact JSON').to.equal('WEBHOOK_SIGNATURE_INVALID');
      expect(codeOf(() => verifyStripeDelivery(f.raw_body, header, config(f.secret), (f.timestamp + 301) * 1000)), '301 s late').to.equal('WEBHOOK_SIGNATURE_EXPIRED');
      expect(codeOf(() => verifyStripeDelivery(f.raw_body, header, config('whsec_another'), (f.timestamp + 10) * 1000))).to.equal('WEBHOOK_SIGNATURE_INVALID');
      expect(codeOf(() => verifyStripeDelivery(f.raw_body, undefined, config(f.secret)))).to.equal('WEBHOOK_SIGNATURE_MISSING');
    }
  });
});

describe('billing: a student abroad pays with Stripe and opens the guide', function () {
  this.timeout(180_000);
  let school: School;
  let stripe: StripeServer;
  let planId: number;
  let cheapPlanId: number;
  let paid: { sessionId: string; personId: string; fee: number } | undefined;

  before(async () => {
    stripe = await startStripeServer({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, webhookUrl: () => `${school.platform.url}/hooks/stripe` });
    school = await startSchool('billing_stripe', {
      STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_URL: stripe.url, STRIPE_TIMEOUT_MS: '800',
    });
    const [guide] = await school.rows.insert('guides', [{ Title: 'Systems thinking', Slug: 'systems-world' }]);
    const [product] = await school.rows.insert('products', [{ Title: 'Systems thinking, world', Code: 'st-world', Kind: 'subscription' }]);
    await school.rows.link('products', 'Guides', product!.Id, [guide!.Id]);
    const plans = await school.rows.insert('plans', [
      { Title: 'Systems thinking, a month', Duration: 'month', Jurisdiction: 'world', Currency: 'EUR' },
      { Title: 'A sample', Duration: 'month', Jurisdiction: 'world', Currency: 'EUR' },
    ]);
    await school.rows.link('products', 'Plans', product!.Id, plans.map((p) => p!.Id));
    const prices = await school.rows.insert('prices', [{ AmountMinor: 4_900, ValidFrom: '2025-01-01' }, { AmountMinor: 30, ValidFrom: '2025-01-01' }]);
    await school.rows.link('plans', 'Prices', plans[0]!.Id, [prices[0]!.Id]);
    await school.rows.link('plans', 'Prices', plans[1]!.Id, [prices[1]!.Id]);
    planId = plans[0]!.Id;
    cheapPlanId = plans[1]!.Id;
    await school.capabilities.billing.resyncCatalogNow();
  });
  after(async () => { await school?.close(); await stripe?.close(); });

  const call = async (method: string, p: string, token?: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${school.platform.url}${p}`, {
      method, headers: { ...headers, ...(token ? { 'x-session-token': token } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json().catch(() => null) as any };
  };
  const count = async (sql: string, args: unknown[] = []) => (await school.db.query(sql, args)).rows[0].n as number;
  const mayRead = (personId: string) => school.standin.ory.keto.check({ namespace: 'Guide', object: 'systems-world', relation: 'read', subject: personId });
  /** The event's job once settled: done, invalid or dead, with its attempts. */
  const handled = (eventId: string) => waitFor(`event ${eventId} handled`, async () => (await school.db.query(
    `select j.status, j.attempts from inbox_job j join inbox_event e on e.id = j.event_id where e.source = 'stripe' and e.delivery_id = $1 and j.status in ('done', 'invalid', 'dead')`, [eventId])).rows[0] as { status: string; attempts: number } | undefined, 20_000);
  const sessionOf = (attemptId: string) => [...stripe.sessions.values()].find((s) => s.client_reference_id === attemptId)!;

  it('checkout -> a Checkout Session -> paid -> events x3 and reordered -> one booked month and the guide', async () => {
    const ann = await school.register('Ann');
    const first = await call('POST', '/api/billing/checkout', ann.token, { planId }, { 'accept-language': 'en-GB,en;q=0.9' });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body).to.include({ provider: 'stripe', amountMinor: 4_900, currency: 'EUR', reused: false });
    const session = sessionOf(first.body.attemptId);
    expect(first.body.payUrl).to.equal(session.url);
    expect(session).to.deep.include({ mode: 'payment', amount_total: 4_900, currency: 'eur', locale: 'en', status: 'open', metadata: { attempt_id: first.body.attemptId, order_id: first.body.orderId } });
    expect(session.success_url).to.equal(`${school.platform.url}/billing/orders/${first.body.orderId}`);
    const create = stripe.requests.find((r) => r.method === 'POST' && r.params.client_reference_id === first.body.attemptId)!;
    expect(create.idempotencyKey, 'the attempt is the idempotency key').to.equal(first.body.attemptId);
    expect(create.params.line_items).to.deep.equal([{ quantity: '1', price_data: { currency: 'eur', unit_amount: '4900', product_data: { name: 'Systems thinking, a month' } } }]);
    const again = await call('POST', '/api/billing/checkout', ann.token, { planId });
    expect(again.status, 'a second checkout while one is open').to.equal(200);
    expect(again.body.payUrl).to.equal(session.url);

    const [chargeSucceeded, intentSucceeded, completed] = await stripe.pay(session.id, { deliver: false });
    // A stale copy: the session as it was before the payment, told as expired (first and again last).
    const staleExpired = stripe.event('checkout.session.expired', { ...completed!.body.data.object, status: 'expired', payment_status: 'unpaid', payment_intent: null });
    expect((await stripe.deliver(staleExpired)).status).to.equal(202);
    const deliveries = await Promise.all([completed, completed, intentSucceeded, completed, chargeSucceeded].map((e) => stripe.deliver(e!)));
    expect(deliveries.map((d) => d.status)).to.deep.equal([202, 202, 202, 202, 202]);
    await waitFor('Ann may read the guide', () => mayRead(ann.id), 20_000);
    expect((await handled(staleExpired.id)).status, 'the stale expired event, read again, booked the payment').to.equal('done');
    expect((await handled(completed!.id)).status).to.equal('done');
    const staleAgain = stripe.event('checkout.session.expired', staleExpired.body.data.object);
    await stripe.deliver(staleAgain);
    expect((await handled(staleAgain.id)).status).to.equal('done');

    const paymentId = `payment:stripe:${session.id}`;
    expect(await count('select count(*)::int as n from billing_transfer where id = $1', [paymentId]), 'booked once').to.equal(1);
    expect(await count(`select count(*)::int as n from billing_entry where account = 'provider:stripe:EUR' and amount_minor > 0`)).to.equal(1);
    const fee = Math.round(4_900 * 0.015) + 25;
    expect(await balanceOf(school.db, 'provider:stripe:EUR'), 'the payment less Stripe\'s fee from its balance transaction').to.deep.equal({ EUR: 4_900 - fee });
    const order = (await school.db.query(`select order_status, attempt_status, provider_payment_id from billing_orders where order_id = $1`, [first.body.orderId])).rows[0];
    expect(order, 'an expired event after the payment undoes nothing').to.deep.equal({ order_status: 'paid', attempt_status: 'succeeded', provider_payment_id: session.id });
    // Her Person#view tuple is written by identity after her registration: asked until it is there.
    const subs = (await waitFor('Ann reads her own subscriptions', async () => {
      const r = await call('GET', `/api/billing/people/${ann.id}/subscriptions`, ann.token);
      return r.status === 200 && r;
    }, 20_000)).body;
    expect(subs.subscriptions.map((s: { status: string; priceMinor: number; currency: string }) => [s.status, s.priceMinor, s.currency])).to.deep.equal([['active', 4_900, 'EUR']]);
    // Each delivery is stored once by its event id; only the types billing acts on get a job.
    expect(await count(`select count(*)::int as n from inbox_event where source = 'stripe'`)).to.equal(5);
    expect(await count(`select count(*)::int as n from inbox_event e join inbox_job j on j.event_id = e.id where e.source = 'stripe' and e.topic = 'stripe.other'`)).to.equal(0);
    paid = { sessionId: session.id, personId: ann.id, fee };
  });

  it('refuses a forged, an altered and an old delivery, and a missing signature, storing nothing', async () => {
    const bob = await school.register('Bob');
    const checkout = await call('POST', '/api/billing/checkout', bob.token, { planId });
    expect(checkout.status).to.equal(201);
    const session = sessionOf(checkout.body.attemptId);
    const [, , completed] = await stripe.pay(session.id, { deliver: false });
    const raw = JSON.stringify(completed!.body, null, 2);
    const refused = [
      await stripe.deliver(completed!, { secret: 'whsec_someone_else' }),
      await stripe.deliver(completed!, { body: raw.replace('"amount_total": 4900', '"amount_total": 49') }),
      await stripe.deliver(completed!, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      await stripe.deliver(completed!, { signature: null }),
    ];
    expect(refused.map((r) => [r.status, JSON.parse(r.body).error.code])).to.deep.equal([
      [401, 'WEBHOOK_SIGNATURE_INVALID'], [401, 'WEBHOOK_SIGNATURE_INVALID'], [401, 'WEBHOOK_SIGNATURE_EXPIRED'], [401, 'WEBHOOK_SIGNATURE_MISSING'],
    ]);
    expect(JSON.parse(refused[2]!.body).error.message).to.match(/300 s/);
    expect(await count(`select count(*)::int as n from inbox_event where delivery_id = $1`, [completed!.id]), 'nothing stored').to.equal(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(await mayRead(bob.id), 'nothing granted').to.equal(false);
    expect((await school.db.query(`select attempt_status from billing_orders where order_id = $1`, [checkout.body.orderId])).rows[0].attempt_status).to.equal('created');
    // Stripe sends it again, properly signed: now it counts.
    expect((await stripe.deliver(completed!)).status).to.equal(202);
    await waitFor('Bob may read the guide', () => mayRead(bob.id), 20_000);
  });

  it('a lost answer at session creation blocks the order until the reconciliation finds the session', async () => {
    const carol = await school.register('Carol');
    stripe.hangCreates(true);
    const lost = await call('POST', '/api/billing/checkout', carol.token, { planId });
    stripe.hangCreates(false);
    expect(lost.status).to.equal(503);
    expect(lost.body.error.code).to.equal('PAYMENT_OUTCOME_UNKNOWN');
    const attemptId = (await school.db.query(`select attempt_id from billing_orders where person_id = $1`, [carol.id])).rows[0].attempt_id as string;
    const mine = stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions' && r.params.client_reference_id === attemptId);
    expect(mine.map((r) => r.idempotencyKey)).to.deep.equal([attemptId, attemptId]);
    expect(mine.length, 'the package tried again, with the same Idempotency-Key').to.equal(2);
    expect([...stripe.sessions.values()].filter((s) => s.client_reference_id === attemptId).length, 'one session made at Stripe').to.equal(1);

    const blocked = await call('POST', '/api/billing/checkout', carol.token, { planId });
    expect([blocked.status, blocked.body.error.code], 'no second charge while the outcome is unknown').to.deep.equal([409, 'PAYMENT_OUTCOME_UNKNOWN']);

    const report = await school.capabilities.billing.reconcileNow({ olderThanSeconds: 0 });
    expect(report.errors).to.equal(0);
    expect((await school.db.query(`select status, pay_url from billing_attempt where id = $1`, [attemptId])).rows[0], 'open again, with the session found').to.deep.equal({ status: 'created', pay_url: sessionOf(attemptId).url });
    const session = sessionOf(attemptId);
    const resumed = await call('POST', '/api/billing/checkout', carol.token, { planId });
    expect(resumed.status).to.equal(200);
    expect(resumed.body).to.include({ attemptId, payUrl: session.url, reused: true });
    await stripe.pay(session.id);
    await waitFor('Carol may read the guide', () => mayRead(carol.id), 20_000);
  });

  it('a payment the reconciliation finds paid books once, before or beside its event', async () => {
    const dan = await school.register('Dan');
    const checkout = await call('POST', '/api/billing/checkout', dan.token, { planId });
    const session = sessionOf(checkout.body.attemptId);
    const [, , completed] = await stripe.pay(session.id, { deliver: false });
    expect(await school.capabilities.billing.reconcileNow({ olderThanSeconds: 0 })).to.deep.include({ booked: 1, errors: 0 });
    await stripe.deliver(completed!);
    await handled(completed!.id);
    expect(await count('select count(*)::int as n from billing_transfer where id = $1', [`payment:stripe:${session.id}`])).to.equal(1);
    await waitFor('Dan may read the guide', () => mayRead(dan.id), 20_000);
  });

  it('Stripe failing while the event is handled rolls it back; it is handled again and books once', async () => {
    const fay = await school.register('Fay');
    const checkout = await call('POST', '/api/billing/checkout', fay.token, { planId });
    const session = sessionOf(checkout.body.attemptId);
    const [, , completed] = await stripe.pay(session.id, { deliver: false });
    stripe.failSessionReads(2); // the package's try and its one retry
    expect((await stripe.deliver(completed!)).status).to.equal(202);
    const job = await handled(completed!.id);
    expect(job, 'done at the second attempt').to.deep.equal({ status: 'done', attempts: 1 });
    expect(await count('select count(*)::int as n from billing_transfer where id = $1', [`payment:stripe:${session.id}`])).to.equal(1);
    expect(await mayRead(fay.id)).to.equal(true);
  });

  it('a refusal by Stripe fails the attempt: the payer may try again', async () => {
    const eve = await school.register('Eve');
    const refused = await call('POST', '/api/billing/checkout', eve.token, { planId: cheapPlanId });
    expect([refused.status, refused.body.error.code]).to.deep.equal([502, 'PAYMENT_PROVIDER_REFUSED']);
    expect((await school.db.query(`select attempt_status from billing_orders where person_id = $1`, [eve.id])).rows[0].attempt_status).to.equal('failed');
  });

  it('refunds through Stripe reverse exactly what they return: part keeps access, the rest takes it back', async () => {
    expect(paid, 'the first test paid').to.not.equal(undefined);
    const { sessionId, personId, fee } = paid!;
    const gateway = stripeGateway({ secretKey: SECRET_KEY, apiUrl: stripe.url, currencies: ['EUR'], timeoutMs: 5_000 });
    const refund = (refundId: string, amountMinor: number) => gateway.provider.refund!({ refundId, providerPaymentId: sessionId, amountMinor, currency: 'EUR', reason: 'requested_by_customer' });
    const balanceBefore = (await balanceOf(school.db, 'provider:stripe:EUR')).EUR!;
    const eventsBefore = await count(`select count(*)::int as n from inbox_event where source = 'stripe' and topic = 'stripe.event'`);

    const part = await refund('r-1', 1_000);
    expect(part.status).to.equal('succeeded');
    expect(await refund('r-1', 1_000), 'the same refund asked again: Stripe replays it').to.deep.equal(part);
    expect(stripe.refunds.size, 'one refund at Stripe').to.equal(1);
    await waitFor('the partial refund booked', async () => (await count('select count(*)::int as n from billing_transfer where id = $1', [`refund:stripe:${part.providerRefundId}`])) === 1, 20_000);
    expect(await balanceOf(school.db, 'provider:stripe:EUR'), 'Stripe holds 10.00 less').to.deep.equal({ EUR: balanceBefore - 1_000 });
    expect(await mayRead(personId), 'a partial refund leaves access').to.equal(true);

    const tooMuch = await refund('r-2', 4_000).catch((e: Error) => e);
    expect((tooMuch as Error).message).to.match(/stripe refused: amount_too_large/);
    const rest = await refund('r-3', 3_900);
    await waitFor('Ann may no longer read the guide', async () => !(await mayRead(personId)), 20_000);
    const eventsAfter = await count(`select count(*)::int as n from inbox_event where source = 'stripe' and topic = 'stripe.event'`);
    expect(eventsAfter - eventsBefore, 'charge.refunded twice').to.equal(2);
    // Stripe says it again: nothing more.
    const last = [...stripe.refunds.values()].find((r) => r.id === rest.providerRefundId)!;
    const again = stripe.event('charge.refunded', { id: last.charge, object: 'charge' });
    await stripe.deliver(again);
    await handled(again.id);
    const refunded = await school.db.query(`select count(*)::int as n, -sum(e.amount_minor)::int as total from billing_transfer t join billing_entry e on e.transfer_id = t.id
      where t.kind = 'refund' and e.account = 'provider:stripe:EUR' and t.memo ->> 'payment' = $1`, [`stripe:${sessionId}`]);
    expect(refunded.rows[0], 'two refunds, the whole payment, once each').to.deep.equal({ n: 2, total: 4_900 });
    expect(await balanceOf(school.db, `person:${personId}:receivable`)).to.deep.equal({ EUR: 0 });
    expect(await balanceOf(school.db, 'provider:stripe:EUR'), 'all of it back; Stripe keeps its fee').to.deep.equal({ EUR: balanceBefore - 4_900 });
    expect(fee).to.be.greaterThan(0);
    const subs = (await school.db.query(`select status from billing_subscription where person_id = $1`, [personId])).rows;
    expect(subs.map((s) => s.status)).to.deep.equal(['cancelled']);
  });
});
