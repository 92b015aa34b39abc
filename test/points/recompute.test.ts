import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { inTransaction } from '../../kernel/db.ts';
import { acceptEvents } from '../../service/inbox/accept.ts';
import { processBatch } from '../../service/inbox/worker.ts';
import { testLog } from '../support/stack.ts';
import { recomputeJob } from '../../extensions/points/recompute-store.ts';
import { recomputeScope } from '../../extensions/points/settle-store.ts';
import { collected, discoursePost, pointsHarness, text, type Delivery, type PointsHarness } from './harness.ts';
import { topicRegistry } from '../../schemas/topics.ts';

const topics = topicRegistry();

describe('points: rules staff change in NocoDB', () => {
  let h: PointsHarness;
  let bea: string;

  before(async () => {
    h = await pointsHarness('rules');
    await h.rule({ Id: 10, Kind: 'error_report', Points: 5, EffectiveFrom: '2025-01-01' }, 'insert');
    bea = await h.registerPerson({});
    await h.deliver([
      collected(bea, 'error_report', 'r1', '2025-02-10T10:00:00Z'),
      collected(bea, 'error_report', 'r2', '2025-03-01T10:00:00Z'),
    ]);
  });

  it('recomputes the past when a rule changes retroactively, with reversals and progress', async () => {
    expect(await h.balance(bea)).to.equal(10);
    await h.rule({ Id: 10, Kind: 'error_report', Points: 8, EffectiveFrom: '2025-01-01' });
    expect(await h.balance(bea)).to.equal(16);
    const lines = await h.lines(bea);
    expect(lines.map((l) => [l.points, l.rule_version])).to.deep.equal([[5, 1], [5, 1], [-5, 1], [8, 2], [-5, 1], [8, 2]]);
    const job = await recomputeJob(h.db.pool, lines.at(-1)!.recompute_id!);
    expect(job).to.deep.include({ status: 'done', total: 1, done: 1, linesAdded: 4, kinds: ['error_report'], fromDay: '2025-01-01' });
  });

  it('applies a rule from its EffectiveFrom only: earlier days keep the earlier rule', async () => {
    await h.rule({ Id: 11, Kind: 'error_report', Points: 20, EffectiveFrom: '2025-02-15' }, 'insert');
    const { rows } = await h.db.pool.query(`select to_char(day, 'YYYY-MM-DD') as day, sum(points)::int as p from points_ledger
      where person_id = $1 group by day order by day`, [bea]);
    expect(rows).to.deep.equal([{ day: '2025-02-10', p: 8 }, { day: '2025-03-01', p: 20 }]);
    await h.rule({ Id: 11 }, 'delete');
    expect(await h.balance(bea)).to.equal(16);
  });

  it('does nothing for a repeated or an older rule change', async () => {
    const before = (await h.lines(bea)).length;
    await h.rule({ Id: 10, Kind: 'error_report', Points: 8, EffectiveFrom: '2025-01-01' });
    await h.rule({ Id: 10, Kind: 'error_report', Points: 1, EffectiveFrom: '2025-01-01', UpdatedAt: '2020-01-01T00:00:00Z' });
    expect((await h.lines(bea)).length).to.equal(before);
    const { rows } = await h.db.pool.query('select max(version)::int as v from points_rule where rule_id = 10');
    expect(rows[0].v).to.equal(2);
  });

  it('marks a rule row without a kind invalid and says so', async () => {
    await h.deliver([{ topic: 'nocodb.points_rules.insert', payload: { table: 'points_rules', row: { Id: 12, Points: 3 } } }]);
    const invalid = (await h.invalid()).filter((j) => j.topic === 'nocodb.points_rules.insert');
    expect(invalid.map((j) => j.issues.map((i) => i.message))).to.deep.equal([['points_rules row has no Kind']]);
  });

  it('marks a rule with values outside its bounds invalid, naming them, and keeps counting with the rule in force', async () => {
    await h.deliver([{ topic: 'nocodb.points_rules.update', payload: { table: 'points_rules', row: { Id: 10, Kind: 'error_report', Points: 5_000_000, AmbassadorShare: 2, EffectiveFrom: '2025-01-01' } } }]);
    const invalid = (await h.invalid()).filter((j) => j.topic === 'nocodb.points_rules.update');
    expect(invalid.at(-1)!.issues.map((i) => i.path).sort(), 'the fields out of bounds').to.deep.equal(['row.AmbassadorShare', 'row.Points']);
    const before = await h.balance(bea);
    await h.deliver([collected(bea, 'error_report', 'r-bounds', '2025-03-02T10:00:00Z')]);
    expect(await h.balance(bea) - before, 'the rule in force still applies').to.be.greaterThan(0);
  });
});

