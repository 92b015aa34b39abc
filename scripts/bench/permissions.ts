/**
 * Benchmark (not a test): permission checks through the service's HTTP API, beside the
 * direct Keto check on the same Ory stand-in in the same run as a ceiling.
 *   node scripts/run.mjs bench permissions [-- --seconds 10]
 * The guarded route is POST /api/identity/workbooks/:id/review: a session lookup (Kratos
 * whoami) and a Keto check per request, then 204. Starts embedded PostgreSQL and Redis,
 * the stand-in and the service (each in its own process), loads with autocannon over
 * keep-alive connections, prints checks/s and p50/p99, and stops everything it started.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createOry, type RelationTuple } from '../../ory/client.ts';
import { migrate } from '../../service/db/migrate.ts';
import { createPool } from '../../kernel/db.ts';
import { createLogger } from '../../service/log.ts';
import { ensureDatabase, startEmbeddedPostgres } from '../../service/stack/postgres.ts';
import { startEmbeddedRedis } from '../../service/stack/redis.ts';

const arg = (name: string, fallback: number) => Number(process.argv[process.argv.indexOf(name) + 1]) || fallback;
const seconds = Math.min(60, arg('--seconds', 10));
const connections = Math.min(64, arg('--connections', 16));
const GROUPS = 100;
const MEMBERS = 25;
const log = createLogger('warn', 'bench');
const root = path.resolve(import.meta.dirname, '../..');
const dir = path.join(root, '.data/bench', `permissions-${process.pid}`);
const children: ChildProcess[] = [];

await mkdir(dir, { recursive: true });
const postgres = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: 45000 + (process.pid % 1000), log });
const redis = await startEmbeddedRedis({ dir: path.join(dir, 'redis'), port: 46000 + (process.pid % 1000), log });

try {
  await ensureDatabase(postgres.url, 'bench');
  const dbUrl = postgres.urlFor('bench');
  const db = createPool(dbUrl, 2);
  await migrate(db, log);
  await db.end();

  const oryPort = 47000 + (process.pid % 1000);
  const oryUrl = `http://127.0.0.1:${oryPort}`;
  children.push(fork(path.join(root, 'ory/standin/main.ts'), [], {
    execArgv: ['--import', 'tsx'], stdio: 'ignore',
    env: { ...process.env, ORY_STANDIN_PORT: String(oryPort), ORY_STANDIN_STORE: path.join(dir, 'ory-standin.json') },
  }));
  await waitForHttp(`${oryUrl}/health/ready`);
  const ory = createOry({ mode: 'self-hosted', kratosPublicUrl: oryUrl, kratosAdminUrl: oryUrl, ketoReadUrl: oryUrl, ketoWriteUrl: oryUrl });

  const mentor = await signUp(oryUrl, 'mentor');
  const student = await signUp(oryUrl, 'student');
  const stranger = await signUp(oryUrl, 'stranger');
  await ory.keto.write(school(1, mentor.id, student.id).slice(0, 4));

  const service = fork(path.join(import.meta.dirname, 'permissions-server.ts'), [dbUrl, redis.url, oryUrl], { execArgv: ['--import', 'tsx'] });
  children.push(service);
  const port = await new Promise<number>((resolve) => service.on('message', (m) => resolve((m as { port: number }).port)));
  const review = `http://127.0.0.1:${port}/api/identity/workbooks/1/review`;
  const ketoCheck = `${oryUrl}/relation-tuples/check/openapi?namespace=Workbook&object=workbook-1&relation=review&subject_id=${mentor.id}`;
  const probe = await fetch(review, { method: 'POST', headers: { 'x-session-token': mentor.token } });
  const refused = await fetch(review, { method: 'POST', headers: { 'x-session-token': stranger.token } });
  if (probe.status !== 204 || refused.status !== 403) throw new Error(`the route answers ${probe.status} to the mentor and ${refused.status} to a stranger (expected 204 and 403)`);

  const half = Math.max(3, Math.round(seconds / 2));
  const asMentor = { url: review, method: 'POST' as const, headers: { 'x-session-token': mentor.token }, connections };
  await load({ ...asMentor, duration: 2 });
  const small = {
    allowed: await load({ ...asMentor, duration: seconds }),
    denied: await load({ ...asMentor, headers: { 'x-session-token': stranger.token }, duration: half }),
    keto: await load({ url: ketoCheck, connections, duration: seconds }),
    whoami: await load({ url: `${oryUrl}/sessions/whoami`, headers: { 'x-session-token': mentor.token }, connections, duration: half }),
  };
  const tuples = school(GROUPS, mentor.id, student.id).slice(1 + 3);
  for (let i = 0; i < tuples.length; i += 500) await ory.keto.write(tuples.slice(i, i + 500));
  const large = {
    allowed: await load({ ...asMentor, duration: seconds }),
    keto: await load({ url: ketoCheck, connections, duration: seconds }),
  };

  const rate = (r: autocannon.Result) => Math.round(r.requests.total / r.duration).toLocaleString('en-US');
  const line = (label: string, r: autocannon.Result, unit: string) =>
    `    ${label.padEnd(48)} ${rate(r).padStart(6)} ${unit}/s   p50 ${String(r.latency.p50).padStart(3)} ms   p99 ${String(r.latency.p99).padStart(3)} ms   (${r['2xx']} 2xx, ${r.non2xx} non-2xx, ${r.errors} errors)`;
  console.log(`
Permission checks on loopback (${os.cpus().length} cores), ${connections} keep-alive connections, ${seconds} s per load (denials and whoami ${half} s)
Keto and Kratos: the Ory stand-in (ory/standin, the OPL evaluated in process), each program in its own process

  Keto with 4 tuples (one group, its mentor, one student and her workbook)
    through the service: POST /api/identity/workbooks/1/review = Kratos whoami + Keto check per request
${line("allowed (the group's mentor, 204)", small.allowed, 'checks')}
${line('denied (a stranger, 403)', small.denied, 'checks')}
    the stand-in directly, as a ceiling
${line('Keto check Workbook:workbook-1#review', small.keto, 'checks')}
${line('Kratos whoami (session token)', small.whoami, 'lookups')}

  Keto with ${(tuples.length + 4).toLocaleString('en-US')} tuples (${GROUPS} groups x ${MEMBERS} students, a workbook each)
${line('through the service (allowed, 204)', large.allowed, 'checks')}
${line('Keto check directly', large.keto, 'checks')}

  reference: Zanzibar (Google, USENIX ATC 2019) answers checks with p95 < 10 ms at about 10^7 checks/s
  over its fleet. The stand-in is not Keto: an in-memory store indexed by (namespace, object, relation).
`);
} finally {
  for (const child of children) child.kill();
  await redis.stop();
  await postgres.stop();
  await rm(dir, { recursive: true, force: true });
}

function load(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

async function waitForHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Registers through the stand-in's API flow, as a native app would, and returns the session token. */
async function signUp(oryUrl: string, name: string): Promise<{ id: string; token: string }> {
  const flow = await (await fetch(`${oryUrl}/self-service/registration/api`)).json() as { id: string };
  const res = await fetch(`${oryUrl}/self-service/registration?flow=${flow.id}`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'password', password: `bench-${name}-password`, traits: { email: `${name}@bench.test` } }),
  });
  const body = await res.json() as { identity: { id: string }; session_token: string };
  return { id: body.identity.id, token: body.session_token };
}

/** Tuples of a school of `groups` cohorts of MEMBERS students with a workbook each; cohort 1 has the given mentor and student first. */
function school(groups: number, mentorId: string, studentId: string): RelationTuple[] {
  const tuples: RelationTuple[] = [];
  for (let g = 1; g <= groups; g++) {
    tuples.push({ namespace: 'Group', object: `group-${g}`, relation: 'mentors', subject_id: g === 1 ? mentorId : `mentor-${g}` });
    for (let m = 0; m < MEMBERS; m++) {
      const who = g === 1 && m === 0 ? studentId : `student-${g}-${m}`;
      const workbook = `workbook-${(g - 1) * MEMBERS + m + 1}`;
      tuples.push(
        { namespace: 'Workbook', object: workbook, relation: 'owners', subject_id: who },
        { namespace: 'Workbook', object: workbook, relation: 'parents', subject_set: { namespace: 'Group', object: `group-${g}`, relation: '' } },
        { namespace: 'Group', object: `group-${g}`, relation: 'members', subject_id: who },
      );
    }
  }
  return tuples;
}
