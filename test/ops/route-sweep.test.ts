/**
 * No request can stop the service. Every route express serves (read from its own router
 * table, not a hand-kept list) is sent missing, empty, malformed and oversized parameters,
 * queries and bodies, as a visitor, a student, a mentor and staff. Each error is a JSON
 * error with a code (on a page: a page saying what is wrong), never an unhandled 500, and the service answers
 * afterwards. Errors that escape express (unhandled rejections, uncaught exceptions) are
 * caught here and fail the test with the request that caused them.
 */
import { expect } from 'chai';
import { startSchool, type School } from '../support/school.ts';

const PATH_VALUES = ['x', '%E0%A4%A', 'a'.repeat(4000), "1' OR '1'='1", '-1', '00000000-0000-0000-0000-000000000000', '..%2F..%2Fetc%2Fpasswd', '%00', '9'.repeat(40)];
const QUERIES = [
  '',
  '?group=&q=&from=&to=&period=&by=&limit=&open=&page=&since=&until=',
  '?group[]=a&group[]=b&q[x]=1&period[]=week&limit[]=1&from[a]=b',
  `?group=${'g'.repeat(5000)}&q=${'q'.repeat(5000)}&limit=-99999999999999999999&period=century`,
];
const BODIES: { label: string; type?: string; body?: string }[] = [
  { label: 'no body' },
  { label: 'malformed JSON', type: 'application/json', body: '{"decision": ' },
  { label: 'empty object', type: 'application/json', body: '{}' },
  { label: 'array', type: 'application/json', body: '[1,2,3]' },
  { label: 'null', type: 'application/json', body: 'null' },
  { label: 'wrong types', type: 'application/json', body: JSON.stringify({ decision: 42, score: 'lots', feedback: { a: 1 }, events: 'x', id: [] }) },
  { label: 'oversized', type: 'application/json', body: JSON.stringify({ text: 'x'.repeat(3 * 1024 * 1024) }) },
  { label: 'form', type: 'application/x-www-form-urlencoded', body: 'a=1&a=2&b[c]=3' },
];

describe('no request can stop the service', function () {
  this.timeout(600_000);
  let school: School;
  const escaped: string[] = [];
  let current = '';
  const onRejection = (reason: unknown) => { escaped.push(`unhandled rejection after ${current}: ${(reason as Error)?.stack ?? reason}`); };
  const onException = (err: Error) => { escaped.push(`uncaught exception after ${current}: ${err.stack}`); };

  before(async () => {
    school = await startSchool('sweep');
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    await school?.close();
  });

  it('answers every route, as every kind of person, with any parameters, and stays up', async () => {
    const student = await school.register('Sweepstudent');
    const mentor = await school.register('Sweepmentor');
    const staff = await school.register('Sweepstaff');
    await school.standin.ory.keto.write([
      { namespace: 'Group', object: 'sweep-group', relation: 'mentors', subject_id: mentor.id },
      { namespace: 'Group', object: 'sweep-group', relation: 'members', subject_id: student.id },
      { namespace: 'Role', object: 'staff', relation: 'members', subject_id: staff.id },
      { namespace: 'Report', object: 'operations', relation: 'viewers', subject_set: { namespace: 'Role', object: 'staff', relation: 'members' } },
    ]);
    const people: [string, Record<string, string>][] = [
      ['visitor', {}],
      ['visitor with a forged session', { 'x-session-token': 'ory_st_forged', cookie: 'ory_kratos_session=forged' }],
      ['student', { 'x-session-token': student.token }],
      ['mentor', { 'x-session-token': mentor.token }],
      ['staff', { authorization: `Bearer ${staff.token}` }],
    ];

    const routes = school.platform.routes();
    expect(routes.length, 'the router table lists the service\'s routes').to.be.greaterThan(20);
    for (const required of ['/api/ai-check/reviews', '/api/points/ratings', '/hooks/nocodb']) {
      expect(routes.map((r) => r.path), `the table has ${required}`).to.include.members([required]);
    }

    const failures: string[] = [];
    let sent = 0;
    for (const route of routes) {
      const methods = route.method === 'ALL' ? ['GET', 'POST', 'DELETE'] : [route.method];
      const hasParams = /:[A-Za-z_]+/.test(route.path);
      const paths = hasParams ? PATH_VALUES.map((v) => route.path.replace(/:[A-Za-z_]+\*?/g, v)) : [route.path.replace(/\*.*$/, 'x')];
      for (const method of methods) {
        const requests: { path: string; body: (typeof BODIES)[number] }[] = [
          ...paths.map((path) => ({ path, body: BODIES[0]! })),
          ...QUERIES.slice(1).map((q) => ({ path: paths[0]! + q, body: BODIES[0]! })),
          ...(method === 'GET' || method === 'HEAD' ? [] : BODIES.slice(1).map((body) => ({ path: paths[0]!, body }))),
        ];
        for (const [who, headers] of people) {
          for (const { path, body } of requests) {
            current = `${who}: ${method} ${path.slice(0, 120)} (${body.label})`;
            sent++;
            let res: Response;
            try {
              res = await fetch(`${school.platform.url}${path}`, {
                method, headers: { ...headers, ...(body.type ? { 'content-type': body.type } : {}), accept: 'application/json' }, body: body.body,
                signal: AbortSignal.timeout(10_000), redirect: 'manual',
              });
            } catch (err) {
              failures.push(`${current}: no answer (${(err as Error).message})`);
              continue;
            }
            const text = await res.text().catch((err) => `(body broken off: ${(err as Error).message})`);
            if (res.status === 500) failures.push(`${current}: 500 ${text.slice(0, 200)}`);
            if (res.status >= 400) {
              const json = (() => { try { return JSON.parse(text); } catch { return undefined; } })();
              // bull-board's own UI (staff only) answers in its own way; MCP answers in JSON-RPC.
              const thirdParty = path.startsWith('/admin/queues/') && who === 'staff';
              const jsonRpc = route.path.endsWith('/mcp') && json?.jsonrpc === '2.0' && typeof json?.error?.code === 'number';
              // Pages people open answer with a page that says what is wrong.
              const page = !/^\/(api|hooks|admin)\//.test(path) && (res.headers.get('content-type') ?? '').includes('text/html') && text.includes('role="alert"');
              if (!thirdParty && !jsonRpc && !page && (typeof json?.error?.code !== 'string' || typeof json?.error?.message !== 'string')) {
                failures.push(`${current}: ${res.status} without a JSON error: ${text.slice(0, 160)}`);
              }
            }
          }
        }
      }
    }
    const health = await fetch(`${school.platform.url}/health`);
    expect(health.status, 'the service answers after the sweep').to.equal(200);
    expect(escaped, 'errors that escaped express').to.deep.equal([]);
    expect(failures.slice(0, 40), `${failures.length} of ${sent} requests answered wrongly`).to.deep.equal([]);
  });
});