/**
 * The incremental path (rules.ts, one event at a time, in any order) and the set-based
 * recomputation (recompute.ts, SQL) must agree: after a random history, a full
 * recomputation finds nothing to change.
 */
for (const batch of [false, true]) describe(`points: ${batch ? 'batch ingestion (set-based)' : 'one event at a time (rules.ts)'} and the set-based recomputation agree`, () => {
  let h: PointsHarness;

  before(async () => {
    h = await pointsHarness(batch ? 'agree-batch' : 'agree', { batchIngestion: batch });
    await h.rule({ Id: 1, Kind: 'club_post', Points: 2, PerCharacter: 0.013, MinLength: 30, DailyCap: 12, CooldownSeconds: 120, EffectiveFrom: '2025-01-01', AmbassadorShare: 0.25 }, 'insert');
    await h.rule({ Id: 2, Kind: 'club_post', Points: 1, PerCharacter: 0.02, DailyCap: 9, EffectiveFrom: '2025-03-02', AmbassadorShare: 0.5 }, 'insert');
    await h.rule({ Id: 3, Kind: 'reading_heartbeat', PerMinute: 0.7, DailyCap: 10, CooldownSeconds: 20, EffectiveFrom: '2025-01-01' }, 'insert');
    await h.rule({ Id: 4, Kind: 'draft', Points: 1, PerCharacter: 0.001, MinLength: 10, DailyCap: 4, EffectiveFrom: '2025-01-01', AmbassadorShare: 0.333 }, 'insert');
  });

  it('a shuffled history of posts, edits, deletions, duplicates and heartbeats needs no correction', async () => {
    let seed = Number(process.env.POINTS_SEED ?? 42);
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const amb = await h.registerPerson({});
    const { rows: codeRows } = await h.db.pool.query(`insert into points_referral_code (code, person_id) values ('AMB1', $1) returning code`, [amb]);
    const people = [
      await h.registerPerson({ timeZone: 'Asia/Vladivostok', referralCode: codeRows[0].code }),
      await h.registerPerson({ timeZone: 'America/New_York' }),
      await h.registerPerson({ referralCode: 'AMB1' }),
    ];
    for (const [i, p] of people.entries()) {
      await h.db.pool.query(`insert into points_person_alias (source, external_id, person_id) values ('discourse_user', $1, $2)`, [String(i + 1), p]);
    }
    const deliveries: Delivery[] = [];
    for (let n = 0; n < 240; n++) {
      const who = rnd(people.length);
      const at = new Date(Date.parse('2025-03-01T00:00:00Z') + rnd(3 * 86_400) * 1000);
      const kind = rnd(3);
      if (kind === 0) {
        const id = 1000 + rnd(60);
        // A post mostly stays with its author; one in ten deliveries says another user (staff moved it).
        const author = rnd(10) === 0 ? who : id % people.length;
        const base = { id, userId: author + 1, username: `u${author}`, createdAt: new Date(Date.parse('2025-03-01T00:00:00Z') + id * 3_000_000 % (3 * 86_400_000)).toISOString() };
        const op = rnd(6);
        const updatedAt = new Date(Date.parse(base.createdAt) + rnd(10_000) * 1000).toISOString();
        if (op === 0) deliveries.push({ topic: 'discourse.post_destroyed', payload: discoursePost({ ...base, raw: '', updatedAt, deletedAt: updatedAt }) });
        else deliveries.push({ topic: op === 1 ? 'discourse.post_created' : 'discourse.post_edited', payload: discoursePost({ ...base, raw: text(rnd(900)), updatedAt: op === 1 ? base.createdAt : updatedAt }) });
      } else if (kind === 1) {
        deliveries.push(collected(people[who]!, 'reading_heartbeat', `hb-${rnd(200)}`, at.toISOString(), { seconds: 30 + rnd(120) }));
      } else {
        deliveries.push(collected(people[who]!, 'draft', `d-${n}`, at.toISOString(), { characters: rnd(3000) }));
      }
    }
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = rnd(i + 1);
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }
    for (let i = 0; i < deliveries.length; i += 17) {
      const r = await h.deliver(deliveries.slice(i, i + 17));
      expect(r.failed).to.equal(0);
    }
    const { rows: before } = await h.db.pool.query(`select person_id, sum(points)::int as p from points_ledger group by 1 order by 1`);
    expect(before.length).to.be.greaterThan(3);
    expect(before.find((r) => r.person_id === amb)?.p ?? 0, 'the ambassador earned a share').to.be.greaterThan(0);
    const added = await inTransaction(h.db.pool, (tx) => recomputeScope(tx, { personIds: null, kinds: null, fromDay: null }, new Date(), null));
    expect(added, 'lines a full recomputation wanted to add').to.equal(0);
  });

  it('and a recomputation from an empty ledger books the same balances', async () => {
    const { rows: counted } = await h.db.pool.query(`select person_id, sum(points)::int as p, sum(characters)::int as c from points_ledger
      group by 1 having sum(points) <> 0 or sum(characters) <> 0 order by 1`);
    await h.db.pool.query(`create table ledger_copy as select * from points_ledger where false`);
    // Recompute into a scratch schema: same events and rules, a ledger that starts empty.
    await inTransaction(h.db.pool, async (tx) => {
      await tx.query(`alter table points_ledger rename to points_ledger_kept`);
      await tx.query(`create table points_ledger (like points_ledger_kept including all)`);
      await recomputeScope(tx, { personIds: null, kinds: null, fromDay: null }, new Date(), null);
      const { rows: fresh } = await tx.query(`select person_id, sum(points)::int as p, sum(characters)::int as c from points_ledger group by 1 order by 1`);
      expect(fresh).to.deep.equal(counted);
      await tx.query('rollback');
      await tx.query('begin');
    });
  });

  it('a person-scoped recomputation of someone unknown touches nothing', async () => {
    const added = await inTransaction(h.db.pool, (tx) => recomputeScope(tx, { personIds: [randomUUID()], kinds: null, fromDay: null }, new Date(), null));
    expect(added).to.equal(0);
  });
});

