/**
 * The organisation's contact gives and frees the pack's seats (Seat packs.Contact), on the
 * real NocoDB, PostgreSQL and Redis with the Ory stand-in: only with that e-mail verified,
 * never another organisation's pack, never more holders than seats, a reason to free one;
 * each act a Seat assignments row staff see, applied by the path staff's rows take.
 */
import { expect } from 'chai';
import { sweepTable } from '../../hooks/nocodb-sweep.ts';
import { createNocoApi } from '../../nocodb/client.ts';
import { schoolTables } from '../../schemas/nocodb/index.ts';
import { addDays, localDay } from '../../extensions/billing/days.ts';
import { startSchool, type School } from '../support/school.ts';
import { waitFor } from '../support/platform.ts';
import { testLog } from '../support/stack.ts';
import { verifyAddress } from '../support/verify-address.ts';

describe('billing: the organisation\'s contact gives and frees seats', function () {
  this.timeout(240_000);
  let school: School;
  before(async () => { school = await startSchool('billing_seat_contact'); });
  after(async () => school?.close());

  const sweep = async (...keys: string[]) => {
    const api = createNocoApi(school.nocodb.url, school.nocodb.token);
    for (const key of keys) await sweepTable({ api, ids: school.ids, db: school.db, inbox: school.platform.inbox, log: testLog }, schoolTables.find((t) => t.key === key)!, 5);
  };
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${school.platform.url}${path}`, { method, headers: { 'x-session-token': token, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json().catch(() => null) as any };
  };
  const canRead = (id: string) => school.standin.ory.keto.check({ namespace: 'Guide', object: 'systems-101', relation: 'read', subject: id });

  it('lets only the verified contact give a one-seat pack\'s seat, refuses a second, and frees it with a reason', async () => {
    const today = localDay(new Date(), 'Europe/Moscow');
    const carla = await school.register('Carla');
    const other = await school.register('Oleg');
    const ann = await school.register('Ann');
    await verifyAddress(school.standin.url, ann.email);
    await sweep('products', 'plans', 'seat_packs', 'seat_assignments');
    const [guide] = await school.rows.insert('guides', [{ Title: 'Системное мышление', Slug: 'systems-101' }]);
    const [product] = await school.rows.insert('products', [{ Title: 'БР', Code: 'br', Kind: 'subscription' }]);
    await school.rows.link('products', 'Guides', product!.Id, [guide!.Id]);
    const [plan] = await school.rows.insert('plans', [{ Title: 'БР, год', Duration: 'year', Jurisdiction: 'ru', Currency: 'RUB' }]);
    await school.rows.link('products', 'Plans', product!.Id, [plan!.Id]);
    await sweep('products', 'plans');
    await school.capabilities.billing.resyncCatalogNow();
    const period = { StartsOn: addDays(today, -1), EndsOn: addDays(today, 200) };
    const [pack, theirs] = await school.rows.insert('seat_packs', [
      { Organisation: 'ООО Ромашка', Seats: 1, ...period, Kind: 'corporate', Reason: 'Договор 12/2026', Contact: carla.email.toUpperCase() },
      { Organisation: 'ООО Лютик', Seats: 5, ...period, Kind: 'corporate', Reason: 'Договор 13/2026', Contact: other.email },
    ]);
    for (const p of [pack!, theirs!]) await school.rows.link('seat_packs', 'Plan', p.Id, [plan!.Id]);
    await sweep('seat_packs');
    await waitFor('the packs mirrored', async () => (await school.db.query(`select count(*)::int as n from billing_seat_pack where contact is not null and problem is null`)).rows[0].n === 2, 20_000);

    // Before Carla verified her address, the pack is not hers.
    expect((await call('GET', '/api/billing/seat-packs', carla.token)).body.packs).to.deep.equal([]);
    expect((await call('POST', `/api/billing/seat-packs/${pack!.Id}/seats`, carla.token, { email: ann.email })).status).to.equal(403);
    await verifyAddress(school.standin.url, carla.email);
    await new Promise((r) => setTimeout(r, 1_100)); // the session cache (ORY_CACHE_SECONDS) forgets the old session
    const mine = await waitFor('Carla sees her pack', async () => {
      const r = await call('GET', '/api/billing/seat-packs', carla.token);
      return r.body?.packs?.length === 1 && r.body.packs;
    }, 20_000);
    expect(mine[0]).to.deep.include({ id: pack!.Id, organisation: 'ООО Ромашка', seats: 1, taken: 0 });
    expect((await call('GET', `/api/billing/seat-packs/${theirs!.Id}/seats`, carla.token)).status, 'another organisation\'s pack').to.equal(403);
    expect((await call('POST', `/api/billing/seat-packs/${theirs!.Id}/seats`, carla.token, { email: ann.email })).status).to.equal(403);
    expect((await call('GET', `/api/billing/seat-packs/${pack!.Id}/seats`, ann.token)).status, 'a student').to.equal(403);

    // Ann gets the one seat; a second person is refused, saying why.
    const given = await call('POST', `/api/billing/seat-packs/${pack!.Id}/seats`, carla.token, { email: ann.email });
    expect(given.status).to.equal(201);
    expect(given.body.outcome).to.equal('assigned');
    await waitFor('Ann may read the guide', () => canRead(ann.id), 20_000);
    const second = await call('POST', `/api/billing/seat-packs/${pack!.Id}/seats`, carla.token, { email: 'new.person@school.test' });
    expect(second.status).to.equal(409);
    expect(second.body.error).to.deep.include({ code: 'SEAT_REFUSED', message: 'no free seat (1 of 1 taken)' });
    const seats = (await call('GET', `/api/billing/seat-packs/${pack!.Id}/seats`, carla.token)).body.seats;
    expect(seats.filter((s: { holds: boolean }) => s.holds).map((s: { email: string }) => s.email)).to.deep.equal([ann.email]);
    // Staff see her act as a row of Seat assignments, applied once whatever its webhooks bring later.
    await sweep('seat_assignments');
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await school.db.query(`select count(*)::int as n from billing_seat_assignment where pack_id = $1 and holds`, [pack!.Id])).rows[0].n).to.equal(1);
    expect(await canRead(ann.id), 'the late webhooks of the row took nothing back').to.equal(true);

    // Freeing needs a reason; with one, the guide closes.
    const assignment = given.body.assignment;
    expect((await call('POST', `/api/billing/seat-packs/${pack!.Id}/seats/${assignment}/free`, carla.token, {})).status).to.equal(400);
    const freed = await call('POST', `/api/billing/seat-packs/${pack!.Id}/seats/${assignment}/free`, carla.token, { reason: 'уволилась' });
    expect(freed.body.outcome).to.equal('freed');
    await waitFor('the guide closed for Ann', async () => !(await canRead(ann.id)), 20_000);

    // The page: her pack with a form to give a seat; a student sees none.
    const page = await fetch(`${school.platform.url}/seats`, { headers: { 'x-session-token': carla.token } });
    const body = await page.text();
    expect(page.status).to.equal(200);
    expect(body).to.contain('Места организации').and.contain('ООО Ромашка').and.contain(`action="/seats/${pack!.Id}/assign?lang=ru"`).and.not.contain('ООО Лютик');
    expect(await (await fetch(`${school.platform.url}/seats`, { headers: { 'x-session-token': ann.token } })).text()).to.contain('Вы не указаны контактом');
  });

  it('offers a plan\'s trial on /subscriptions as a form, starts it once, and links to /points and back', async () => {
    const tess = await school.register('Tess');
    const [product] = await school.rows.insert('products', [{ Title: 'БР+', Code: 'br-plus', Kind: 'subscription' }]);
    const [plan] = await school.rows.insert('plans', [{ Title: 'БР+, месяц', Duration: 'month', Jurisdiction: 'ru', Currency: 'RUB', TrialDays: 7 }]);
    await school.rows.link('products', 'Plans', product!.Id, [plan!.Id]);
    await sweep('products', 'plans');
    await school.capabilities.billing.resyncCatalogNow();
    const page = async () => (await fetch(`${school.platform.url}/subscriptions`, { headers: { 'x-session-token': tess.token } })).text();
    const before = await page();
    expect(before).to.contain('Попробовать бесплатно').and.contain('7 дней пробного периода').and.contain('action="/subscriptions/trials?lang=ru"').and.contain('href="/points?lang=ru"');
    const post = () => fetch(`${school.platform.url}/subscriptions/trials?lang=ru`, {
      method: 'POST', redirect: 'manual', headers: { 'x-session-token': tess.token, 'content-type': 'application/x-www-form-urlencoded' }, body: `planId=${plan!.Id}`,
    });
    const started = await post();
    expect(started.status).to.equal(303);
    expect(started.headers.get('location')).to.equal('/subscriptions?lang=ru&notice=trial');
    const after = await page();
    expect(after).to.contain('БР+').and.contain('пробный период').and.not.contain('Начать пробный период');
    const again = await post();
    expect(again.status).to.equal(409);
    expect(await again.text()).to.contain('Пробный период этого продукта уже был');
    const points = await (await fetch(`${school.platform.url}/points`, { headers: { 'x-session-token': tess.token } })).text();
    expect(points).to.contain('href="/subscriptions?lang=ru"').and.contain('Мои подписки');
  });
});
