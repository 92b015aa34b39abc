import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { evaluateSet, readGradedSet, type GradedSet } from '../../extensions/ai-check/evaluation.ts';
import { createRateGate } from '../../extensions/ai-check/evaluation/rate-gate.ts';
import { formatReport } from '../../extensions/ai-check/evaluation/report-table.ts';
import { memoryLog } from '../../extensions/ai-check/evaluation/results-file.ts';
import { createChatModel } from '../../extensions/ai-check/openrouter.ts';
import { testLog } from '../support/stack.ts';
import { startModelServer, type ModelServer } from './support/model-server.ts';

/**
 * The run against the local OpenAI-compatible server, the model's replies scripted so that
 * every figure of the report is known beforehand (scipy 1.10.1 / scikit-learn 1.2.1 on the
 * same grades: see eval-metrics.test.ts).
 */
const fixture = (name: string) => readFileSync(path.resolve(import.meta.dirname, '../fixtures/ai-eval', name), 'utf8');
const PRICING = { currency: 'USD', inputPer1M: 1, outputPer1M: 4 };
const reply = (score: number, label?: string) => ({
  kind: 'reply' as const,
  content: JSON.stringify({ verdict: score >= 2.5 ? 'accepted' : 'needs_work', score, feedback: 'Feedback.', used_chunks: ['reference'], confidence: 0.8, ...(label ? { label } : {}) }),
});

