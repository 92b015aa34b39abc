/**
 * Benchmark (not a test): the student's workbook page and its JSON at 50 concurrent
 * signed-in students, each reading their own workbook, p50/p99 and pages/s; beside, in the
 * same run, the ceilings it is made of: one Kratos whoami + Keto check against the Ory
 * stand-in, the three NocoDB reads of a page through NocoDB's API, and the page's own
 * PostgreSQL read (its submission history). Everything runs in this process on the real
 * components, as the tests start them.
 *   node scripts/run.mjs bench workbook-pages [-- --seconds 10 --students 50]
 */
import { performance } from 'node:perf_hooks';
import { startSchool } from '../../test/support/school.ts';
import { waitFor } from '../../test/support/platform.ts';
import { stopAll } from '../../test/support/stack.ts';
import { ownWorkbook } from '../../test/support/workbooks.ts';

const arg = (name: string, fallback: number) => Number(process.argv[process.argv.indexOf(name) + 1]) || fallback;
const seconds = Math.min(60, arg('--seconds', 10));
const students = Math.min(200, arg('--students', 50));

interface Figure { label: string; count: number; perSecond: number; p50: number; p99: number }

/** `workers` loops at once for `seconds`, each calling `call(i)`; latencies in ms. */
async function load(label: string, workers: number, call: (i: number) => Promise<unknown>): Promise<Figure> {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: workers }, async (_, i) => {
    while (performance.now() < until) {
      const t = performance.now();
      await call(i);
      latencies.push(performance.now() - t);
    }
  }));
  const took = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { label, count: latencies.length, perSecond: latencies.length / took, p50: at(0.5), p99: at(0.99) };
}

const school = await startSchool('bench_pages');
try {
  process.stderr.write(`seeding ${students} students with a workbook of 3 exercises ...\n`);
  const [guide] = await school.rows.insert('guides', [{ Title: 'Bench guide', Slug: 'bench' }]);
  const exercises = await school.rows.insert('exercises', [1, 2, 3].map((n) => ({ Title: `Exercise ${n}`, Question: `Question ${n}?`, Position: n, MaxPoints: 10 })));
  await school.rows.link('guides', 'Exercises', guide!.Id, exercises.map((e) => e.Id));
  const people: Awaited<ReturnType<typeof school.register>>[] = [];
  for (let i = 0; i < students; i++) people.push(await school.register(`Bench${i}`));
  const workbooks = await school.rows.insert('workbooks', people.map((_, i) => ({ Title: `Workbook ${i}`, Status: 'active' })));
  await school.rows.link('guides', 'Workbooks', guide!.Id, workbooks.map((w) => w.Id));
  // Each workbook's student picked in its Студент column, as staff do; links fire no webhook, so a reconciliation writes the owners.
  for (const [i, p] of people.entries()) await ownWorkbook(school.rows, workbooks[i]!.Id, p.id, `Student ${i}`);
  await school.capabilities.identity.reconcile({ dryRun: false });
  await waitFor('every owner in Keto', async () => {
    const last = people.length - 1;
    return school.standin.ory.keto.check({ namespace: 'Workbook', object: `workbook-${workbooks[last]!.Id}`, relation: 'view', subject: people[last]!.id });
  }, 120_000);
  const page = (i: number, json: boolean) => fetch(`${school.platform.url}${json ? '/api' : ''}/workbooks/${workbooks[i % students]!.Id}`, { headers: { 'x-session-token': people[i % students]!.token } })
    .then(async (r) => { if (r.status !== 200) throw new Error(`HTTP ${r.status}`); await r.arrayBuffer(); });
  for (let i = 0; i < students; i++) await page(i, true); // each workbook gets its Answers rows once

  const figures: Figure[] = [];
  figures.push(await load('workbook page (HTML)', students, (i) => page(i, false)));
  figures.push(await load('workbook JSON', students, (i) => page(i, true)));
  const ory = school.standin.ory;
  figures.push(await load('ceiling: whoami + Keto check (stand-in)', students, async (i) => {
    const s = await ory.whoami({ token: people[i % students]!.token });
    await ory.keto.check({ namespace: 'Workbook', object: `workbook-${workbooks[i % students]!.Id}`, relation: 'view', subject: s!.identity!.id });
  }));
  figures.push(await load('ceiling: the 3 NocoDB reads of a page (API)', students, async (i) => {
    const id = workbooks[i % students]!.Id;
    await school.rows.get('workbooks', id);
    const answers = await school.rows.list('answers', { where: `(workbooks_id,eq,${id})`, fields: 'Id,exercises_id' });
    await school.rows.list('exercises', { where: `(Id,in,${answers.map((a) => a.exercises_id).join(',') || 0})` });
  }));
  figures.push(await load('ceiling: the page\'s PostgreSQL reads', students, (i) => Promise.all([
    school.db.query('select view from workbook_view where workbook_id = $1 and read_at > coalesce(invalidated_at, \'-infinity\')', [workbooks[i % students]!.Id]),
    school.db.query('select answer_id, text, submitted_at from workbook_submission where workbook_id = $1', [workbooks[i % students]!.Id]),
  ])));

  const base = figures[0]!;
  process.stdout.write(`\n${students} concurrent students, ${seconds} s each, one machine (2 cores) for load, service, NocoDB, PostgreSQL, Redis and the stand-in\n`);
  for (const f of figures) {
    process.stdout.write(`  ${f.label.padEnd(46)} ${f.perSecond.toFixed(0).padStart(7)}/s   p50 ${f.p50.toFixed(1).padStart(7)} ms   p99 ${f.p99.toFixed(1).padStart(7)} ms   page/ceiling ${(base.perSecond / f.perSecond).toFixed(3)}\n`);
  }
  process.stdout.write(`  aim: page p99 under 100 ms -> ${base.p99 < 100 ? 'met' : 'not met'}\n`);
} finally {
  await school.close();
  await stopAll();
}
