import { expect } from 'chai';
import { collected, discoursePost, pointsHarness, text, type PointsHarness } from './harness.ts';

/**
 * Counting through the inbox and the worker's transactions, on a real PostgreSQL. Rules:
 * club_post = 2 points + 0.01 per character (min 20 characters); ai_question = 1 point,
 * cap 3 a day, cooldown 60 s; reading = 1 point a minute.
 */
describe('points: counting active actions', () => {
  let h: PointsHarness;
  let ann: string;

  before(async () => {
    h = await pointsHarness('counting');
    await h.rule({ Id: 1, Kind: 'club_post', Points: 2, PerCharacter: 0.01, MinLength: 20, EffectiveFrom: '2025-01-01' }, 'insert');
    await h.rule({ Id: 2, Kind: 'ai_question', Points: 1, DailyCap: 3, CooldownSeconds: 60, EffectiveFrom: '2025-01-01' }, 'insert');
    await h.rule({ Id: 3, Kind: 'reading_heartbeat', Points: 0, PerMinute: 1, EffectiveFrom: '2025-01-01' }, 'insert');
    ann = await h.registerPerson({ email: 'ann@school.test' });
    await h.db.pool.query(`insert into points_person_alias (source, external_id, person_id) values ('discourse_user', '5', $1)`, [ann]);
  });

  it('counts a club post once, however often it is delivered', async () => {
    const post = discoursePost({ id: 100, userId: 5, username: 'ann', raw: text(300), createdAt: '2025-03-01T10:00:00Z' });
    await h.deliver([{ topic: 'discourse.post_created', payload: post, deliveryId: 'ev-100' }]);
    await h.deliver([{ topic: 'discourse.post_created', payload: post, deliveryId: 'ev-100' }]); // the inbox drops it
    await h.deliver([{ topic: 'discourse.post_created', payload: post, deliveryId: 'ev-100-resent' }]); // same event key
    expect(await h.balance(ann)).to.equal(5);
    expect((await h.lines(ann)).map((l) => l.points)).to.deep.equal([5]);
  });

  it('replaces an edited post\'s characters with a reversal and a new line, and counts a deleted post out', async () => {
    const base = { id: 101, userId: 5, username: 'ann', createdAt: '2025-03-01T11:00:00Z' };
    await h.deliver([{ topic: 'discourse.post_created', payload: discoursePost({ ...base, raw: text(100) }) }]);
    const before = await h.balance(ann);
    await h.deliver([{ topic: 'discourse.post_edited', payload: discoursePost({ ...base, raw: text(500), updatedAt: '2025-03-01T11:30:00Z' }) }]);
    expect(await h.balance(ann)).to.equal(before - 3 + 7);
    const last = (await h.lines(ann)).slice(-2);
    expect(last.map((l) => l.points)).to.deep.equal([-3, 7]);
    expect(last[0]!.compensates).to.not.equal(null);
    await h.deliver([{ topic: 'discourse.post_destroyed', payload: discoursePost({ ...base, raw: text(500), updatedAt: '2025-03-01T12:00:00Z', deletedAt: '2025-03-01T12:00:00Z' }) }]);
    expect(await h.balance(ann)).to.equal(before - 3);
    const { rows } = await h.db.pool.query(`select count(*)::int as n from points_ledger where person_id = $1 and event_id in
      (select id from points_event where subject = 'discourse:post:101')`, [ann]);
    expect(rows[0].n).to.equal(4);
  });

  it('reaches the same result when an edit and a deletion arrive before the post itself', async () => {
    const base = { id: 102, userId: 5, username: 'ann', createdAt: '2025-03-02T09:00:00Z' };
    const start = await h.balance(ann);
    await h.deliver([{ topic: 'discourse.post_edited', payload: discoursePost({ ...base, raw: text(400), updatedAt: '2025-03-02T09:10:00Z' }) }]);
    await h.deliver([{ topic: 'discourse.post_created', payload: discoursePost({ ...base, raw: text(100) }) }]);
    expect(await h.balance(ann)).to.equal(start + 6, 'the later edit (400 characters) counts, not the original');
    const base2 = { id: 103, userId: 5, username: 'ann', createdAt: '2025-03-02T10:00:00Z' };
    await h.deliver([{ topic: 'discourse.post_destroyed', payload: discoursePost({ ...base2, raw: text(100), updatedAt: '2025-03-02T10:05:00Z', deletedAt: '2025-03-02T10:05:00Z' }) }]);
    await h.deliver([{ topic: 'discourse.post_created', payload: discoursePost({ ...base2, raw: text(100) }) }]);
    expect(await h.balance(ann)).to.equal(start + 6, 'a post deleted before it arrived never counts');
  });

  it('stops at the daily cap, and a late earlier question takes its place under the cap', async () => {
    const q = (key: string, at: string) => collected(ann, 'ai_question', key, at);
    await h.deliver([q('q2', '2025-03-01T09:10:00Z'), q('q3', '2025-03-01T09:20:00Z'), q('q4', '2025-03-01T09:30:00Z'), q('q5', '2025-03-01T09:40:00Z')]);
    const day = async () => (await h.db.pool.query(`select coalesce(sum(points),0)::int as p, coalesce(sum(actions),0)::int as a from points_ledger
      where person_id = $1 and kind = 'ai_question' and day = '2025-03-01'`, [ann])).rows[0];
    expect(await day()).to.deep.equal({ p: 3, a: 4 });
    // q1 happened first but arrives last: it takes a place under the cap, q4 is corrected to 0.
    await h.deliver([q('q1', '2025-03-01T09:00:00Z')]);
    expect(await day()).to.deep.equal({ p: 3, a: 5 });
    const { rows } = await h.db.pool.query(`select e.key, sum(l.points)::int as points from points_ledger l join points_event e on e.id = l.event_id
      where l.person_id = $1 and l.kind = 'ai_question' and l.day = '2025-03-01' group by e.key order by e.key`, [ann]);
    expect(rows.map((r) => [r.key.split(':').pop(), r.points])).to.deep.equal([['q1', 1], ['q2', 1], ['q3', 1], ['q4', 0], ['q5', 0]]);
  });

  it('gives nothing to a question asked within the cooldown, and says why in the statement', async () => {
    await h.deliver([collected(ann, 'ai_question', 'c1', '2025-03-02T09:00:00Z'), collected(ann, 'ai_question', 'c2', '2025-03-02T09:00:30Z')]);
    const { rows } = await h.db.pool.query(`select points, note from points_ledger where person_id = $1 and kind = 'ai_question' and day = '2025-03-02' order by id`, [ann]);
    expect(rows).to.deep.equal([{ points: 1, note: null }, { points: 0, note: 'cooldown' }]);
  });

  it('counts reading time in minutes', async () => {
    await h.deliver([1, 2, 3, 4].map((i) => collected(ann, 'reading_heartbeat', `hb-${i}`, `2025-03-02T1${i}:00:00Z`, { seconds: 90 })));
    const { rows } = await h.db.pool.query(`select sum(points)::int as p, sum(seconds)::int as s from points_ledger where person_id = $1 and kind = 'reading_heartbeat'`, [ann]);
    expect(rows[0]).to.deep.equal({ p: 4, s: 360 });
  });

  it('puts a late-evening UTC action on the next day for a student in Vladivostok', async () => {
    const vlad = await h.registerPerson({ timeZone: 'Asia/Vladivostok' });
    const utc = await h.registerPerson({});
    const at = '2025-03-01T15:30:00Z';
    await h.deliver([collected(vlad, 'reading_heartbeat', 'v1', at, { seconds: 60 }), collected(utc, 'reading_heartbeat', 'u1', at, { seconds: 60 })]);
    expect((await h.lines(vlad))[0]!.day).to.equal('2025-03-02');
    expect((await h.lines(utc))[0]!.day).to.equal('2025-03-01');
    // An event that says its own zone keeps it, whatever the person's zone is.
    await h.deliver([collected(vlad, 'reading_heartbeat', 'v2', '2025-03-03T01:00:00+03:00', { seconds: 60 }, 'Europe/Moscow')]);
    expect((await h.lines(vlad))[1]!.day).to.equal('2025-03-03');
  });

  it('marks an invalid payload invalid with the field named, and does not retry it', async () => {
    const r = await h.deliver([{ topic: 'discourse.post_created', payload: { post: { id: 'x' } } }]);
    expect(r).to.deep.equal({ done: 0, failed: 0, invalid: 1 });
    const [job] = await h.invalid();
    expect(job!.topic).to.equal('discourse.post_created');
    expect(job!.issues.map((i) => i.path)).to.deep.equal(['post.id']);
    const { rows } = await h.db.pool.query(`select j.status, j.attempts from inbox_job j join inbox_event e on e.id = j.event_id
      where e.topic = 'discourse.post_created' and e.payload->'post'->>'id' = 'x'`);
    expect(rows, 'never retried').to.deep.equal([{ status: 'invalid', attempts: 0 }]);
  });

  it('refuses to edit or delete ledger rows', async () => {
    let error = '';
    await h.db.pool.query('update points_ledger set points = 100').catch((e: Error) => (error = e.message));
    expect(error).to.match(/append-only/);
  });
});
