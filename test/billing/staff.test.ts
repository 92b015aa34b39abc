/**
 * Billing as staff use it, on the real NocoDB, PostgreSQL and Redis with the Ory stand-in:
 * a product, a plan and a price schedule made in NocoDB's grid (its API), a free grant to a
 * student who can then open the guide, the figures, a revocation that locks it again.
 */
import { expect } from 'chai';
import { sweepTable } from '../../hooks/nocodb-sweep.ts';
import { createNocoApi } from '../../nocodb/client.ts';
import { schoolTables } from '../../schemas/nocodb/index.ts';
import { startSchool, type School } from '../support/school.ts';
import { waitFor } from '../support/platform.ts';
import { testLog } from '../support/stack.ts';

describe('billing: staff sell and grant in NocoDB, a student opens the guide', function () {
  this.timeout(180_000);
  let school: School;
  before(async () => { school = await startSchool('billing_staff'); });
  after(async () => school?.close());

  // Links fire no webhook: in the service the sweep reads what they moved every NOCODB_SWEEP_SECONDS.
  const sweep = async (...keys: string[]) => {
    const api = createNocoApi(school.nocodb.url, school.nocodb.token);
    for (const key of keys) await sweepTable({ api, ids: school.ids, db: school.db, inbox: school.platform.inbox, log: testLog }, schoolTables.find((t) => t.key === key)!, 5);
  };
  const canRead = (id: string, slug: string) => school.standin.ory.keto.check({ namespace: 'Guide', object: slug, relation: 'read', subject: id });
  const api = async (path: string, token: string) => {
    const res = await fetch(`${school.platform.url}${path}`, { headers: { 'x-session-token': token } });
    return { status: res.status, body: await res.json().catch(() => null) as any };
  };

  it('a free grant opens the product\'s guide within seconds, shows in the figures, and its revocation locks it', async () => {
    const ann = await school.register('Ann');
    const gus = await school.register('Gus');
    const [person] = await waitFor('Ann\'s People row', async () => {
      const list = await school.rows.list('people', { where: `(IdentityId,eq,${ann.id})` });
      return list.length > 0 && list;
    }, 20_000);
    await school.standin.ory.identities.setRoles(gus.id, ['staff']);
    await school.capabilities.identity.reconcile({ dryRun: false });

    await sweep('products', 'plans', 'prices', 'price_schedules', 'grants'); // the sweeper's first round: from now on
    // Staff, in the grid: a guide, the product that opens it, a monthly plan, its price and the quarterly rise.
    const [guide] = await school.rows.insert('guides', [{ Title: 'Системное мышление', Slug: 'systems-101' }]);
    const [product] = await school.rows.insert('products', [{ Title: 'БР', Code: 'br', Kind: 'subscription' }]);
    await school.rows.link('products', 'Guides', product!.Id, [guide!.Id]);
    const [plan] = await school.rows.insert('plans', [{ Title: 'БР, месяц', Duration: 'month', Jurisdiction: 'ru', Currency: 'RUB', RenewalPrice: 'price at renewal' }]);
    await school.rows.link('products', 'Plans', product!.Id, [plan!.Id]);
    const [price] = await school.rows.insert('prices', [{ AmountMinor: 100_000, ValidFrom: '2025-01-01' }]);
    const [rise] = await school.rows.insert('price_schedules', [{ StepMinor: 10_000, EveryMonths: 3, StartsOn: '2025-07-01' }]);
    await school.rows.link('plans', 'Prices', plan!.Id, [price!.Id]);
    await school.rows.link('plans', 'Price schedules', plan!.Id, [rise!.Id]);
    await sweep('products', 'plans', 'prices', 'price_schedules');
    // What the links changed: the pass reads the catalog again each minute.
    await school.capabilities.billing.resyncCatalogNow();
    expect(await canRead(ann.id, 'systems-101'), 'before the grant').to.equal(false);

    // The price as staff preview it: today's, and the next four rises on the quarters' first days.
    const prices = await waitFor('the plan mirrored with its prices', async () => {
      const r = await api(`/api/billing/plans/${plan!.Id}/prices`, gus.token);
      return r.status === 200 && r.body.current && r.body.next.length === 4 && r.body;
    }, 20_000);
    expect(prices.next.map((p: { validFrom: string }) => p.validFrom.slice(5))).to.satisfy((d: string[]) => d.every((x) => ['01-01', '04-01', '07-01', '10-01'].includes(x)));
    expect(prices.next[0].amountMinor - prices.current.amountMinor, 'each step +100 RUB').to.equal(10_000);
    expect((await api(`/api/billing/plans/${plan!.Id}/prices`, ann.token)).status, 'students do not see staff previews').to.equal(403);

    // A grant without a reason gives nothing, and says why.
    const [grant] = await school.rows.insert('grants', [{ Kind: 'free' }]);
    await school.rows.link('people', 'Grants', person!.Id, [grant!.Id]);
    await school.rows.link('plans', 'Grants', plan!.Id, [grant!.Id]);
    await sweep('grants');
    const refused = await waitFor('the refusal', async () => (await school.db.query(`select outcome from billing_grants where grant_row = $1`, [grant!.Id])).rows[0]?.outcome, 20_000);
    expect(refused).to.equal('refused: a grant needs a Reason');
    expect(await canRead(ann.id, 'systems-101')).to.equal(false);

    // With a reason: Ann holds БР and reads its guide within seconds.
    const granted = Date.now();
    await school.rows.update('grants', [{ Id: grant!.Id, Reason: 'Стипендия за помощь клубу' }]);
    await waitFor('Ann may read the guide', () => canRead(ann.id, 'systems-101'), 20_000);
    testLog.info({ ms: Date.now() - granted }, 'grant to Keto');
    expect((await api('/api/ai-check/guides/systems-101/changes', ann.token)).status, 'the guide\'s route lets her in').to.not.equal(403);
    expect(await canRead(gus.id, 'systems-101'), 'nobody else').to.equal(false);

    // What staff see: the subscription, the holders, the grant's history; Ann sees her own.
    const holders = (await school.db.query(`select product, plan, kind, holders from billing_holders_today where product_id = $1`, [product!.Id])).rows;
    expect(holders).to.deep.equal([{ product: 'БР', plan: 'БР, месяц', kind: 'free', holders: 1 }]);
    const figures = await api('/api/billing/figures/holders', gus.token);
    expect(figures.body.holders).to.deep.include({ product_id: product!.Id, product: 'БР', plan_id: plan!.Id, plan: 'БР, месяц', kind: 'free', holders: 1 });
    // Her page, as she reads it (Russian by default): what she holds, until when, what it opens.
    const page = await fetch(`${school.platform.url}/subscriptions`, { headers: { 'x-session-token': ann.token } });
    const pageHtml = await page.text();
    expect(page.status).to.equal(200);
    expect(pageHtml).to.contain('Мои подписки').and.contain('БР').and.contain('действует').and.contain('бесплатная').and.contain('systems-101');
    const anonymous = await fetch(`${school.platform.url}/subscriptions`);
    expect(anonymous.status).to.equal(401);
    expect(await anonymous.text(), 'a page with the way to sign in').to.contain('Войти');
    const own = await api(`/api/billing/people/${ann.id}/subscriptions`, ann.token);
    expect(own.body.subscriptions.map((s: { kind: string; status: string }) => [s.kind, s.status])).to.deep.equal([['free', 'active']]);
    expect((await api(`/api/billing/people/${ann.id}/subscriptions`, (await school.register('Cid')).token)).status, 'another student').to.equal(403);
    const history = (await school.db.query(`select e.status, e.cause, e.actor from billing_subscription_event e join billing_subscription s on s.id = e.subscription_id where s.source = $1 order by e.id`, [`grant:${grant!.Id}`])).rows;
    expect(history).to.deep.equal([{ status: 'active', cause: 'granted by staff: Стипендия за помощь клубу', actor: `staff:nocodb:grants:${grant!.Id}` }]);

    // Revoked without a reason: refused; with one: the guide closes.
    await school.rows.update('grants', [{ Id: grant!.Id, Revoked: true }]);
    await waitFor('the refusal to revoke', async () => (await school.db.query(`select outcome from billing_grants where grant_row = $1`, [grant!.Id])).rows[0]?.outcome === 'refused: a revocation needs RevokeReason', 20_000);
    expect(await canRead(ann.id, 'systems-101'), 'still hers').to.equal(true);
    await school.rows.update('grants', [{ Id: grant!.Id, RevokeReason: 'выдано по ошибке' }]);
    await waitFor('the guide closed', async () => !(await canRead(ann.id, 'systems-101')), 20_000);
    expect((await api('/api/ai-check/guides/systems-101/changes', ann.token)).status).to.equal(403);
    expect((await school.db.query(`select count(*)::int as n from billing_holders_today where product_id = $1`, [product!.Id])).rows[0].n).to.equal(0);
  });
});
