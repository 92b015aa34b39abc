/**
 * Benchmark (not a test) of the grid language (nocodb/names.ts): what reading rows through
 * NocoRows costs now that every row, query and link crosses between our English keys and the
 * Russian titles NocoDB keys its rows by. The figure is NocoRows.list of 1,000 answers
 * (translated where, fields and rows); the ceiling, in the same run, is NocoDB's own list of the
 * same rows by their Russian titles without translation. The pure translation of those 1,000
 * rows is timed too, against a structuredClone of them (the least any copy of a row costs).
 * Runs on the real NocoDB the tests start.
 *   node scripts/run.mjs bench nocodb-names [-- --rows 1000 --rounds 7]
 */
import { performance } from 'node:perf_hooks';
import { createNocoApi, nocoRows } from '../../nocodb/client.ts';
import { schoolNames } from '../../nocodb/names.ts';
import { provisionBase } from '../../nocodb/provision.ts';
import { schoolTables } from '../../schemas/nocodb/index.ts';
import { stopAll, testLog, useNocodb } from '../../test/support/stack.ts';

const arg = (name: string, fallback: number) => Number(process.argv[process.argv.indexOf(name) + 1]) || fallback;
const ROWS = Math.min(1000, arg('--rows', 1000));
const ROUNDS = arg('--rounds', 7);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time(run: () => Promise<unknown> | unknown): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    await run();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

try {
  const nocodb = await useNocodb();
  const api = createNocoApi(nocodb.url, nocodb.token);
  const names = schoolNames('ru');
  const { ids } = await provisionBase({ api, log: testLog }, { baseTitle: `School (bench names ${Date.now()})`, tables: schoolTables, names });
  const rows = nocoRows(api, ids);
  for (let i = 0; i < ROWS; i += 100) {
    await rows.insert('answers', Array.from({ length: Math.min(100, ROWS - i) }, (_, k) => ({
      Answer: `Ответ ${i + k}: граница системы проводится по функции`, Status: (i + k) % 2 ? 'submitted' : 'checked',
      AIVerdict: 'Верно, но приведите пример.', AIOutcome: 'accepted', AIScore: 4, StudentIdentity: '6f1c1d3e-6a4b-4c1e-9a0b-0b1f2c3d4e5f',
    })));
  }
  const tableId = ids.tables.get('answers')!;
  const fields = 'Id,Answer,Status,AIVerdict,AIOutcome,AIScore,StudentIdentity';
  const query = { where: '(Status,neq,draft)', fields, limit: ROWS };
  const raw = { where: names.where('answers', query.where), fields: names.fields('answers', fields), limit: ROWS };
  const sample = ((await api.dbDataTableRow.list(tableId, raw as never)).list ?? []) as Record<string, unknown>[];
  if (sample.length !== ROWS) throw new Error(`expected ${ROWS} rows, NocoDB listed ${sample.length}`);

  const ceiling = await time(() => api.dbDataTableRow.list(tableId, raw as never));
  const figure = await time(() => rows.list('answers', query));
  const clone = await time(() => sample.map((r) => structuredClone(r)));
  const translate = await time(() => sample.map((r) => names.fromNoco('answers', r)));

  const line = (label: string, ms: number, base: number) => `  ${label.padEnd(58)} ${ms.toFixed(1).padStart(8)} ms   ${(ms / base).toFixed(2)}x`;
  process.stdout.write([
    `nocodb names: ${ROWS} answers, median of ${ROUNDS} rounds`,
    line('ceiling: NocoDB list by Russian titles, untranslated', ceiling, ceiling),
    line('figure: NocoRows.list in our keys (query and rows translated)', figure, ceiling),
    line('ceiling: structuredClone of the rows', clone, clone),
    line('figure: names.fromNoco of the rows', translate, clone),
    '',
  ].join('\n'));
} finally {
  await stopAll();
}
