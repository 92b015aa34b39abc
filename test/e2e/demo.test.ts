/**
 * `npm start -- --demo` seeds a demo school a newcomer can walk at once: the accounts it
 * prints sign in, the student's workbook has the guide's exercises, the mentor is the
 * group's mentor in Keto, and a second run makes nothing twice.
 */
import { expect } from 'chai';
import { seedDemo } from '../../service/demo.ts';
import { startSchool, type School } from '../support/school.ts';
import { testLog } from '../support/stack.ts';

describe('the demo school', function () {
  this.timeout(300_000);
  let school: School;
  before(async () => {
    school = await startSchool('demo');
  });
  after(async () => school?.close());

  it('prints accounts that sign in, with the student\'s workbook ready and her mentor in place; a second run adds nothing', async () => {
    const deps = { rows: school.rows, ory: school.standin.ory, identity: school.capabilities.identity, log: testLog };
    const accounts = await seedDemo(deps);
    expect(accounts.map((a) => a.role)).to.deep.equal(['mentor', 'student', 'student', 'self-learner']);
    const anna = accounts[1]!;
    expect(anna.workbookId).to.be.a('number');

    const flow = await (await fetch(`${school.standin.url}/self-service/login/api`, { headers: { accept: 'application/json' } })).json() as { id: string };
    const login = await fetch(`${school.standin.url}/self-service/login?flow=${flow.id}`, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ method: 'password', identifier: anna.email, password: anna.password }),
    });
    expect(login.status, 'the printed password signs in').to.equal(200);
    const token = ((await login.json()) as { session_token: string }).session_token;
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
});