/**
 * Two workers counting batches of the same people at once (the service runs several):
 * each takes its people's locks, so the days are settled one after the other, and the
 * ledger is what a recomputation from scratch would book.
 */
describe('points: concurrent batches of the same people', () => {
  it('book each event once, keep the daily cap, and need no correction afterwards', async () => {
    const h = await pointsHarness('concurrent');
    await h.rule({ Id: 1, Kind: 'ai_question', Points: 2, DailyCap: 50, CooldownSeconds: 60, EffectiveFrom: '2025-01-01' }, 'insert');
    const people = [await h.registerPerson({}), await h.registerPerson({})];
    const deliveries = Array.from({ length: 240 }, (_, i) => collected(people[i % 2]!, 'ai_question', `q-${i}`,
      new Date(Date.parse('2025-03-01T06:00:00Z') + ((i * 7919) % 36_000) * 1000).toISOString()));
    await acceptEvents(h.db.pool, (t) => (h.consumer.topics.includes(t) ? ['points'] : []), deliveries.map((d, i) => ({ source: 'collector', deliveryId: `c-${i}`, topic: d.topic, payload: d.payload })));
    const { rows } = await h.db.pool.query<{ id: string }>(`select event_id::text as id from inbox_job where consumer = 'points' and status = 'pending' order by event_id`);
    const ids = rows.map((r) => r.id);
    // Interleaved halves: both batches hold events of both people on the same day.
    const halves = [ids.filter((_, i) => i % 4 < 2), ids.filter((_, i) => i % 4 >= 2)];
    const results = await Promise.all(halves.map((half) => processBatch({ db: h.db.pool, log: testLog, maxAttempts: 3, topics }, h.consumer, half)));
    expect(results.reduce((n, r) => n + r.done, 0)).to.equal(240);
    const { rows: perDay } = await h.db.pool.query(`select person_id, day, sum(points)::int as points, count(distinct event_id)::int as events
      from points_ledger group by 1, 2 order by 1, 2`);
    expect(perDay.map((r) => r.events)).to.deep.equal([120, 120]);
    for (const r of perDay) expect(r.points).to.equal(50);
    const added = await inTransaction(h.db.pool, (tx) => recomputeScope(tx, { personIds: null, kinds: null, fromDay: null }, new Date(), null));
    expect(added, 'lines a full recomputation wanted to add').to.equal(0);
  });
});
