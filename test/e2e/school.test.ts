/**
 * The school as a new user meets it: all capabilities wired as service/main.ts wires them
 * (loadCapabilities), on the real NocoDB, PostgreSQL and Redis, with the Ory stand-in.
 */
import { expect } from 'chai';
import { createNocoApi, nocoRows, type NocoRows, type TableIds } from '../../nocodb/client.ts';
import { provisionBase } from '../../nocodb/provision.ts';
import { NOCODB_SECRET_HEADER } from '../../hooks/nocodb.ts';
import { schoolTables } from '../../schemas/nocodb/index.ts';
import { defaultRules } from '../../schemas/nocodb/points-rules.ts';
import { loadConfig } from '../../service/config.ts';
import { loadCapabilities } from '../../service/capabilities.ts';
import type { WebhookTarget } from '../../ory/standin/index.ts';
import { freshDatabase, testLog, useNocodb, useRedis } from '../support/stack.ts';
import { startTestPlatform, testSecrets, waitFor, type RunningPlatform } from '../support/platform.ts';
import { postDiscourse } from '../support/discourse.ts';
import { verifyAddress } from '../support/verify-address.ts';
import { startStandin, type Harness } from '../ory/standin-harness.ts';
import { registerThroughStandin, type Registration } from './register.ts';
import { schoolNames } from '../../nocodb/names.ts';

