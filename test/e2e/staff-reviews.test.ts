/**
 * Self-learners' answers that need a person go to the staff reviewers' queue, and staff are
 * made in NocoDB (People.Roles): a staff member finds the answer on /reviews and grades it;
 * a student sees no queue.
 */
import { expect } from 'chai';
import { waitFor } from '../support/platform.ts';
import { startSchool, type School } from '../support/school.ts';

describe('the staff reviewers\' queue', function () {
  this.timeout(300_000);
  let school: School;
  before(async () => {
    school = await startSchool('staff_reviews');
  });
  after(async () => school?.close());

  it('takes a self-learner\'s answer; a person made staff in NocoDB grades it there; a student sees none of it', async () => {
    const fay = await school.register('Fay');
    const gus = await school.register('Gus');
    const [exercise] = await school.rows.insert('exercises', [{ Title: 'Надсистема', Question: 'Назовите надсистему расписания.', MaxPoints: 5 }]);
    const [answer] = await school.rows.insert('answers', [{ Answer: '', StudentIdentity: fay.id, Status: 'draft' }]);
    await school.rows.link('exercises', 'Answers', exercise!.Id, [answer!.Id]);
    await new Promise((r) => setTimeout(r, 1100));
    await school.rows.update('answers', [{ Id: answer!.Id, Answer: 'FAY-ANSWER: учебный процесс школы', Status: 'submitted' }]);
    await waitFor('the answer to wait for a person', async () => (await school.rows.get('answers', answer!.Id)).Status === 'waiting_mentor', 30_000);

    const [person] = await waitFor('Gus\'s People row', async () => {
      const list = await school.rows.list('people', { where: `(IdentityId,eq,${gus.id})` });
      return list.length > 0 && list;
    }, 20_000);
    await school.rows.update('people', [{ Id: person!.Id, Roles: 'staff' }]);
    await waitFor('Gus to be staff in Keto', () => school.standin.ory.keto.check({ namespace: 'Role', object: 'staff', relation: 'members', subject: gus.id }), 30_000);
    await school.capabilities.identity.reconcile({ dryRun: false }); // the school-wide grants, as at every start

    const page = async (token: string) => {
      const res = await fetch(`${school.platform.url}/reviews`, { headers: { 'x-session-token': token, 'accept-language': 'ru' } });
      return { status: res.status, text: await res.text() };
    };
    const queue = await page(gus.token);
    expect(queue.status).to.equal(200);
    expect(queue.text).to.include('FAY-ANSWER');
    const reviewId = /action="\/reviews\/(\d+)/.exec(queue.text)?.[1];
    expect(reviewId, 'a form to grade it').to.be.a('string');

    const student = await page(fay.token);
    expect(student.text).to.include('Сейчас нечего проверять.').and.to.not.include('FAY-ANSWER');
    const forged = await fetch(`${school.platform.url}/reviews/${reviewId}`, {
      method: 'POST', redirect: 'manual', headers: { 'x-session-token': fay.token, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ action: 'edit', verdict: 'accepted', score: '5', feedback: 'сама себе' }).toString(),
    });
    expect(forged.status, 'a student may not grade').to.equal(403);

    const sent = await fetch(`${school.platform.url}/reviews/${reviewId}`, {
      method: 'POST', redirect: 'manual', headers: { 'x-session-token': gus.token, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ action: 'edit', verdict: 'accepted', score: '4', feedback: 'Верно, это учебный процесс.' }).toString(),
    });
    expect(sent.status).to.equal(303);
    const row = await waitFor('the verdict in the workbook\'s row', async () => {
      const r = await school.rows.get('answers', answer!.Id);
      return r.Status === 'checked' && r;
    }, 20_000);
    expect(Number(row.MentorScore)).to.equal(4);
    expect((await page(gus.token)).text, 'the queue is empty again').to.include('Сейчас нечего проверять.');
  });
});
