/**
 * `npm start -- --demo` seeds a demo school a newcomer can walk at once: the accounts it
 * prints sign in, the student's workbook has the guide's exercises, the mentor is the
 * group's mentor in Keto, and a second run makes nothing twice.
 */
import { expect } from 'chai';
import { seedDemo } from '../../service/demo.ts';
import { startSchool, type School } from '../support/school.ts';
import { testLog } from '../support/stack.ts';
import { waitFor } from '../support/platform.ts';

describe('the demo school', function () {
  this.timeout(300_000);
  let school: School;
  before(async () => {
    school = await startSchool('demo', {}, { sweep: true });
  });
  after(async () => school?.close());

  const logIn = async (email: string, password: string): Promise<string> => {
    const flow = await (await fetch(`${school.standin.url}/self-service/login/api`, { headers: { accept: 'application/json' } })).json() as { id: string };
    const login = await fetch(`${school.standin.url}/self-service/login?flow=${flow.id}`, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ method: 'password', identifier: email, password }),
    });
    expect(login.status, `${email} signs in`).to.equal(200);
    return ((await login.json()) as { session_token: string }).session_token;
  };
  const api = async (path: string, token: string, init: RequestInit = {}) => {
    const res = await fetch(`${school.platform.url}${path}`, { ...init, headers: { 'x-session-token': token, 'content-type': 'application/json', ...init.headers } });
    return { status: res.status, body: await res.json() as any };
  };

  it('prints accounts that sign in, with the student\'s workbook ready and her mentor in place; a second run adds nothing', async () => {
    const deps = { rows: school.rows, ory: school.standin.ory, identity: school.capabilities.identity, log: testLog };
    const accounts = await seedDemo(deps);
    expect(accounts.map((a) => a.role)).to.deep.equal(['mentor', 'student', 'student', 'self-learner']);
    const anna = accounts[1]!;
    expect(anna.workbookId).to.be.a('number');

    const token = await logIn(anna.email, anna.password);
    const res = await fetch(`${school.platform.url}/api/workbooks/${anna.workbookId}`, { headers: { 'x-session-token': token } });
    expect(res.status).to.equal(200);
    const { workbook } = await res.json() as { workbook: { answers: { exercise: { title: string } }[] } };
    expect(workbook.answers.map((a) => a.exercise.title)).to.deep.equal(['Граница системы', 'Функция и конструкция', 'Надсистема']);
    expect(JSON.stringify(workbook), 'reference answers stay hidden').to.not.include('проводится по функции: часы вместе');

    const mentor = (await school.standin.ory.identities.findByEmail(accounts[0]!.email))!;
    expect(await school.standin.ory.keto.check({ namespace: 'Workbook', object: `workbook-${anna.workbookId}`, relation: 'review', subject: mentor.id }), 'the mentor reviews Anna\'s workbook').to.equal(true);

    const again = await seedDemo(deps);
    expect(again).to.deep.equal(accounts);
    expect((await school.rows.list('guides', { where: '(Slug,eq,demo-systems-thinking)' })).length).to.equal(1);
  });

  it('ranks the group\'s real members (NocoDB Groups.Members) in its rating: a student\'s submitted answer shows there for her mentor', async () => {
    const accounts = await seedDemo({ rows: school.rows, ory: school.standin.ory, identity: school.capabilities.identity, log: testLog });
    const [mentor, anna, , vera] = accounts;
    const [group] = await school.rows.list('groups', { where: '(Mode,eq,mentor_led)', fields: 'Id', limit: 1 });
    const annaToken = await logIn(anna!.email, anna!.password);
    const { body: { workbook } } = await api(`/api/workbooks/${anna!.workbookId}`, annaToken);
    const answerId = workbook.answers[0].id;
    const submitted = await api(`/api/workbooks/${anna!.workbookId}/answers/${answerId}/submit`, annaToken, {
      method: 'POST', body: JSON.stringify({ text: 'Граница проходит по функции: всё, что вместе показывает время, внутри системы.' }),
    });
    expect(submitted.status).to.equal(200);
    const annaId = (await school.standin.ory.identities.findByEmail(anna!.email))!.id;
    // Ratings are answered from a minute's memory: ask once her answer is counted.
    await waitFor('Anna\'s answer counted', async () => (await api(`/api/points/people/${annaId}/balance`, annaToken)).body.points > 0, 60_000);
    const mentorToken = await logIn(mentor!.email, mentor!.password);
    const path = `/api/points/groups/group-${group!.Id}/ratings?period=all`;
    const { status, body: rating } = await api(path, mentorToken);
    expect(status).to.equal(200);
    expect(rating.rows.map((r: any) => r.personId)).to.deep.equal([annaId]);
    expect(rating.rows[0].value).to.be.greaterThan(0);
    // The self-learner is in another group: she may not read this one.
    expect((await api(path, await logIn(vera!.email, vera!.password))).status).to.equal(403);
  });
});