describe('ai-eval run', () => {
  let server: ModelServer;
  before(async () => { server = await startModelServer(); });
  after(() => server.close());
  beforeEach(() => { server.requests.length = 0; server.script.length = 0; });

  function run(set: GradedSet, opts: { concurrency?: number; budgetMicros?: number | null; gridSteps?: number | null } = {}) {
    const gate = createRateGate();
    const model = createChatModel({
      baseURL: server.url, apiKey: 'k', model: 'test/grader', temperature: 0, maxOutputTokens: 200, timeoutMs: 5000, maxRetries: 2, maxBackoffMs: 5000, pricing: PRICING,
    }, { log: testLog, sleep: (ms) => gate.sleep(ms) });
    const log = memoryLog();
    return evaluateSet({ model, gate, results: { records: [], log } }, set, set.items, {
      concurrency: opts.concurrency ?? 1, budgetMicros: opts.budgetMicros ?? null, maxOutputTokens: 200, pricing: PRICING, labels: set.labels,
      report: { provider: { temperature: 0 }, gridSteps: opts.gridSteps ?? null, passShare: 0.5, bootstrap: { resamples: 300, seed: 16 }, selection: {} },
    }).then((r) => ({ ...r, log, gate }));
  }

  it('reports decimal scores against each grader, beside the two graders against each other, with intervals, cost and latency', async () => {
    const set = readGradedSet(fixture('texas-shaped.jsonl'));
    for (const s of [5, 4, 4, 3, 4.5, 1, 3.5, 1]) server.script.push(reply(s));
    const { report } = await run(set);
    const scores = report.scores!;
    expect(report.graded).to.equal(8);
    expect(report.grid).to.include({ steps: 5 });
    expect(scores.rmseUnit).to.equal('points of 5');
    expect(scores.modelVsHuman.pearson.value).to.be.closeTo(0.944888871360945, 1e-9);
    expect(scores.modelVsHuman.rmse.value).to.be.closeTo(0.5376453291901642, 1e-9);
    expect(scores.modelVsHuman.qwk.value).to.be.closeTo(0.9166666666666666, 1e-9);
    expect(scores.modelVsHuman.passFail.value).to.equal(0.875);
    const side = scores.sideBySide!;
    expect(side.humanVsHuman2.n).to.equal(8);
    expect(side.humanVsHuman2.pearson.value).to.be.closeTo(0.9698176635533545, 1e-9);
    expect(side.humanVsHuman2.rmse.value).to.be.closeTo(0.4050462936504913, 1e-9);
    expect(side.humanVsHuman2.qwk.value).to.be.closeTo(0.9210526315789473, 1e-9);
    expect(side.modelVsHuman2.qwk.value).to.be.closeTo(0.9470198675496688, 1e-9);
    expect(side.modelVsHuman2.passFail.value).to.equal(1);
    for (const e of [scores.modelVsHuman.pearson, scores.modelVsHuman.qwk, side.humanVsHuman2.rmse]) {
      expect(e.low!).to.be.at.most(e.value!);
      expect(e.high!).to.be.at.least(e.value!);
    }
    expect(report.cost.perCheckMicros.p50!).to.be.greaterThan(0);
    expect(report.cost.perCheckMicros.p95!).to.be.at.least(report.cost.perCheckMicros.p50!);
    expect(report.latencyMs.p95!).to.be.at.least(report.latencyMs.p50!);
    expect(report.model).to.equal('test/grader');
    expect(report.promptVersion).to.match(/^sha256:[0-9a-f]{16}$/);
    const table = formatReport(report);
    expect(table).to.match(/human vs human 2\s+8\s+0\.970 \[/);
    expect(table).to.match(/QWK and exact agreement on 0\.\.5 \(every item's max_score is 5: whole points; score \/ max_score to the nearest grid point, halves up\)/);
    expect(table).to.match(/per check\s+p50 0\.\d+ USD, p95 0\.\d+ USD/);
  });

  it('states another grid when asked, and QWK follows it', async () => {
    const set = readGradedSet(fixture('texas-shaped.jsonl'));
    for (const s of [5, 4, 4, 3, 4.5, 1, 3.5, 1]) server.script.push(reply(s));
    const { report } = await run(set, { gridSteps: 20 });
    expect(report.grid).to.deep.include({ steps: 20, chosen: '--qwk-grid' });
    expect(report.scores!.modelVsHuman.qwk.value).to.be.closeTo(0.9369676320272573, 1e-9);
  });

  it('asks for a label from the declared set and reports accuracy, macro-F1 and the confusion matrix', async () => {
    const set = readGradedSet(fixture('semeval-shaped.jsonl'));
    const model = ['correct', 'partially_correct_incomplete', 'contradictory', 'partially_correct_incomplete', 'contradictory', 'correct', 'non_domain', 'correct'];
    for (const l of model) server.script.push(reply(1, l));
    const { report } = await run(set);
    expect(server.requests[0]!.messages[1]!.content).to.match(/"label", exactly one of "correct", "partially_correct_incomplete"/);
    const schema = server.requests[0]!.response_format!.json_schema!.schema as { properties: Record<string, { enum?: string[] }> };
    expect(schema.properties.label!.enum).to.have.length(5);
    const labels = report.labels!.modelVsHuman;
    expect(labels.accuracy.value).to.equal(0.625);
    expect(labels.macroF1.value).to.be.closeTo(0.5666666666666667, 1e-9);
    expect(labels.confusion.rows).to.deep.equal([[2, 1, 0, 0, 0], [0, 1, 0, 0, 0], [1, 0, 1, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 1]]);
    expect(formatReport(report)).to.match(/confusion \(rows: human, columns: model\)/);
  });

  it('sends a label the set does not know back once, then counts the answer as one for a mentor', async () => {
    const set = readGradedSet(fixture('semeval-shaped.jsonl').split('\n').slice(0, 2).join('\n'));
    server.script.push(reply(1, 'wrong'), reply(1, 'also_wrong'));
    const { report } = await run(set);
    expect(server.requests).to.have.length(2);
    expect(report.toMentor).to.equal(1);
    expect(report.graded).to.equal(0);
  });

  it('pauses every worker when the provider answers 429 with Retry-After, not only the one told', async () => {
    const set = readGradedSet(fixture('texas-shaped.jsonl').split('\n').slice(0, 5).join('\n'));
    // The first request is refused at once; the two beside it answer 300 ms later, when the pause is on.
    server.script.push({ kind: 'rate-limit', retryAfterSeconds: 1 }, { kind: 'delay', ms: 300 }, { kind: 'delay', ms: 300 });
    const { report, gate } = await run(set, { concurrency: 3 });
    expect(report.graded).to.equal(4);
    expect(gate.pauses()).to.equal(1);
    const limited = server.requests[0]!.receivedAt;
    // After them: the refused item again, and the fourth item, which a free worker had at 300 ms.
    const later = server.requests.slice(3);
    expect(later).to.have.length(2);
    for (const r of later) expect(r.receivedAt - limited).to.be.at.least(950);
  });

  it('checks the run\'s budget before each attempt: stops when the next one could not be paid, and never spends past it', async () => {
    const set = readGradedSet(fixture('texas-shaped.jsonl'));
    // One attempt reserves its worst case (the prompt's UTF-8 bytes at 1, 200 completion tokens at 4 micro-USD: about 3,700);
    // the server reports nearly as much, so two attempts fit in 8,000 and a third does not.
    server.usage = 'worst';
    const { report, run: outcome, log } = await run(set, { budgetMicros: 8000 }).finally(() => { server.usage = 'realistic'; });
    expect(outcome.stoppedBy).to.equal('budget');
    expect(server.requests).to.have.length(2);
    expect(report.graded).to.equal(server.requests.length);
    expect(report.notRun).to.equal(8 - server.requests.length);
    expect(report.cost.spentMicros).to.be.at.most(8000);
    const reserved = log.records.filter((r) => r.kind === 'reserve').reduce((s, r) => s + (r.kind === 'reserve' ? r.micros : 0), 0);
    expect(reserved).to.be.greaterThan(0);
  });
});
