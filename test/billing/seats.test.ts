/**
 * Corporate seats: an organisation's pack of N seats of a plan, given and freed by staff.
 * The rules alone; then on the real PostgreSQL, assignments applied from parallel
 * transactions never give more seats than the pack has; then through the real NocoDB and
 * the Ory stand-in, a seat opens the plan's guide and freeing it closes it.
 */
import { expect } from 'chai';
import { inTransaction } from '../../kernel/db.ts';
import { sweepTable } from '../../hooks/nocodb-sweep.ts';
import { createNocoApi } from '../../nocodb/client.ts';
import { addDays, localDay } from '../../extensions/billing/days.ts';
import { applyAssignment, applyPack, newSeatRefusal, packProblem } from '../../extensions/billing/seats.ts';
import { seatAssignmentRow, seatPackRow } from '../../schemas/nocodb/billing-seats.ts';
import { schoolTables } from '../../schemas/nocodb/index.ts';
import { freshDatabase, testLog, type TestDatabase } from '../support/stack.ts';
import { startSchool, type School } from '../support/school.ts';
import { waitFor } from '../support/platform.ts';

const today = localDay(new Date(), 'UTC');
const period = { StartsOn: addDays(today, -10), EndsOn: addDays(today, 300) };
const person = (n: number) => `5ea7c0de-0000-4000-8000-${String(n).padStart(12, '0')}`;
// NocoDB's UpdatedAt: each edit of a row is later than the one before.
let tick = 0;
const stamp = () => new Date(Date.UTC(2026, 0, 1) + ++tick * 1000).toISOString();

describe('billing: seat pack rules', () => {
  const pack = { organisation: 'ООО Ромашка', seats: 5, kind: 'corporate' as const, reason: 'Договор 12', startsOn: '2026-01-01', endsOn: '2026-12-31', planId: 7 };

  it('says why a pack gives no new seats, one thing at a time', () => {
    expect(packProblem(pack, 1, [])).to.equal(null);
    expect(packProblem({ ...pack, organisation: null }, 1, [])).to.equal('it needs an Organisation');
    expect(packProblem({ ...pack, reason: null }, 1, [])).to.match(/needs a Reason/);
    expect(packProblem({ ...pack, kind: null }, 1, [])).to.match(/choose a Kind/);
    expect(packProblem({ ...pack, endsOn: '2025-12-31' }, 1, [])).to.equal('EndsOn is before StartsOn');
    expect(packProblem({ ...pack, planId: null }, 0, [])).to.equal('link a plan');
    expect(packProblem({ ...pack, planId: null }, 2, [])).to.equal('link exactly one plan (2 are linked)');
    expect(packProblem(pack, 1, [{ planId: 7, kind: 'corporate', holders: 4 }]), 'holders of the same plan and kind').to.equal(null);
    expect(packProblem(pack, 1, [{ planId: 7, kind: 'corporate', holders: 1 }, { planId: 8, kind: 'corporate', holders: 2 }])).to.match(/plan and kind stay as they were while seats are held \(3\)/);
  });

  it('refuses a new seat when none is free, the pack ended or it has a problem', () => {
    expect(newSeatRefusal({ problem: null, endsOn: '2026-12-31', seats: 10 }, '2026-06-01', 9)).to.equal(null);
    expect(newSeatRefusal({ problem: null, endsOn: '2026-12-31', seats: 10 }, '2026-06-01', 10)).to.equal('refused: no free seat (10 of 10 taken)');
    expect(newSeatRefusal({ problem: null, endsOn: '2026-12-31', seats: 3 }, '2026-06-01', 5), 'Seats lowered below the holders').to.equal('refused: no free seat (5 of 3 taken)');
    expect(newSeatRefusal({ problem: null, endsOn: '2026-05-31', seats: 10 }, '2026-06-01', 0)).to.equal('refused: the seat pack ended on 2026-05-31');
    expect(newSeatRefusal({ problem: 'link a plan', endsOn: null, seats: 10 }, '2026-06-01', 0)).to.equal('refused: the seat pack gives no new seats: link a plan');
  });
});

