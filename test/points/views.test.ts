import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { balanceOf, yearCalendar } from '../../extensions/points/activity.ts';
import { addDays, localDay, weekStart } from '../../extensions/points/calendar.ts';
import { recordSchoolZone } from '../../extensions/points/index.ts';
import { rating } from '../../extensions/points/ratings.ts';
import { collected, pointsHarness, type PointsHarness } from './harness.ts';

/**
 * The views staff see as NocoDB grids (schemas/migrations/0207, 0208) give the same answers
 * as the API: a statement's running balance ends at the balance, and the streaks are the
 * calendar's. They use the database's clock, so this test uses the real one.
 */
describe('points: the NocoDB grids agree with the API', () => {
  let h: PointsHarness;
  let ann: string;
  const zone = 'Asia/Vladivostok';

  before(async () => {
    h = await pointsHarness('views');
    h.clock.now = new Date();
    await h.rule({ Id: 1, Kind: 'ai_question', Points: 2, EffectiveFrom: '2020-01-01' }, 'insert');
    ann = await h.registerPerson({ timeZone: zone, name: 'Ann' });
    // Today, yesterday and the day before (a streak of 3), and five days ago; two on today.
    // Just after local midnight (Vladivostok has no DST), so that no event crosses into another day.
    const midnight = Date.parse(`${localDay(h.clock.now, zone)}T00:00:00+10:00`);
    const at = (days: number, seconds: number) => new Date(midnight - days * 86_400_000 + seconds * 1000).toISOString();
    await h.deliver([0, 1, 2, 5].map((d) => collected(ann, 'ai_question', `q-${d}`, at(d, 20))).concat(collected(ann, 'ai_question', 'q-0b', at(0, 30))));
    // Staff raise the rule: every line is reversed and booked again.
    await h.rule({ Id: 1, Kind: 'ai_question', Points: 3, EffectiveFrom: '2020-01-01' });
  });

  it('points_statement: each line carries the balance after it, ending at the balance; reversals name their line', async () => {
    const { rows } = await h.db.pool.query(`select line_id::int, points, balance::float8 as balance, reverses_line::int, event_key, display_name from points_statement where person_id = $1 order by booked_at, line_id`, [ann]);
    const { points } = await balanceOf(h.db.pool, ann);
    expect(points).to.equal(15);
    let running = 0;
    for (const r of rows) {
      running += r.points;
      expect(r.balance).to.equal(running);
    }
    expect(rows.at(-1).balance).to.equal(points);
    const reversals = rows.filter((r) => r.reverses_line !== null);
    expect(reversals).to.have.length(5);
    for (const r of reversals) expect(rows.find((x) => x.line_id === r.reverses_line)?.points).to.equal(-r.points);
    expect(rows[0].display_name).to.equal('Ann');
    expect(rows[0].event_key).to.match(/^collector:/);
  });

  it('points_streaks: the current and longest streak and the last active day are the calendar\'s', async () => {
    const now = h.clock.now;
    const calendar = await yearCalendar(h.db.pool, ann, Number(localDay(now, zone).slice(0, 4)), zone, now);
    const { rows } = await h.db.pool.query(`select current_streak, longest_streak, to_char(last_active_day, 'YYYY-MM-DD') as last_active_day, active_days
      from points_streaks where person_id = $1`, [ann]);
    expect(rows).to.deep.equal([{ current_streak: 3, longest_streak: 3, last_active_day: localDay(now, zone), active_days: 4 }]);
    expect(calendar.streaks).to.include({ current: 3, longest: 3 });
  });

  it('points_days and points_totals sum the same ledger; this week and this month are the API ratings\' in the school\'s zone', async () => {
    const { rows: days } = await h.db.pool.query(`select sum(points)::int as points, sum(actions)::int as actions from points_days where person_id = $1`, [ann]);
    expect(days).to.deep.equal([{ points: 15, actions: 5 }]);
    await recordSchoolZone(h.db.pool, zone);
    const api = async (period: 'week' | 'month') => (await rating(h.db.pool, { period, by: 'points', now: h.clock.now, timeZone: zone, limit: 10 })).rows[0]?.value ?? 0;
    const { rows: totals } = await h.db.pool.query(`select rank, points::float8 as points, points_this_week::float8 as points_this_week, points_this_month::float8 as points_this_month from points_totals where person_id = $1`, [ann]);
    expect(totals).to.deep.equal([{ rank: 1, points: 15, points_this_week: await api('week'), points_this_month: await api('month') }]);
    // Independently of the API: the events were on today, the two days before and five days ago, 3 points each (two today).
    const today = localDay(h.clock.now, zone);
    const inWeek = [0, 0, 1, 2, 5].filter((d) => addDays(today, -d) >= weekStart(today)).length;
    expect(totals[0].points_this_week).to.equal(3 * inWeek);
  });

  it('points_group_totals ranks each group\'s members, as the group rating does', async () => {
    const bob = await h.registerPerson({ name: 'Bob' });
    await h.deliver([collected(bob, 'ai_question', 'b-1', new Date(h.clock.now.getTime() - 60_000).toISOString())]);
    // As identity records NocoDB's Groups.Members link of group 7 (end to end: test/e2e/demo.test.ts).
    await h.db.pool.query(`insert into identity_keto_tuple (namespace, object, relation, subject)
      values ('Group', 'group-7', 'members', $1), ('Group', 'group-7', 'members', $2), ('Group', 'group-7', 'mentors', $3)`, [ann, bob, randomUUID()]);
    const { rows } = await h.db.pool.query(`select group_id, rank, display_name, points::float8 as points from points_group_totals order by rank`);
    expect(rows).to.deep.equal([
      { group_id: 'group-7', rank: 1, display_name: 'Ann', points: 15 },
      { group_id: 'group-7', rank: 2, display_name: 'Bob', points: 3 },
    ]);
  });

  it('sums past 2^31 without failing: a person\'s total and the school\'s views keep the ledger\'s range', async () => {
    const rich = await h.registerPerson({ name: 'Rich' });
    // Eleven lines at the most one event can earn (about 2.1e8 points each: schemas/events/points.ts).
    await h.db.pool.query(`insert into points_ledger (event_id, person_id, role, kind, day, points, actions, characters, seconds)
      select 900000 + g, $1, 'own', 'club_post', '2025-03-01', 210000000, 1, 0, 0 from generate_series(1, 11) as g`, [rich]);
    const total = 11 * 210_000_000;
    expect(total).to.be.greaterThan(2 ** 31);
    expect((await balanceOf(h.db.pool, rich)).points).to.equal(total);
    const { rows } = await h.db.pool.query(`select points::float8 as points from points_totals where person_id = $1`, [rich]);
    expect(rows[0].points).to.equal(total);
    const { rows: statement } = await h.db.pool.query(`select max(balance)::float8 as balance from points_statement where person_id = $1`, [rich]);
    expect(statement[0].balance).to.equal(total);
    expect((await h.db.pool.query('select count(*)::int as n from points_days')).rows[0].n, 'the days view answers for everyone').to.be.greaterThan(0);
  });
});
