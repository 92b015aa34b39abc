import { expect } from 'chai';
import { collected, discoursePost, pointsHarness, text, type PointsHarness } from './harness.ts';

describe('points: what students and staff see over HTTP', () => {
  let h: PointsHarness;
  let web: Awaited<ReturnType<PointsHarness['http']>>;
  let fay: string;
  let gus: string;
  const get = async (path: string) => {
    const res = await fetch(`${web.url}${path}`);
    const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: body as any };
  };

  before(async () => {
    h = await pointsHarness('routes');
    await h.rule({ Id: 1, Kind: 'error_report', Points: 5, EffectiveFrom: '2025-01-01' }, 'insert');
    await h.rule({ Id: 2, Kind: 'club_post', Points: 1, PerCharacter: 0.01, EffectiveFrom: '2025-01-01' }, 'insert');
    fay = await h.registerPerson({ timeZone: 'Asia/Vladivostok', name: 'Fay' });
    gus = await h.registerPerson({ name: 'Gus' });
    await h.db.pool.query(`insert into points_person_alias (source, external_id, person_id) values ('discourse_user', '9', $1)`, [fay]);
    // Booked in February: part of the opening balance of a March statement.
    h.clock.now = new Date('2025-02-20T12:00:00Z');
    await h.deliver([collected(fay, 'error_report', 'feb', '2025-02-20T01:00:00Z')]);
    h.clock.now = new Date('2025-03-03T05:00:00Z'); // 15:00 in Vladivostok
    await h.deliver([
      // 23:30 UTC on 1 March is 2 March in Vladivostok: Fay's days are 2 and 3 March.
      collected(fay, 'error_report', 'e1', '2025-03-01T23:30:00Z'),
      collected(fay, 'error_report', 'e2', '2025-03-03T01:00:00Z'),
      { topic: 'discourse.post_created', payload: discoursePost({ id: 1, userId: 9, username: 'fay', raw: text(250), createdAt: '2025-03-03T02:00:00Z' }) },
      collected(gus, 'error_report', 'g1', '2025-03-03T01:00:00Z'),
    ]);
    // As identity records NocoDB's Groups.Members link of group 7 (end to end: test/e2e/demo.test.ts).
    await h.db.pool.query(`insert into identity_keto_tuple (namespace, object, relation, subject) values ('Group', 'group-7', 'members', $1)`, [gus]);
    web = await h.http();
  });

  after(() => web.close());

  it('shows a day\'s actions by kind with characters and points', async () => {
    const { body } = await get(`/people/${fay}/days?from=2025-03-01&to=2025-03-03`);
    expect(body.timeZone).to.equal('Asia/Vladivostok');
    expect(body.days.map((d: any) => [d.day, d.points, d.actions])).to.deep.equal([['2025-03-02', 5, 1], ['2025-03-03', 8, 2]]);
    expect(body.days[1].kinds.club_post).to.deep.equal({ actions: 1, characters: 250, seconds: 0, points: 3 });
  });

  it('shows the year calendar with the current and longest streak in the student\'s zone', async () => {
    const { body } = await get(`/people/${fay}/calendar?year=2025`);
    expect(body.today).to.equal('2025-03-03');
    expect(body.streaks).to.deep.include({ current: 2, longest: 2 });
    expect(body.total).to.equal(18);
  });

  it('draws the calendar as an SVG heat-map', async () => {
    const { status, type, body } = await get(`/people/${fay}/calendar.svg?year=2025&lang=ru`);
    expect(status).to.equal(200);
    expect(type).to.match(/^image\/svg\+xml/);
    expect(body).to.contain('data-date="2025-03-03" data-points="8"').and.contain('Серия 2');
  });

  it('gives a statement: opening balance, each line with its rule, closing balance; also as CSV', async () => {
    const { body } = await get(`/people/${fay}/statement?from=2025-03-01&to=2025-03-31`);
    expect([body.opening, body.closing]).to.deep.equal([5, 18]);
    expect(body.lines.map((l: any) => [l.kind, l.ruleId, l.ruleVersion, l.points])).to.deep.equal([
      ['error_report', 1, 1, 5], ['error_report', 1, 1, 5], ['club_post', 2, 1, 3],
    ]);
    const csv = await get(`/people/${fay}/statement?from=2025-03-01&to=2025-03-31&format=csv&lang=en`);
    expect(csv.type).to.match(/^text\/csv/);
    const rows = (csv.body as string).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(rows).to.have.length(1 + 1 + 3 + 1);
    expect(rows[4]).to.contain('"Club post, 250 characters",rule 2 v1,250,0,3,18');
  });

  it('ranks the school and a group by points and by characters, this week and all time', async () => {
    const week = await get('/ratings?period=week&by=points');
    expect(week.body.from).to.equal('2025-03-03');
    expect(week.body.rows.map((r: any) => [r.rank, r.displayName, r.value])).to.deep.equal([[1, 'Fay', 8], [2, 'Gus', 5]]);
    const all = await get('/ratings?period=all&by=points');
    expect(all.body.rows.map((r: any) => r.value)).to.deep.equal([18, 5]);
    const chars = await get('/ratings?period=month&by=characters');
    expect(chars.body.rows.map((r: any) => [r.displayName, r.value])).to.deep.equal([['Fay', 250]]);
    const group = await get('/groups/group-7/ratings?period=all');
    expect(group.body.rows.map((r: any) => r.displayName)).to.deep.equal(['Gus']);
  });

  it('answers a crowd of varied rating questions from few ledger scans: the limit and, for all time, the zone do not make new ones', async () => {
    const pool = h.db.pool as unknown as { query: (...args: unknown[]) => Promise<unknown> };
    const query = pool.query.bind(pool);
    let scans = 0;
    pool.query = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('with totals as')) scans++;
      return query(...args);
    };
    try {
      const zones = ['Europe/Moscow', 'Asia/Vladivostok', 'America/New_York', 'UTC', 'Europe/Berlin'];
      const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => get(`/ratings?period=all&by=characters&limit=${1 + (i % 30)}&timeZone=${zones[i % zones.length]}`)));
      expect(answers.every((a) => a.status === 200)).to.equal(true);
      expect(answers.find((a) => a.body.limit === 1)!.body.rows).to.have.length(1);
      expect(answers.find((a) => a.body.limit === 30)!.body.rows.map((r: any) => r.displayName)).to.deep.equal(['Fay']);
      expect(scans, 'one scan for sixty questions').to.equal(1);
    } finally {
      pool.query = query;
    }
  });

  it('lets staff start a recomputation and follow its progress', async () => {
    const res = await fetch(`${web.url}/recomputes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kinds: ['error_report'] }) });
    expect(res.status).to.equal(202);
    const { id } = await res.json() as { id: string };
    expect((await get(`/recomputes/${id}`)).body.status).to.equal('pending');
    await h.points.recomputeNow();
    expect((await get(`/recomputes/${id}`)).body).to.deep.include({ status: 'done', total: 2, done: 2, linesAdded: 0 });
  });

  it('moves a student to another time zone for new events without moving counted days', async () => {
    const res = await fetch(`${web.url}/people/${gus}/time-zone`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timeZone: 'Asia/Vladivostok' }) });
    expect(res.status).to.equal(200);
    // 15:00 UTC on 2 March is 1:00 on 3 March in Vladivostok; the earlier 3 March (UTC) event stays where it was.
    await h.deliver([collected(gus, 'error_report', 'g2', '2025-03-02T15:00:00Z')]);
    const { body } = await get(`/people/${gus}/days?from=2025-03-01&to=2025-03-05`);
    expect(body.days.map((d: any) => [d.day, d.actions])).to.deep.equal([['2025-03-03', 2]]);
    const bad = await fetch(`${web.url}/people/${gus}/time-zone`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timeZone: 'Mars/Olympus' }) });
    expect(bad.status).to.equal(400);
  });

  it('answers 400 with a code for a malformed request, and guards every route', async () => {
    const bad = await get('/people/not-a-uuid/days');
    expect(bad.status).to.equal(400);
    expect(bad.body.error.code).to.equal('POINTS_QUERY_INVALID');
    expect((await get(`/people/${fay}/days?from=2025-13-01`)).status).to.equal(400);
    expect(web.guarded).to.include(`Person:${fay}#view`).and.include('Role:staff#members').and.include('Group:group-7#view').and.include('signed in');
  });

  it('slows a script pulling statements down: past a burst of 20 a person gets 429 with Retry-After, not another ledger scan', async () => {
    let refused: Response | undefined;
    for (let i = 0; i < 21 && !refused; i++) {
      const res = await fetch(`${web.url}/people/${fay}/statement?from=2025-03-01&to=2025-03-31`);
      if (res.status === 429) refused = res;
      else expect(res.status).to.equal(200);
    }
    expect(refused, 'the 21st read at the latest is refused').to.not.equal(undefined);
    expect(Number(refused!.headers.get('retry-after'))).to.be.within(1, 60);
    expect(((await refused!.json()) as { error: { code: string } }).error.code).to.equal('RATE_LIMITED');
  });
});