describe('billing: seats given from parallel transactions', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  const now = new Date();
  const packRow = (over: Record<string, unknown> = {}) =>
    seatPackRow.parse({ Id: 1, Organisation: 'ООО Ромашка', Seats: 5, ...period, Kind: 'corporate', Reason: 'Договор 12/2026', UpdatedAt: stamp(), ...over });
  const pack = (over: Record<string, unknown> = {}, planIds = [10], op: 'insert' | 'update' | 'delete' = 'update') =>
    inTransaction(db.pool, (tx) => applyPack(tx, { op, row: packRow(over), planIds, today }));
  const seat = (id: number, over: Record<string, unknown> = {}, op: 'insert' | 'update' | 'delete' = 'update', personId: string | null = person(id)) =>
    inTransaction(db.pool, (tx) => applyAssignment(tx, { op, row: seatAssignmentRow.parse({ Id: id, seat_packs_id: 1, UpdatedAt: stamp(), ...over }), personId, today, now }));
  const holders = async (packId = 1) => (await db.pool.query(
    `select count(*)::int as n from billing_subscription where source like $1 and status = 'active'`, [`seat:${packId}:%`])).rows[0].n;
  const outcome = async (row: number) => (await db.pool.query('select outcome from billing_seat_assignments where assignment_row = $1', [row])).rows[0]?.outcome;
  const packView = async (packId = 1) => (await db.pool.query('select seats, taken, free, state from billing_seat_packs where pack_row = $1', [packId])).rows[0];

  before(async () => {
    db = await freshDatabase('billing_seats');
    await db.pool.query(`insert into billing_product (id, title, kind, guides) values (1, 'БР', 'subscription', '{systems-101}'), (2, 'БР+', 'subscription', '{}')`);
    await db.pool.query(`insert into billing_plan (id, product_id, title, duration, jurisdiction, currency) values (10, 1, 'БР, год', 'year', 'ru', 'RUB'), (11, 2, 'БР+, год', 'year', 'ru', 'RUB')`);
  });

  it('gives exactly 5 of a 5-seat pack to 20 assignments at once, and refuses 15 saying why', async () => {
    expect(await pack({}, [10], 'insert')).to.deep.include({ state: 'in force' });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => seat(i + 1, {}, 'insert')));
    const given = results.filter((r) => r.outcome === 'assigned');
    const refused = results.filter((r) => r.outcome !== 'assigned');
    expect(given, 'seats given').to.have.length(5);
    expect(refused.map((r) => r.outcome), 'the others').to.deep.equal(Array(15).fill('refused: no free seat (5 of 5 taken)'));
    expect(await holders(), 'active seat subscriptions').to.equal(5);
    expect(await packView()).to.deep.equal({ seats: 5, taken: 5, free: 0, state: 'in force' });
    const kinds = (await db.pool.query(`select distinct kind, product_id, to_char(starts_on, 'YYYY-MM-DD') as s, to_char(ends_on, 'YYYY-MM-DD') as e from billing_subscription`)).rows;
    expect(kinds, 'the pack\'s kind and dates, the plan\'s product').to.deep.equal([{ kind: 'corporate', product_id: 1, s: period.StartsOn, e: period.EndsOn }]);
    expect((await db.pool.query('select count(distinct product_id)::int as n from billing_entitlement_change')).rows[0].n, 'identity is told').to.equal(1);
  });

  it('frees a seat only with a reason, and a freed seat lets the next one in', async () => {
    const holding = (await db.pool.query<{ row_id: number }>('select row_id from billing_seat_assignment where holds order by row_id')).rows.map((r) => r.row_id);
    const waiting = (await db.pool.query<{ row_id: number }>('select row_id from billing_seat_assignment where not holds order by row_id')).rows.map((r) => r.row_id);
    const [first] = holding;
    expect((await seat(first!, { Freed: true })).outcome).to.equal('refused: freeing a seat needs FreedReason');
    expect(await holders(), 'kept without a reason').to.equal(5);
    expect((await seat(first!, { Freed: true, FreedReason: 'уволился' })).outcome).to.equal('freed');
    expect(await holders()).to.equal(4);
    expect(await packView()).to.deep.include({ taken: 4, free: 1 });
    // A refused row is tried again when it is edited: the first one in takes the seat, the next is refused again.
    expect((await seat(waiting[0]!)).outcome).to.equal('assigned');
    expect((await seat(waiting[1]!)).outcome).to.equal('refused: no free seat (5 of 5 taken)');
    expect(await holders()).to.equal(5);
    const history = (await db.pool.query(`select e.status, e.cause from billing_subscription_event e join billing_subscription s on s.id = e.subscription_id where s.source = $1 order by e.id`, [`seat:1:${first}`])).rows;
    expect(history).to.deep.equal([
      { status: 'active', cause: 'granted a seat of ООО Ромашка\'s pack 1' },
      { status: 'cancelled', cause: 'freed: уволился' },
    ]);
    // The same row given again: its subscription comes back.
    expect((await seat(first!, { Freed: false })).outcome).to.equal('refused: no free seat (5 of 5 taken)');
    expect((await seat(waiting[0]!, { Freed: true, FreedReason: 'перевели в другой отдел' })).outcome).to.equal('freed');
    expect((await seat(first!, { Freed: false })).outcome).to.equal('assigned');
    expect((await db.pool.query(`select status from billing_subscription where source = $1`, [`seat:1:${first}`])).rows[0].status).to.equal('active');
  });

  it('gives one person one seat of a pack, and lets a held seat pass to another person', async () => {
    const holding = (await db.pool.query<{ row_id: number }>('select row_id from billing_seat_assignment where holds order by row_id')).rows.map((r) => r.row_id);
    await seat(holding[0]!, { Freed: true, FreedReason: 'для проверки' });
    const twice = await seat(50, {}, 'insert', person(holding[1]!));
    expect(twice.outcome).to.equal(`refused: this person holds a seat of this pack already (assignment ${holding[1]})`);
    expect((await seat(holding[1]!, {}, 'update', person(99))).outcome, 'the seat passed to someone else').to.equal('changed');
    expect((await db.pool.query(`select person_id from billing_subscription where source = $1`, [`seat:1:${holding[1]}`])).rows[0].person_id).to.equal(person(99));
    expect((await seat(50, {}, 'update', person(holding[1]!))).outcome, 'now they may').to.equal('assigned');
    expect((await seat(51, {}, 'insert', null)).outcome).to.equal('refused: link a person who has signed up (People with an identity)');
    expect((await seat(52, { seat_packs_id: null }, 'insert')).outcome).to.equal('refused: link a seat pack');
    // A row deleted in NocoDB gives its seat back and keeps whose it was; nothing brings it back.
    expect((await seat(50, {}, 'delete', null)).outcome).to.equal('freed');
    expect((await db.pool.query(`select a.person_id, s.status from billing_seat_assignment a join billing_subscription s on s.id = a.subscription_id where a.row_id = 50`)).rows[0])
      .to.deep.equal({ person_id: person(holding[1]!), status: 'cancelled' });
    expect((await seat(50)).outcome, 'a late update of the deleted row').to.equal('unchanged');
    expect((await seat(53, {}, 'insert')).outcome).to.equal('assigned');
  });

  it('keeps its holders when Seats is lowered below them, and refuses new ones until they are fewer', async () => {
    expect(await holders()).to.equal(5);
    await pack({ Seats: 3 });
    expect(await holders(), 'nobody loses a seat').to.equal(5);
    expect(await packView()).to.deep.include({ seats: 3, taken: 5, free: 0, state: '5 holders for 3 seats: they keep them, new ones are refused until one is below the seats' });
    expect((await seat(60, {}, 'insert')).outcome).to.equal('refused: no free seat (5 of 3 taken)');
    const holding = (await db.pool.query<{ row_id: number }>('select row_id from billing_seat_assignment where holds and pack_id = 1 order by row_id')).rows.map((r) => r.row_id);
    for (const row of holding.slice(0, 3)) await seat(row, { Freed: true, FreedReason: 'сократили' });
    expect((await seat(60)).outcome, '2 of 3 taken').to.equal('assigned');
    expect((await seat(61, {}, 'insert')).outcome).to.equal('refused: no free seat (3 of 3 taken)');
  });

  it('moves its holders with its dates, keeps its plan while seats are held, and frees them all when deleted', async () => {
    const longer = addDays(period.EndsOn, 30);
    const moved = await pack({ Seats: 3, EndsOn: longer });
    expect(moved.moved, 'each holder').to.equal(3);
    expect((await db.pool.query(`select distinct to_char(ends_on, 'YYYY-MM-DD') as e from billing_subscription where status = 'active'`)).rows).to.deep.equal([{ e: longer }]);
    const replanned = await pack({ Seats: 3, EndsOn: longer }, [11]);
    expect(replanned.state).to.equal('gives no new seats: its plan and kind stay as they were while seats are held (3): free them first, or make a new pack');
    expect((await seat(61)).outcome).to.match(/^refused: the seat pack gives no new seats: its plan and kind stay/);
    expect((await db.pool.query(`select distinct product_id from billing_subscription where status = 'active'`)).rows, 'holders keep their product').to.deep.equal([{ product_id: 1 }]);
    // An older edit of the pack arriving late changes nothing.
    expect((await inTransaction(db.pool, (tx) => applyPack(tx, { op: 'update', row: packRow({ UpdatedAt: '2025-01-01T00:00:00Z' }), planIds: [10], today }))).state).to.equal('unchanged');
    expect((await pack({}, [10], 'delete')).freed).to.equal(3);
    expect(await holders()).to.equal(0);
    expect(await packView()).to.deep.include({ taken: 0, state: 'deleted: its seats were freed' });
    expect(await outcome(60)).to.equal('freed: the seat pack was deleted');
    expect((await seat(62, {}, 'insert')).outcome).to.equal('refused: the seat pack was deleted');
  });

  it('refuses seats of a pack that is not whole yet, and gives them once it is', async () => {
    const pack2 = (over: Record<string, unknown>, planIds = [10]) => inTransaction(db.pool, (tx) => applyPack(tx, { op: 'update', row: packRow({ Id: 2, Kind: 'free corporate', ...over }), planIds, today }));
    expect((await pack2({ Reason: null })).state).to.match(/needs a Reason/);
    expect((await seat(70, { seat_packs_id: 2 }, 'insert')).outcome).to.equal('refused: the seat pack gives no new seats: it needs a Reason (the contract or invoice, or why it is free)');
    await pack2({ Reason: 'Партнёрская программа' });
    expect((await seat(70, { seat_packs_id: 2 })).outcome).to.equal('assigned');
    expect((await db.pool.query(`select kind, price_minor from billing_subscription where source = 'seat:2:70'`)).rows[0]).to.deep.equal({ kind: 'free corporate', price_minor: '0' });
    // Moved to another pack: the old seat goes back.
    expect((await seat(70, { seat_packs_id: 1 })).outcome).to.equal('refused: the seat pack was deleted');
    expect((await db.pool.query(`select status from billing_subscription where source = 'seat:2:70'`)).rows[0].status).to.equal('cancelled');
    expect((await packView(2)).taken).to.equal(0);
  });
});