describe('the school, end to end', function () {
  this.timeout(180_000);
  let platform: RunningPlatform;
  let standin: Harness;
  let rows: NocoRows;
  let dbPool: import('pg').Pool;
  let ann: { id: string; email: string; token: string };
  const ids: TableIds = { baseId: '', tables: new Map(), names: schoolNames('ru') };

  const register = (first: string, opts?: Registration) => registerThroughStandin(standin.url, first, opts);
  /** As a student does in the workbook: a draft answer to an exercise, then submitted. */
  const answerExercise = async (student: string, text: string) => {
    const [exercise] = await rows.insert('exercises', [{ Title: 'Граница системы', Question: 'Где проходит граница системы?', ReferenceAnswer: 'По функции.', MaxPoints: 10 }]);
    const [answer] = await rows.insert('answers', [{ Answer: '', StudentIdentity: student, Status: 'draft' }]);
    await rows.link('exercises', 'Answers', exercise!.Id, [answer!.Id]);
    await new Promise((r) => setTimeout(r, 1100)); // NocoDB's UpdatedAt has one-second resolution
    await rows.update('answers', [{ Id: answer!.Id, Answer: text, Status: 'submitted' }]);
    return answer!.Id;
  };
  const api = async (path: string, token: string) => {
    const res = await fetch(`${platform.url}/api${path}`, { headers: { 'x-session-token': token } });
    return { status: res.status, body: await res.json().catch(() => undefined) as any };
  };

  before(async () => {
    const nocodb = await useNocodb();
    const noco = createNocoApi(nocodb.url, nocodb.token);
    const db = await freshDatabase('e2e');
    dbPool = db.pool;
    const redis = await useRedis();
    rows = nocoRows(noco, ids);
    const hook: WebhookTarget = { url: 'http://127.0.0.1:9/unset', apiKey: testSecrets.kratos };
    standin = await startStandin({ webhooks: { registration: hook } });
    // As service/main.ts does: the base exists before the capabilities are built (they take table ids).
    const first = await provisionBase({ api: noco, log: testLog }, { baseTitle: 'School (end to end)', tables: schoolTables });
    ids.baseId = first.ids.baseId;
    for (const [k, v] of first.ids.tables) ids.tables.set(k, v);
    const config = loadConfig({ DATA_DIR: '.data/test/e2e' });
    const capabilities = loadCapabilities({
      config, db: db.pool, log: testLog, ory: standin.ory, nocodb: rows, clock: () => new Date(),
      noco: { api: noco, ids, url: nocodb.url, token: nocodb.token, publicUrl: nocodb.url },
    });
    platform = await startTestPlatform({
      db: db.pool, redisUrl: redis.url, capabilities: capabilities.all,
      tableById: (id) => schoolTables.find((t) => ids.tables.get(t.key) === id),
    });
    for (const c of capabilities.all) await c.start?.();
    hook.url = `${platform.url}/hooks/kratos/registration`;
    await provisionBase({ api: noco, log: testLog }, {
      baseTitle: 'School (end to end)', tables: schoolTables,
      hookTarget: { url: `${platform.url}/hooks/nocodb`, secretHeader: NOCODB_SECRET_HEADER, secret: testSecrets.nocodb },
    });
    await rows.insert('points_rules', defaultRules);
    after(async () => {
      for (const c of capabilities.all) await c.stop?.();
    });
  });
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    const { rows: jobs } = await dbPool.query(`select e.topic, j.consumer, j.status, j.attempts, j.last_error, e.payload->'row'->>'Status' as st
      from inbox_event e left join inbox_job j on j.event_id = e.id where e.topic like 'nocodb.answers%' order by e.id`);
    console.log(JSON.stringify(jobs, null, 1));
    console.log(JSON.stringify((await dbPool.query('select status, reason, last_error from ai_check')).rows, null, 1));
  });
  after(async () => {
    await platform?.close();
    await standin?.close();
  });

  it('a student registers, posts in the club and answers an exercise: their balance, statement and calendar follow; another student may not look', async () => {
    ann = await register('Ann');
    const bob = await register('Bob');
    await waitFor('Ann\'s CRM contact', async () => (await rows.list('contacts', { where: `(IdentityId,eq,${ann.id})` })).length === 1, 20_000);
    await waitFor('Ann\'s own records in Keto', () => standin.ory.keto.check({ namespace: 'Person', object: ann.id, relation: 'view', subject: ann.id }), 20_000);

    // Only a verified e-mail links a club account (issue 12): Ann enters the code Kratos mailed
    // her and lands on the start page, where Kratos sends her afterwards.
    await waitFor('Ann\'s e-mail claim', async () => (await dbPool.query('select 1 from points_alias_claim where person_id = $1', [ann.id])).rowCount, 20_000);
    await verifyAddress(standin.url, ann.email);
    await fetch(`${platform.url}/`, { headers: { 'x-session-token': ann.token }, redirect: 'manual' });
    await postDiscourse(platform.url, testSecrets.discourse, 'e2e-user-1', 'user_created', { user: { id: 501, username: 'ann', email: ann.email } });
    const post = await postDiscourse(platform.url, testSecrets.discourse, 'e2e-post-1', 'post_created', {
      post: { id: 9001, topic_id: 1, user_id: 501, username: 'ann', raw: 'Система — это то, что сохраняет себя в изменениях среды. '.repeat(3), created_at: new Date().toISOString() },
    });
    expect(post.status).to.equal(202);
    const afterPost = await waitFor('points for the club post', async () => {
      const r = await api(`/points/people/${ann.id}/balance`, ann.token);
      return r.status === 200 && r.body.points > 0 && r.body;
    }, 20_000);

    await answerExercise(ann.id, 'Граница системы проводится по функции, а не по материалу: пример с часами и их назначением.');
    const afterAnswer = await waitFor('points for the answered exercise', async () => {
      const r = await api(`/points/people/${ann.id}/balance`, ann.token);
      return r.body.points > afterPost.points && r.body;
    }, 20_000);
    expect(afterAnswer.characters).to.be.greaterThan(afterPost.characters);

    const statement = await api(`/points/people/${ann.id}/statement`, ann.token);
    expect(statement.status).to.equal(200);
    expect(JSON.stringify(statement.body)).to.contain('club_post').and.to.contain('exercise_answer');
    const calendar = await api(`/points/people/${ann.id}/calendar`, ann.token);
    expect(calendar.status).to.equal(200);
    expect(calendar.body.currentStreak ?? calendar.body.streaks?.current).to.equal(1);

    const rating = await api('/points/ratings?period=week&by=points', bob.token);
    expect(rating.status, 'every signed-in person sees the school rating').to.equal(200);
    expect(rating.body.rows.find((r: { personId: string }) => r.personId === ann.id)?.value).to.equal(afterAnswer.points);

    expect((await api(`/points/people/${ann.id}/balance`, bob.token)).status, 'Bob may not see Ann\'s points').to.equal(403);
  });

  it('a friend signs up with a student\'s referral code and their time zone, as the registration form sends them to Kratos', async () => {
    const codeRes = await fetch(`${platform.url}/api/points/people/${ann.id}/referral-code`, { method: 'POST', headers: { 'x-session-token': ann.token } });
    expect(codeRes.status, 'a student makes their own referral code').to.equal(200);
    const { code } = await codeRes.json() as { code: string };
    // The zone is a trait (identity.schema.json keeps it); the code only passes through Kratos (transient_payload).
    const dan = await register('Dan', { traits: { name: { first: 'Dan', last: 'Test' }, time_zone: 'Asia/Vladivostok' }, transientPayload: { referral_code: code } });
    const referrals = await waitFor('Dan among Ann\'s referrals', async () => {
      const r = await api(`/points/people/${ann.id}/referrals`, ann.token);
      return r.body?.referrals?.some((f: { personId: string }) => f.personId === dan.id) && r.body.referrals;
    }, 20_000);
    expect(referrals.map((f: { personId: string }) => f.personId)).to.deep.equal([dan.id]);
    const days = await waitFor('Dan may read his own days (Keto)', async () => {
      const r = await api(`/points/people/${dan.id}/days`, dan.token);
      return r.status === 200 && r.body;
    }, 20_000);
    expect(days.timeZone, 'the zone of the time_zone trait').to.equal('Asia/Vladivostok');
  });

  it('staff change a rule in NocoDB and the student\'s totals follow', async () => {
    const before = (await api(`/points/people/${ann.id}/balance`, ann.token)).body.points as number;
    const [rule] = await rows.list('points_rules', { where: '(Kind,eq,club_post)' });
    await rows.update('points_rules', [{ Id: rule!.Id, Points: Number(rule!.Points) + 10 }]);
    const after = await waitFor('the recomputed balance', async () => {
      const points = (await api(`/points/people/${ann.id}/balance`, ann.token)).body.points as number;
      return points !== before && points;
    }, 40_000);
    expect(after, 'one club post, ten more points each').to.equal(before + 10);
  });

  it('without an AI provider an answer waits for a mentor with a clear status, and nothing pretends to be a verdict', async () => {
    const cid = await register('Cid');
    const answerId = await answerExercise(cid.id, 'Ответ без проверки ИИ: система определяется своей функцией.');
    const waiting = await waitFor('the answer to wait for a mentor', async () => {
      const r = await rows.get('answers', answerId);
      return r.Status === 'waiting_mentor' && r;
    }, 30_000);
    expect(waiting.AIScore ?? null).to.equal(null);
  });

  it('a decision staff make in NocoDB\'s Answers grid closes the review, and the check and the row keep it', async () => {
    const eva = await register('Eva');
    const answerId = await answerExercise(eva.id, 'Система — это то, что сохраняет свою функцию, меняя части.');
    await waitFor('the answer to wait for a mentor', async () => (await rows.get('answers', answerId)).Status === 'waiting_mentor', 30_000);
    await rows.update('answers', [{ Id: answerId, Status: 'checked', MentorScore: 7, MentorVerdict: 'Хорошо, но приведите пример.' }]);
    const check = await waitFor('the check to take the staff decision', async () => {
      const { rows: [c] } = await dbPool.query(`select status, final_verdict from ai_check where answer_id = $1 order by id desc limit 1`, [String(answerId)]);
      return c?.status === 'reviewed' && c;
    }, 30_000);
    expect(check.final_verdict).to.include({ verdict: 'accepted', score: 7, feedback: 'Хорошо, но приведите пример.', by: 'mentor' });
    const after = await waitFor('the verdict written back', async () => {
      const r = await rows.get('answers', answerId);
      return r.Status === 'checked' && String(r.MentorVerdict ?? '').includes('приведите пример') && r;
    }, 20_000);
    expect(Number(after.MentorScore)).to.equal(7);
    const { rows: reviews } = await dbPool.query(`select r.status, r.reviewer_id from ai_review r join ai_check c on c.id = r.check_id where c.answer_id = $1`, [String(answerId)]);
    expect(reviews.map((r) => r.status), 'the review is closed').to.deep.equal(['edited']);
    expect(reviews[0].reviewer_id).to.match(/^nocodb/);
  });

  it('checks an answer submitted before staff linked it to its exercise, once the link is made', async () => {
    const dan = await register('Dan');
    const [exercise] = await rows.insert('exercises', [{ Title: 'Функция', Question: 'Какова функция часов?', MaxPoints: 5 }]);
    const [answer] = await rows.insert('answers', [{ Answer: 'Согласовывать действия людей во времени.', StudentIdentity: dan.id, Status: 'submitted' }]);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await rows.get('answers', answer!.Id)).Status, 'not checked while it names no exercise').to.equal('submitted');
    await rows.link('exercises', 'Answers', exercise!.Id, [answer!.Id]);
    const checked = await waitFor('the answer to be checked (here: to wait for a mentor)', async () => {
      const r = await rows.get('answers', answer!.Id);
      return r.Status === 'waiting_mentor' && r;
    }, 40_000);
    expect(checked.Status).to.equal('waiting_mentor');
  });
});
