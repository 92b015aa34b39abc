/**
 * Benchmark of AI-check retrieval: about 1,000 pages of generated guides (Russian and
 * English) indexed into a PostgreSQL of its own, then retrieval latency (p50/p99) beside
 * two raw PostgreSQL ceilings measured in the same run: a primary-key lookup of a chunk
 * and a plain ts_rank scan over the same GIN index. Also times a first index and a
 * re-index after 1% of paragraphs changed. Stops by itself within 3 minutes.
 *
 *   node scripts/run.mjs bench ai-retrieval        (or: node --import tsx scripts/bench/ai-retrieval.ts)
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../../service/log.ts';
import { createPool } from '../../kernel/db.ts';
import { migrate } from '../../service/db/migrate.ts';
import { ensureDatabase, startEmbeddedPostgres, type PostgresHandle } from '../../service/stack/postgres.ts';
import { indexDocsRepository } from '../../extensions/ai-check/indexer/index-guides.ts';
import { searchGuides } from '../../extensions/ai-check/retrieval.ts';

const DEADLINE_MS = 170_000;
const GUIDES = 10;
const PAGES_PER_GUIDE = 100;
const PARAGRAPHS_PER_PAGE = 4;
const WORDS_PER_PARAGRAPH = 70;
const QUERIES = 300;

const log = createLogger(process.env.LOG_LEVEL ?? 'warn', 'bench');
const root = path.resolve(import.meta.dirname, '../..');
const dataDir = path.join(root, '.data', 'bench', `ai-retrieval-${process.pid}`);
const cleanups: (() => Promise<unknown>)[] = [];

const EN = ('system boundary function part whole environment model purpose abstraction feedback loop stock flow delay ' +
  'oscillation goal thermostat inertia memory role stakeholder interest requirement architecture interface module ' +
  'engineer practice method life cycle design production operation disposal concept validation verification ' +
  'observation prediction measure state change process agent activity team project product service customer user ' +
  'value risk decision trade off constraint resource capacity schedule quality defect test review document evidence ' +
  'argument reasoning ontology type instance relation composition specialisation description prototype iteration').split(' ');
const RU = ('система границы границей функция функции часть целое окружение модели моделью цель абстракция обратная связь ' +
  'запас поток потоков задержка колебания цели термостат инерция память роль роли заинтересованные стороны интерес ' +
  'интересы требования архитектура интерфейс модуль инженер практика метод жизненный цикл разработка изготовление ' +
  'эксплуатация вывод замысел проверка наблюдение прогноз измерение состояние изменение процесс агент деятельность ' +
  'команда проект продукт сервис заказчик пользователь ценность риск решение компромисс ограничение ресурс мощность ' +
  'расписание качество дефект испытание обзор документ свидетельство аргумент рассуждение онтология тип экземпляр ' +
  'отношение композиция специализация описание прототип итерация надсистема подсистема исполнитель').split(' ');

let seed = 42;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;

// Real text has a long tail of rare words: the domain words above plus a few thousand
// made-up words, drawn with a Zipf-like law (the k-th word about 1/k as often).
function vocabulary(base: string[], syllables: string[], size: number): string[] {
  const words = [...base];
  let s = 7;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  while (words.length < size) {
    const n = 2 + Math.floor(next() * 3);
    words.push(Array.from({ length: n }, () => syllables[Math.floor(next() * syllables.length)]).join(''));
  }
  return words;
}
const LEXICON = {
  en: vocabulary(EN, 'ka ro mi te lu sa ven dor pli stra cor ment tion able ing er ous al'.split(' '), 5000),
  ru: vocabulary(RU, 'ка ро ми те лу са вен дор пли стра кор ние ция ость ный ать ова ени'.split(' '), 5000),
};
const zipf = (words: string[]) => words[Math.min(words.length - 1, Math.floor(Math.exp(random() * Math.log(words.length))) - 1)]!;
const sentence = (words: string[], n: number) => Array.from({ length: n }, () => zipf(words)).join(' ');
const progress = (message: string) => process.stderr.write(`[ai-retrieval] ${message}\n`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timed(n: number, run: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number; mean: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await run(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return { p50: round(percentile(times, 50)), p99: round(percentile(times, 99)), mean: round(times.reduce((a, b) => a + b, 0) / n) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface Page {
  guide: string;
  language: 'ru' | 'en';
  paragraphs: string[];
}

async function writeGuides(dir: string, edited = false): Promise<Page[]> {
  seed = 42;
  // Edits draw from their own sequence, so that the rest of the text stays the same.
  let editSeed = 4242;
  const editRandom = () => (editSeed = (editSeed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pages: Page[] = [];
  for (let g = 0; g < GUIDES; g++) {
    const language = g % 2 === 0 ? 'ru' : 'en';
    const words = LEXICON[language];
    const slug = `bench-${language}-${g}`;
    const folder = path.join(dir, slug);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'guide.json'), JSON.stringify({ slug, title: `Guide ${g}`, language, edition: edited ? '2' : '1' }));
    for (let chapter = 0; chapter < PAGES_PER_GUIDE / 10; chapter++) {
      const lines: string[] = [`# ${sentence(words, 3)}`];
      for (let p = 0; p < 10; p++) {
        const page: Page = { guide: slug, language, paragraphs: [] };
        lines.push(`## ${sentence(words, 4)} ${chapter}.${p}`);
        for (let k = 0; k < PARAGRAPHS_PER_PAGE; k++) {
          let text = sentence(words, WORDS_PER_PARAGRAPH) + '.';
          // The second edition edits one paragraph in a hundred.
          if (edited && editRandom() < 0.01) text = `${text} ${Array.from({ length: 5 }, () => words[Math.floor(editRandom() * 200)]).join(' ')}.`;
          page.paragraphs.push(text);
          lines.push(text);
        }
        pages.push(page);
      }
      await writeFile(path.join(folder, `${String(chapter).padStart(2, '0')}.md`), lines.join('\n\n'));
    }
  }
  return pages;
}

async function main(): Promise<void> {
  const started = performance.now();
  const docs = await mkdtemp(path.join(tmpdir(), 'ai-bench-guides-'));
  cleanups.push(() => rm(docs, { recursive: true, force: true }));
  await mkdir(dataDir, { recursive: true });
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

  const postgres: PostgresHandle = await startEmbeddedPostgres({ dir: path.join(dataDir, 'pg'), port: await freePort(), log });
  cleanups.unshift(() => postgres.stop());
  await ensureDatabase(postgres.url, 'bench_ai');
  const db = createPool(postgres.urlFor('bench_ai'), 8);
  cleanups.unshift(() => db.end());
  await migrate(db, log);

  progress('PostgreSQL ready, writing the guides');
  const pages = await writeGuides(docs);
  const chars = pages.reduce((n, p) => n + p.paragraphs.join('').length, 0);
  let t = performance.now();
  await indexDocsRepository({ db, log }, { location: docs, cacheDir: docs });
  const firstIndexMs = performance.now() - t;
  await db.query('analyze');
  progress(`indexed in ${Math.round(firstIndexMs)} ms`);
  const { rows: [counts] } = await db.query<{ chunks: number }>('select count(*)::int as chunks from ai_chunk');

  await writeGuides(docs, true);
  t = performance.now();
  const reindex = await indexDocsRepository({ db, log }, { location: docs, cacheDir: docs });
  const reindexMs = performance.now() - t;
  const inserted = reindex.reduce((n, r) => n + r.inserted, 0);
  await db.query('analyze');
  progress(`re-indexed in ${Math.round(reindexMs)} ms; measuring`);

  // Queries: a question-sized sample of words from a random page, as a student's answer would share them.
  const queries = Array.from({ length: QUERIES }, () => {
    const page = pick(pages);
    const words = pick(page.paragraphs).replace(/\.$/, '').split(' ');
    const at = Math.floor(random() * (words.length - 12));
    return { guide: page.guide, language: page.language, text: words.slice(at, at + 12).join(' ') };
  });
  const { rows: ids } = await db.query<{ id: string }>('select id from ai_chunk order by random() limit $1', [QUERIES]);
  const allGuides = [...new Set(pages.map((p) => p.guide))];

  // The ceiling runs the same OR query on the chunk table alone: what PostgreSQL's own
  // full-text search costs, without our joins, query building and own-section pass.
  const orQueries: string[] = [];
  for (const q of queries) {
    const { rows: [built] } = await db.query<{ query: string }>(`select array_to_string(array(select quote_literal(w)
      from unnest(tsvector_to_array(to_tsvector($1::regconfig, $2))) as w), ' | ') as query`, [q.language === 'ru' ? 'russian' : 'english', q.text]);
    orQueries.push(built!.query);
  }

  // Warm-up, then the measured runs.
  for (const q of queries.slice(0, 20)) await searchGuides(db, { text: q.text, guides: [q.guide], limit: 5 });
  const retrieval = await timed(QUERIES, (i) => searchGuides(db, { text: queries[i]!.text, guides: [queries[i]!.guide], section: 'none', ownSectionLimit: 3, limit: 6 }));
  const retrievalAll = await timed(QUERIES, (i) => searchGuides(db, { text: queries[i]!.text, guides: allGuides, limit: 5 }));
  const pk = await timed(QUERIES, (i) => db.query('select content from ai_chunk where id = $1', [ids[i % ids.length]!.id]));
  const tsRank = await timed(QUERIES, (i) => db.query(`select id from ai_chunk
      where is_current and guide_slug = $2 and tsv @@ $1::tsquery order by ts_rank(tsv, $1::tsquery, 1) desc limit 6`, [orQueries[i], queries[i]!.guide]));

  const ratio = (a: number, b: number) => Math.round((a / b) * 10) / 10;
  const result = {
    pages: pages.length, chunks: counts!.chunks, megabytes: Math.round(chars / 1e5) / 10,
    firstIndexSeconds: Math.round(firstIndexMs / 100) / 10,
    reindex: { changedParagraphs: inserted, seconds: Math.round(reindexMs / 100) / 10 },
    retrievalOneGuideMs: retrieval, retrievalAllGuidesMs: retrievalAll, ceilingPrimaryKeyMs: pk, ceilingTsRankScanMs: tsRank,
    ratioP50: { vsTsRank: ratio(retrieval.p50, tsRank.p50), vsPrimaryKey: ratio(retrieval.p50, pk.p50) },
    totalSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
  process.stdout.write([
    `ai-check retrieval benchmark: ${result.pages} pages, ${result.chunks} chunks, ${result.megabytes} MB of text`,
    `  first index                ${result.firstIndexSeconds} s`,
    `  re-index, 1% edited        ${result.reindex.seconds} s (${inserted} paragraphs stored again)`,
    `  retrieval, one guide       p50 ${retrieval.p50} ms   p99 ${retrieval.p99} ms`,
    `  retrieval, all ${allGuides.length} guides    p50 ${retrievalAll.p50} ms   p99 ${retrievalAll.p99} ms`,
    `  ceiling: ts_rank, 1 table  p50 ${tsRank.p50} ms   p99 ${tsRank.p99} ms   (retrieval/ceiling ${result.ratioP50.vsTsRank}x)`,
    `  ceiling: primary key       p50 ${pk.p50} ms   p99 ${pk.p99} ms   (retrieval/ceiling ${result.ratioP50.vsPrimaryKey}x)`,
    `  total                      ${result.totalSeconds} s`,
    JSON.stringify(result),
  ].join('\n') + '\n');
}

async function cleanup(): Promise<void> {
  for (const step of cleanups.splice(0)) await step().catch(() => {});
}

const deadline = setTimeout(() => {
  process.stderr.write(`ai-retrieval bench: deadline of ${DEADLINE_MS / 1000} s reached, stopping\n`);
  void cleanup().finally(() => process.exit(1));
}, DEADLINE_MS);

main()
  .then(cleanup, async (e: Error) => {
    process.stderr.write(`ai-retrieval bench failed: ${e.stack ?? e.message}\n`);
    await cleanup();
    process.exitCode = 1;
  })
  .finally(() => clearTimeout(deadline));
