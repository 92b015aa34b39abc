/**
 * Paying with Moneta, as a student does and as Moneta does it (issue 14, first provider):
 * the catalog, a checkout that answers the pay form's address, the payment at the local
 * MONETA.Assistant, its Pay URL notification (signed) answered SUCCESS once stored, and the
 * guide open within seconds; a repeat books nothing, a forged one is refused.
 */
import { expect } from 'chai';
import { startSchool, type School } from '../support/school.ts';
import { startMonetaServer, type MonetaServer } from '../support/moneta-server.ts';
import { waitFor } from '../support/platform.ts';

const ACCOUNT = '51234567';
const CODE = 'test-integrity-code';

describe('billing: a student pays with Moneta and opens the guide', function () {
  this.timeout(180_000);
  let school: School;
  let moneta: MonetaServer;
  before(async () => {
    moneta = await startMonetaServer({ accountId: ACCOUNT, integrityCode: CODE, payUrl: () => `${school.platform.url}/hooks/moneta` });
    school = await startSchool('billing_checkout', { MONETA_ACCOUNT_ID: ACCOUNT, MONETA_INTEGRITY_CODE: CODE, MONETA_FORM_URL: moneta.formUrl, MONETA_TEST_MODE: 'true' });
  });
  after(async () => { await school?.close(); await moneta?.close(); });

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${school.platform.url}${path}`, {
      method, headers: { ...(token ? { 'x-session-token': token } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json().catch(() => null) as any };
  };

  it('checkout -> Moneta\'s form -> payment -> Pay URL SUCCESS -> a paid month and the guide, once', async () => {
    const [guide] = await school.rows.insert('guides', [{ Title: 'Системное мышление', Slug: 'systems-202' }]);
    const [product] = await school.rows.insert('products', [{ Title: 'БР+', Code: 'br-plus', Kind: 'subscription' }]);
    await school.rows.link('products', 'Guides', product!.Id, [guide!.Id]);
    const [plan] = await school.rows.insert('plans', [{ Title: 'БР+, месяц', Duration: 'month', Jurisdiction: 'ru', Currency: 'RUB' }]);
    await school.rows.link('products', 'Plans', product!.Id, [plan!.Id]);
    const [price] = await school.rows.insert('prices', [{ AmountMinor: 150_000, ValidFrom: '2025-01-01' }]);
    await school.rows.link('plans', 'Prices', plan!.Id, [price!.Id]);
    await school.capabilities.billing.resyncCatalogNow();

    const catalog = await call('GET', '/api/billing/catalog?jurisdiction=ru');
    expect(catalog.body.items).to.deep.include.members([{ ...catalog.body.items.find((i: { plan_id: number }) => i.plan_id === plan!.Id), amountMinor: 150_000, currency: 'RUB', product: 'БР+' }]);
    expect((await call('GET', '/api/billing/catalog?jurisdiction=mars')).status).to.equal(400);

    const ann = await school.register('Ann');
    expect((await call('POST', '/api/billing/checkout', undefined, { planId: plan!.Id })).status, 'signed in only').to.equal(401);
    const first = await call('POST', '/api/billing/checkout', ann.token, { planId: plan!.Id });
    expect(first.status).to.equal(201);
    expect(first.body).to.include({ provider: 'moneta', amountMinor: 150_000, currency: 'RUB', reused: false });
    const again = await call('POST', '/api/billing/checkout', ann.token, { planId: plan!.Id });
    expect(again.status, 'a second checkout while one is open').to.equal(200);
    expect(again.body.attemptId).to.equal(first.body.attemptId);

    // The payer at Moneta's form: its signature holds there.
    const form = await fetch(first.body.payUrl);
    expect(form.status).to.equal(200);
    expect(moneta.opened.at(-1)).to.deep.include({ signatureOk: true });
    expect(moneta.opened.at(-1)!.params).to.include({ MNT_ID: ACCOUNT, MNT_TRANSACTION_ID: first.body.attemptId, MNT_AMOUNT: '1500.00', MNT_CURRENCY_CODE: 'RUB', MNT_TEST_MODE: '1' });

    // A forged notification: refused, nothing stored.
    const forged = await moneta.pay(first.body.attemptId, { operationId: 'forged-1', tamper: (f) => { f.MNT_AMOUNT = '1.00'; } });
    expect(forged.status).to.equal(401);
    expect(forged.body, 'not SUCCESS: Moneta would send it again').to.contain('WEBHOOK_SIGNATURE_INVALID');
    expect((await school.db.query(`select count(*)::int as n from inbox_event where source = 'moneta'`)).rows[0].n).to.equal(0);

    // Paid: SUCCESS once stored, then the month and the guide.
    const paid = await moneta.pay(first.body.attemptId, { operationId: 'op-1001' });
    expect(paid).to.deep.equal({ status: 200, body: 'SUCCESS' });
    await waitFor('Ann may read the guide', () => school.standin.ory.keto.check({ namespace: 'Guide', object: 'systems-202', relation: 'read', subject: ann.id }), 20_000);
    // Her Person#view tuple is written by identity after her registration: asked until it is there.
    const subs = (await waitFor('Ann reads her own subscriptions', async () => {
      const r = await call('GET', `/api/billing/people/${ann.id}/subscriptions`, ann.token);
      return r.status === 200 && r;
    }, 20_000)).body;
    expect(subs.subscriptions.map((s: { kind: string; status: string; priceMinor: number }) => [s.kind, s.status, s.priceMinor])).to.deep.equal([['paid', 'active', 150_000]]);
    expect(subs.payments.map((p: { provider: string; amountMinor: number }) => [p.provider, p.amountMinor])).to.deep.equal([['moneta', 150_000]]);

    // Moneta says it again (it repeats until it hears SUCCESS): SUCCESS, and nothing booked twice.
    expect(await moneta.pay(first.body.attemptId, { operationId: 'op-1001' })).to.deep.equal({ status: 200, body: 'SUCCESS' });
    await new Promise((r) => setTimeout(r, 500));
    expect((await school.db.query(`select count(*)::int as n from billing_transfer where id = 'payment:moneta:op-1001'`)).rows[0].n).to.equal(1);
    expect((await school.db.query(`select count(*)::int as n from billing_entry where account = 'provider:moneta:RUB'`)).rows[0].n).to.equal(1);
    const order = (await school.db.query(`select order_status, attempt_status, provider_payment_id from billing_orders where order_id = $1`, [first.body.orderId])).rows[0];
    expect(order).to.deep.equal({ order_status: 'paid', attempt_status: 'succeeded', provider_payment_id: 'op-1001' });

    // The next checkout is a new order (a renewal), not the paid one.
    const renewal = await call('POST', '/api/billing/checkout', ann.token, { planId: plan!.Id });
    expect(renewal.status).to.equal(201);
    expect(renewal.body.orderId).to.not.equal(first.body.orderId);
  });
});