describe('billing: a seat given in NocoDB opens the plan\'s guide', function () {
  this.timeout(180_000);
  let school: School;
  before(async () => { school = await startSchool('billing_seats_staff'); });
  after(async () => school?.close());

  const sweep = async (...keys: string[]) => {
    const api = createNocoApi(school.nocodb.url, school.nocodb.token);
    for (const key of keys) await sweepTable({ api, ids: school.ids, db: school.db, inbox: school.platform.inbox, log: testLog }, schoolTables.find((t) => t.key === key)!, 5);
  };
  const canRead = (id: string) => school.standin.ory.keto.check({ namespace: 'Guide', object: 'systems-101', relation: 'read', subject: id });
  const outcome = async (row: number) => (await school.db.query('select outcome from billing_seat_assignments where assignment_row = $1', [row])).rows[0]?.outcome;
  const peopleRow = (identity: string) => waitFor('the People row', async () => {
    const list = await school.rows.list('people', { where: `(IdentityId,eq,${identity})` });
    return list[0];
  }, 20_000);

  it('gives a seat of a one-seat pack to Ann, refuses Bob, and lets Bob in when Ann\'s is freed', async () => {
    const ann = await school.register('Ann');
    const bob = await school.register('Bob');
    const [annRow, bobRow] = [await peopleRow(ann.id), await peopleRow(bob.id)];
    await sweep('products', 'plans', 'seat_packs', 'seat_assignments'); // the sweeper's first round: from now on

    const [guide] = await school.rows.insert('guides', [{ Title: 'Системное мышление', Slug: 'systems-101' }]);
    const [product] = await school.rows.insert('products', [{ Title: 'БР', Code: 'br', Kind: 'subscription' }]);
    await school.rows.link('products', 'Guides', product!.Id, [guide!.Id]);
    const [plan] = await school.rows.insert('plans', [{ Title: 'БР, год', Duration: 'year', Jurisdiction: 'ru', Currency: 'RUB' }]);
    await school.rows.link('products', 'Plans', product!.Id, [plan!.Id]);
    await sweep('products', 'plans');
    await school.capabilities.billing.resyncCatalogNow();

    // Staff, in the grid: the organisation's pack of one seat of the plan, then a seat for Ann and one for Bob.
    const [pack] = await school.rows.insert('seat_packs', [{ Organisation: 'ООО Ромашка', Seats: 1, ...period, Kind: 'corporate', Reason: 'Договор 12/2026' }]);
    await school.rows.link('seat_packs', 'Plan', pack!.Id, [plan!.Id]);
    const [annSeat, bobSeat] = await school.rows.insert('seat_assignments', [{ Note: 'Ann' }, { Note: 'Bob' }]);
    await school.rows.link('people', 'Seat assignments', annRow!.Id, [annSeat!.Id]);
    await school.rows.link('people', 'Seat assignments', bobRow!.Id, [bobSeat!.Id]);
    await school.rows.link('seat_packs', 'Seat assignments', pack!.Id, [annSeat!.Id, bobSeat!.Id]);
    expect(await canRead(ann.id), 'before the seat').to.equal(false);

    // Links fire no webhook: an edit of the row (or the sweep) brings them.
    await school.rows.update('seat_assignments', [{ Id: annSeat!.Id, Note: 'Ann, отдел продаж' }]);
    await waitFor('Ann may read the guide', () => canRead(ann.id), 20_000);
    await school.rows.update('seat_assignments', [{ Id: bobSeat!.Id, Note: 'Bob, отдел продаж' }]);
    // (Its insert, before the links, was refused for want of a pack.)
    await waitFor('Bob refused for want of a seat', async () => (await outcome(bobSeat!.Id)) === 'refused: no free seat (1 of 1 taken)', 20_000);
    expect(await canRead(bob.id)).to.equal(false);
    const view = (await school.db.query('select organisation, plan, product, kind, seats, taken, free, state from billing_seat_packs where pack_row = $1', [pack!.Id])).rows[0];
    expect(view).to.deep.equal({ organisation: 'ООО Ромашка', plan: 'БР, год', product: 'БР', kind: 'corporate', seats: 1, taken: 1, free: 0, state: 'in force' });

    await school.rows.update('seat_assignments', [{ Id: annSeat!.Id, Freed: true, FreedReason: 'уволилась' }]);
    await waitFor('the guide closed for Ann', async () => !(await canRead(ann.id)), 20_000);
    await school.rows.update('seat_assignments', [{ Id: bobSeat!.Id, Note: 'Bob, место Ann' }]);
    await waitFor('Bob may read the guide', () => canRead(bob.id), 20_000);
    expect(await outcome(annSeat!.Id)).to.equal('freed');
    expect(await outcome(bobSeat!.Id)).to.equal('assigned');
  });
});
