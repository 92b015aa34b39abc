/**
 * Moneta's signatures and Pay URL against what Moneta's own documentation, its PayAnyWay
 * module and the payanyway gem say (test/fixtures/moneta/README.md): the known answers, and
 * the recorded-shape notifications through the real receiver into the inbox.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { monetaPayUrl } from '../../extensions/billing/providers/moneta.ts';
import { monetaNotification, monetaSignature, notificationSignature } from '../../schemas/events/moneta.ts';
import { fixture } from '../fixtures/load.ts';
import { freshDatabase, useRedis } from '../support/stack.ts';
import { startTestPlatform } from '../support/platform.ts';

const formRequest = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../fixtures/moneta/payment_form_request.json'), 'utf8')) as {
  integrity_code: string; body: Record<string, string>;
};

describe('Moneta: signatures and the Pay URL', function () {
  this.timeout(60_000);

  it('computes the notification signature as the payanyway gem\'s known answer and the docs\' example', () => {
    const gem = fixture('moneta', 'payanyway_gem_pay_notification');
    expect(notificationSignature(monetaNotification.parse(gem.body), gem.integrity_code as string)).to.equal(gem.body.MNT_SIGNATURE);
    const docs = fixture('moneta', 'docs_example_pay_notification');
    // The docs print MNT_ID 11223344 but signed 54600817 (README): the string they hashed.
    const signed = String(docs.signature_input_as_signed);
    expect(monetaSignature([signed.slice(0, -String(docs.integrity_code).length)], String(docs.integrity_code))).to.equal(docs.body.MNT_SIGNATURE);
  });

  it('signs the payment form as PayAnyWay\'s module does', () => {
    const f = formRequest.body;
    const url = new URL(monetaPayUrl({ accountId: f.MNT_ID!, integrityCode: formRequest.integrity_code, testMode: f.MNT_TEST_MODE === '1', formUrl: 'https://demo.moneta.ru/assistant.htm' }, {
      transactionId: f.MNT_TRANSACTION_ID!, amountMinor: 490_000, currency: f.MNT_CURRENCY_CODE!, subscriberId: f.MNT_SUBSCRIBER_ID, description: f.MNT_DESCRIPTION!,
      successUrl: f.MNT_SUCCESS_URL!, failUrl: f.MNT_FAIL_URL!,
    }));
    expect(url.searchParams.get('MNT_AMOUNT')).to.equal('4900.00');
    expect(url.searchParams.get('MNT_SIGNATURE')).to.equal(f.MNT_SIGNATURE);
  });

  it('answers SUCCESS to a signed notification once stored, by POST or GET, a repeat too; 401 with the reason to a changed amount', async () => {
    const db = await freshDatabase('moneta_hook');
    const paid = fixture('moneta', 'pay_notification');
    const platform = await startTestPlatform({ db: db.pool, redisUrl: (await useRedis()).url, runWorkers: false, moneta: { accountId: paid.body.MNT_ID, integrityCode: paid.integrity_code as string } });
    try {
      const post = await fetch(`${platform.url}/hooks/moneta`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: (paid.post as { raw_body: string }).raw_body });
      expect([post.status, await post.text()]).to.deep.equal([200, 'SUCCESS']);
      const get = await fetch(`${platform.url}/hooks/moneta?${(paid.get as { query: string }).query}`);
      expect([get.status, await get.text()], 'the same payment again, by GET').to.deep.equal([200, 'SUCCESS']);
      const stored = (await db.pool.query(`select delivery_id, topic, payload->>'MNT_AMOUNT' as amount from inbox_event where source = 'moneta'`)).rows;
      expect(stored).to.deep.equal([{ delivery_id: '1004567890', topic: 'moneta.payment', amount: '4900.00' }]);

      const tampered = fixture('moneta', 'pay_notification_tampered_amount');
      const bad = await fetch(`${platform.url}/hooks/moneta`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(tampered.body).toString() });
      expect(bad.status).to.equal(401);
      expect(((await bad.json()) as { error: { code: string } }).error.code, 'not SUCCESS: Moneta sends it again').to.equal('WEBHOOK_SIGNATURE_INVALID');
      const other = await fetch(`${platform.url}/hooks/moneta`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...paid.body, MNT_ID: '1' }).toString() });
      expect(other.status, 'another shop').to.equal(400);
      const broken = await fetch(`${platform.url}/hooks/moneta`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'MNT_ID=87654321&MNT_AMOUNT=lots' });
      expect(broken.status).to.equal(400);
      expect(JSON.stringify(await broken.json())).to.contain('MNT_AMOUNT');
      expect((await db.pool.query(`select count(*)::int as n from inbox_event where source = 'moneta'`)).rows[0].n, 'nothing more stored').to.equal(1);
    } finally {
      await platform.close();
    }
  });
});
