/**
 * Self-learners' answers that need a person go to the staff reviewers' queue, and staff are
 * made by an admin in Kratos (Ory's console, its admin API): a staff member finds the answer
 * on /reviews and grades it; a student sees no queue.
 */
import { expect } from 'chai';
import { waitFor } from '../support/platform.ts';
import { startSchool, type School } from '../support/school.ts';
import { ownWorkbook } from '../support/workbooks.ts';

describe('the staff reviewers\' queue', function () {
  this.timeout(300_000);
  let school: School;
  before(async () => {
    // The sweep runs as in the service: a student picked in a workbook's Студент column (a link) fires no webhook.
    school = await startSchool('staff_reviews', {}, { sweep: true });
  });
  after(async () => school?.close());

  it('takes a self-learner\'s answer; a person made staff in Kratos grades it there; a student sees none of it', async () => {
    const fay = await school.register('Fay');
    const gus = await school.register('Gus');
    const [exercise] = await school.rows.insert('exercises', [{ Title: 'Надсистема', Question: 'Назовите надсистему расписания.', MaxPoints: 5 }]);
    const [answer] = await school.rows.insert('answers', [{ Answer: '', StudentIdentity: fay.id, Status: 'draft' }]);
    await school.rows.link('exercises', 'Answers', exercise!.Id, [answer!.Id]);
    const [workbook] = await school.rows.insert('workbooks', [{ Title: 'Тетрадь Фэй', Status: 'active' }]);
    await ownWorkbook(school.rows, workbook!.Id, fay.id, 'Fay');
    await school.rows.link('workbooks', 'Answers', workbook!.Id, [answer!.Id]);
    await new Promise((r) => setTimeout(r, 1100));
    await school.rows.update('answers', [{ Id: answer!.Id, Answer: 'FAY-ANSWER: учебный процесс школы', Status: 'submitted' }]);
    await waitFor('the answer to wait for a person', async () => (await school.rows.get('answers', answer!.Id)).Status === 'waiting_mentor', 30_000);

    const [person] = await waitFor('Gus\'s People row', async () => {
      const list = await school.rows.list('people', { where: `(IdentityId,eq,${gus.id})` });
      return list.length > 0 && list;
    }, 20_000);
    expect(person, 'Gus has a People row').to.exist;
    await school.standin.ory.identities.setRoles(gus.id, ['staff']); // an admin, in Ory's console
    await school.capabilities.identity.reconcile({ dryRun: false }); // as every RECONCILE_MINUTES, and at start
    expect(await school.standin.ory.keto.check({ namespace: 'Role', object: 'staff', relation: 'members', subject: gus.id }), 'Gus is staff in Keto').to.equal(true);

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

    // Fay disagrees: her words reach the staff queue as a dispute, and staff's new verdict reaches her.
    const dispute = (reason: string) => fetch(`${school.platform.url}/api/workbooks/${workbook!.Id}/answers/${answer!.Id}/dispute`, {
      method: 'POST', headers: { 'x-session-token': fay.token, 'content-type': 'application/json' }, body: JSON.stringify({ reason }),
    });
    const reason = 'Я назвала надсистему полностью: учебный процесс школы. Почему не 5?';
    expect((await dispute(reason)).status).to.equal(200);
    const disputed = await waitFor('the dispute in the staff queue', async () => {
      const q = await page(gus.token);
      return q.text.includes('Студент оспаривает оценку') && q.text;
    }, 30_000);
    expect(disputed).to.include('Я назвала надсистему полностью').and.include('Оспариваемая оценка').and.include('4 из 5');
    expect((await page(fay.token)).text, 'not in a student\'s queue').to.not.include('Я назвала надсистему');
    expect((await dispute(reason)).status, 'the same words again: no second dispute').to.equal(200);
    expect((await dispute('И ещё одно возражение')).status, 'one dispute per verdict').to.equal(409);
    const disputeId = /action="\/reviews\/(\d+)/.exec(disputed)?.[1];
    expect(disputeId).to.not.equal(reviewId);
    const regraded = await fetch(`${school.platform.url}/reviews/${disputeId}`, {
      method: 'POST', redirect: 'manual', headers: { 'x-session-token': gus.token, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ action: 'edit', verdict: 'accepted', score: '5', feedback: 'Согласен, ответ полный.' }).toString(),
    });
    expect(regraded.status).to.equal(303);
    await waitFor('the new verdict in the row', async () => Number((await school.rows.get('answers', answer!.Id)).MentorScore) === 5, 20_000);
    const own = await fetch(`${school.platform.url}/workbooks/${workbook!.Id}`, { headers: { 'x-session-token': fay.token, 'accept-language': 'ru' } });
    expect(await own.text()).to.include('Согласен, ответ полный.').and.include('Ваше возражение');
    expect((await page(gus.token)).text, 'the queue is empty again').to.include('Сейчас нечего проверять.');
  });
});
