/**
 * How well does the AI grade? Runs the checker's model over a graded set (JSONL, one answer
 * people graded a line; shapes in extensions/ai-check/evaluation/graded-set.ts and
 * extensions/ai-check/README.md) and reports agreement with the human grades beside the
 * humans' agreement with each other, with 95% bootstrap intervals, and the cost and latency
 * of a check. The API key and endpoint come from the service's config (OPENROUTER_API_KEY,
 * OPENROUTER_BASE_URL), never from the command line.
 *
 *   npm run ai:eval -- --file graded.jsonl --model openai/gpt-4o-mini --price-in 0.15 --price-out 0.6
 *     [--results graded.openai_gpt-4o-mini.results.jsonl] [--budget 5] [--limit 50 | --sample 50] [--seed 16]
 *     [--labels correct,partially_correct_incomplete,contradictory,irrelevant,non_domain] [--language ru]
 *     [--qwk-grid 5] [--pass 0.5] [--bootstrap 1000] [--concurrency 4] [--temperature 0] [--max-tokens 600]
 *     [--timeout-ms 60000] [--retries 3] [--max-wait-ms 60000] [--free] [--report-only] [--json]
 *
 * Results are appended to the results file as they come: run the same command again after
 * a stop (Ctrl-C, a crash) and it goes on where it stopped; an item with a result is never
 * sent again. Ctrl-C once: no new checks, the ones under way finish, the report is printed.
 * The report is printed as a table (or JSON with --json) and written as JSON beside the
 * results (`.report.json`). Exit code 0 when every selected item has a result, 1 when some
 * are left (run again), 2 when nothing could run.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isAppError } from '../kernel/errors.ts';
import { loadConfig } from '../service/config.ts';
import { createLogger } from '../service/log.ts';
import { evaluateSet, readGradedSet } from '../extensions/ai-check/evaluation.ts';
import { seededRandom } from '../extensions/ai-check/evaluation/bootstrap.ts';
import { sampleItems, type GradedSet } from '../extensions/ai-check/evaluation/graded-set.ts';
import { promptVersion } from '../extensions/ai-check/evaluation/item-prompt.ts';
import { createRateGate } from '../extensions/ai-check/evaluation/rate-gate.ts';
import { formatReport } from '../extensions/ai-check/evaluation/report-table.ts';
import { openResults } from '../extensions/ai-check/evaluation/results-file.ts';
import { createChatModel } from '../extensions/ai-check/openrouter.ts';
import { DEFAULT_LIMITS } from '../extensions/ai-check/settings.ts';

const { values } = parseArgs({
  options: {
    file: { type: 'string' },
    results: { type: 'string' },
    model: { type: 'string' },
    'price-in': { type: 'string', default: '0' },
    'price-out': { type: 'string', default: '0' },
    currency: { type: 'string', default: 'USD' },
    free: { type: 'boolean', default: false },
    budget: { type: 'string' },
    limit: { type: 'string' },
    sample: { type: 'string' },
    seed: { type: 'string', default: '16' },
    labels: { type: 'string' },
    language: { type: 'string', default: 'en' },
    'qwk-grid': { type: 'string' },
    pass: { type: 'string', default: '0.5' },
    bootstrap: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    temperature: { type: 'string', default: '0' },
    'max-tokens': { type: 'string', default: '600' },
    'timeout-ms': { type: 'string', default: '60000' },
    retries: { type: 'string', default: '3' },
    'max-wait-ms': { type: 'string', default: '60000' },
    'report-only': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`ai-eval: ${message}\n`);
  process.exit(2);
}

function number(name: string, value: string | undefined, check: (n: number) => boolean, what: string): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(n) || !check(n)) fail(`--${name} must be ${what} (got ${JSON.stringify(value)})`);
  return n;
}
const int = (n: number) => Number.isInteger(n);

const config = loadConfig();
if (!values.file) fail('give --file <graded.jsonl>');
if (!values.model) fail('give --model <provider/model>');
if (!values['report-only'] && !config.OPENROUTER_API_KEY) fail('set OPENROUTER_API_KEY');
if (values.language !== 'ru' && values.language !== 'en') fail('--language must be ru or en');
if (values.limit && values.sample) fail('give --limit (the first N) or --sample (N at random), not both');

const pricing = {
  currency: values.currency,
  inputPer1M: number('price-in', values['price-in'], (n) => n >= 0, 'a price >= 0 per 1M tokens'),
  outputPer1M: number('price-out', values['price-out'], (n) => n >= 0, 'a price >= 0 per 1M tokens'),
};
if (!pricing.inputPer1M && !pricing.outputPer1M && !values.free) fail('give the model\'s prices (--price-in, --price-out, per 1M tokens), or --free for a free model: at 0 the budget holds nothing');
// The run's own budget, by default the size of the school's monthly AI budget: an eval never draws on the school's ledger.
const budgetUnits = values.budget !== undefined ? number('budget', values.budget, (n) => n >= 0, 'an amount >= 0')
  : (config.AI_CHECK_MONTHLY_BUDGET ?? DEFAULT_LIMITS.monthlyBudgetMicros / 1_000_000);
const seed = number('seed', values.seed, int, 'an integer');
const provider = {
  temperature: number('temperature', values.temperature, (n) => n >= 0 && n <= 2, '0..2'),
  maxOutputTokens: number('max-tokens', values['max-tokens'], (n) => int(n) && n >= 50, 'an integer >= 50'),
  timeoutMs: number('timeout-ms', values['timeout-ms'], (n) => int(n) && n >= 1000, 'an integer >= 1000'),
  maxRetries: number('retries', values.retries, (n) => int(n) && n >= 0 && n <= 10, 'an integer 0..10'),
  maxBackoffMs: number('max-wait-ms', values['max-wait-ms'], (n) => int(n) && n >= 0, 'an integer >= 0'),
};
const concurrency = number('concurrency', values.concurrency, (n) => int(n) && n >= 1 && n <= 64, 'an integer 1..64');
const labels = values.labels ? values.labels.split(',').map((l) => l.trim()).filter(Boolean) : null;

let set: GradedSet;
try {
  set = readGradedSet(await readFile(values.file, 'utf8'), { labels, language: values.language });
} catch (e) {
  if (isAppError(e) && e.code === 'GRADED_SET_INVALID') {
    const { errors } = e.details as { errors: { line: number; message: string }[] };
    fail(`${values.file}: ${e.message}\n${errors.map((x) => `  line ${x.line}: ${x.message}`).join('\n')}`);
  }
  fail((e as Error).message);
}
let items = set.items;
if (values.limit) items = items.slice(0, number('limit', values.limit, (n) => int(n) && n >= 1, 'an integer >= 1'));
if (values.sample) items = sampleItems(items, number('sample', values.sample, (n) => int(n) && n >= 1, 'an integer >= 1'), seededRandom(seed));

const resultsPath = values.results ?? path.join(path.dirname(values.file),
  `${path.basename(values.file).replace(/\.jsonl?$/i, '')}.${values.model.replace(/[^a-z0-9.-]+/gi, '_')}.results.jsonl`);
// What a results file must have been made with to be resumed: anything that changes a verdict or a cost.
const header = {
  kind: 'run' as const, version: 1 as const, model: values.model, prompt_version: promptVersion(), started_at: new Date().toISOString(),
  settings: { temperature: provider.temperature, max_tokens: provider.maxOutputTokens, labels: set.labels, pricing },
};

let opened;
try {
  opened = openResults(resultsPath, header);
} catch (e) {
  fail((e as Error).message);
}
if (opened.droppedTornLine) process.stderr.write(`ai-eval: the last line of ${resultsPath} was cut off by an interruption; dropped\n`);

const gate = createRateGate();
const model = createChatModel({ baseURL: config.OPENROUTER_BASE_URL, apiKey: config.OPENROUTER_API_KEY ?? 'none', model: values.model, ...provider, pricing },
  { log: createLogger('warn', 'ai-eval'), sleep: (ms) => gate.sleep(ms) });
const abort = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write('ai-eval: stopping: no new checks; the ones under way finish (Ctrl-C again to quit now)\n');
  abort.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.once('SIGTERM', () => abort.abort());
if (values['report-only']) abort.abort();

const started = Date.now();
try {
  const { report, run } = await evaluateSet({ model, gate, results: { records: opened.records, log: opened.log } }, set, items, {
    concurrency, budgetMicros: Math.round(budgetUnits * 1_000_000), maxOutputTokens: provider.maxOutputTokens, pricing, labels: set.labels,
    report: {
      provider: { temperature: provider.temperature, max_tokens: provider.maxOutputTokens, concurrency, retries: provider.maxRetries, timeout_ms: provider.timeoutMs },
      gridSteps: values['qwk-grid'] ? number('qwk-grid', values['qwk-grid'], (n) => int(n) && n >= 1 && n <= 1000, 'an integer 1..1000') : null,
      passShare: number('pass', values.pass, (n) => n > 0 && n <= 1, 'a share of max_score in (0, 1]'),
      bootstrap: { resamples: number('bootstrap', values.bootstrap, (n) => int(n) && n >= 100, 'an integer >= 100'), seed },
      selection: {
        file: values.file, results: resultsPath, limit: values.limit ? Number(values.limit) : null, sample: values.sample ? Number(values.sample) : null,
        seed, language_default: values.language, attempts_this_run: 0, rate_limit_pauses: 0,
      },
    },
  }, abort.signal);
  report.settings.selection.attempts_this_run = run.attempts;
  report.settings.selection.rate_limit_pauses = gate.pauses();
  if (run.stoppedBy === 'budget') process.stderr.write(`ai-eval: stopped: ${run.lastError}; raise --budget and run again to go on\n`);
  if (run.stoppedBy === 'refused') process.stderr.write(`ai-eval: stopped: the provider refuses the calls (${run.lastError})\n`);
  await writeFile(resultsPath.replace(/\.jsonl$/, '') + '.report.json', `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatReport(report, { file: values.file, seconds: (Date.now() - started) / 1000 }));
  process.exitCode = report.notRun + report.failures > 0 ? 1 : 0;
} finally {
  opened.close();
}
