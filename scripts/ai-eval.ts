/**
 * How well does the AI grade? Runs the model over a JSONL file of answers people graded,
 * one object a line: {question, reference_answer, student_answer, human_score, max_score[, language]},
 * and reports accuracy and quadratic weighted kappa against the human scores, and the cost
 * per check. The API key and endpoint come from the service's config (OPENROUTER_API_KEY,
 * OPENROUTER_BASE_URL), never from the command line.
 *
 *   node --import tsx scripts/ai-eval.ts --file graded.jsonl --model openai/gpt-4o-mini \
 *     --price-in 0.15 --price-out 0.6 [--limit 100] [--concurrency 4] [--json]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../service/config.ts';
import { createLogger } from '../service/log.ts';
import { evaluate, gradedAnswer, type GradedAnswer } from '../extensions/ai-check/evaluation.ts';
import { createChatModel } from '../extensions/ai-check/openrouter.ts';
import { formatMoney } from '../extensions/ai-check/pricing.ts';

const { values } = parseArgs({
  options: {
    file: { type: 'string' },
    model: { type: 'string' },
    'price-in': { type: 'string', default: '0' },
    'price-out': { type: 'string', default: '0' },
    currency: { type: 'string', default: 'USD' },
    limit: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    json: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`ai-eval: ${message}\n`);
  process.exit(2);
}

const config = loadConfig();
if (!values.file) fail('give --file <graded.jsonl>');
if (!values.model) fail('give --model <provider/model>');
if (!config.OPENROUTER_API_KEY) fail('set OPENROUTER_API_KEY');

const items: GradedAnswer[] = [];
const lines = (await readFile(values.file, 'utf8')).split('\n');
lines.forEach((line, i) => {
  if (!line.trim()) return;
  const parsed = gradedAnswer.safeParse(JSON.parse(line));
  if (!parsed.success) fail(`line ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
  items.push(parsed.data);
});
const selected = values.limit ? items.slice(0, Number(values.limit)) : items;
const pricing = { currency: values.currency, inputPer1M: Number(values['price-in']), outputPer1M: Number(values['price-out']) };
const model = createChatModel({
  baseURL: config.OPENROUTER_BASE_URL, apiKey: config.OPENROUTER_API_KEY, model: values.model, temperature: 0,
  maxOutputTokens: 600, timeoutMs: 60_000, maxRetries: 3, maxBackoffMs: 20_000, pricing,
}, { log: createLogger('warn', 'ai-eval') });

const started = Date.now();
const report = await evaluate({ model, pricing }, selected, { concurrency: Number(values.concurrency) });
if (values.json) {
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  process.stdout.write([
    `answers            ${report.items} (graded ${report.graded}, to a mentor ${report.toMentor}, failed ${report.failures})`,
    `exact accuracy     ${report.accuracy}`,
    `within one point   ${report.withinOne}`,
    `pass/fail agrees   ${report.passFailAgreement}`,
    `quadratic kappa    ${report.kappa}`,
    `cost               ${formatMoney(report.costMicros, report.currency)} total, ${formatMoney(report.costPerCheckMicros, report.currency)} per check`,
    `tokens             ${report.promptTokens} prompt, ${report.completionTokens} completion`,
    `time               ${((Date.now() - started) / 1000).toFixed(1)} s`,
    ...(report.lastError ? [`last error         ${report.lastError}`] : []),
  ].join('\n') + '\n');
}
