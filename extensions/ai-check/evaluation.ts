import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ChatModel } from './openrouter.ts';
import type { Pricing } from './settings.ts';
import { DEFAULT_BOOTSTRAP } from './evaluation/bootstrap.ts';
import { readGradedSet, type GradedItem, type GradedSet } from './evaluation/graded-set.ts';
import { promptVersion } from './evaluation/item-prompt.ts';
import { createRateGate, type RateGate } from './evaluation/rate-gate.ts';
import { buildReport, type EvaluationReport, type ReportSettings } from './evaluation/report.ts';
import { ledgerOf, memoryLog, type LogRecord, type ResultsLog } from './evaluation/results-file.ts';
import { runItems, type RunOutcome, type RunSettings } from './evaluation/run.ts';

/**
 * How well the model grades compared with people (issue 16): a graded set (evaluation/
 * graded-set.ts: decimal scores or labels, one or two human grades), one model check per
 * answer with the checker's own prompt (the reference answer stands in for the guide),
 * results appended to a results file as they come (evaluation/results-file.ts), then
 * agreement with people beside people's agreement with each other, with 95% bootstrap
 * intervals, and the cost and latency of a check (evaluation/report.ts).
 * scripts/ai-eval.ts is the command; this file is what it and the tests call.
 */
export { quadraticWeightedKappa } from './evaluation/metrics.ts';
export { readGradedSet, type GradedItem, type GradedSet } from './evaluation/graded-set.ts';
export type { EvaluationReport } from './evaluation/report.ts';

/** The first ai:eval's line: integer points, no language (English feedback). Still read, as a subset of graded-set.ts. */
export const gradedAnswer = z.object({
  question: z.string().min(1),
  reference_answer: z.string().min(1),
  student_answer: z.string(),
  human_score: z.number().int().min(0),
  max_score: z.number().int().min(1),
  language: z.enum(['ru', 'en']).optional(),
});
export type GradedAnswer = z.infer<typeof gradedAnswer>;

export interface EvaluationDeps {
  model: ChatModel;
  gate: RateGate;
  /** Where results go as they come; its earlier records are the runs this one resumes. */
  results: { records: LogRecord[]; log: ResultsLog };
}

export interface EvaluationSettings extends RunSettings {
  report: Omit<ReportSettings, 'model' | 'promptVersion' | 'currency' | 'budgetMicros'>;
}

/** Runs what the results do not hold yet, then reports on every selected item. */
export async function evaluateSet(deps: EvaluationDeps, set: GradedSet, items: GradedItem[], settings: EvaluationSettings, signal?: AbortSignal): Promise<{ report: EvaluationReport; run: RunOutcome }> {
  const segment = randomUUID();
  deps.results.log.append({ kind: 'segment', id: segment, started_at: new Date().toISOString(), pid: process.pid });
  const before = ledgerOf(deps.results.records);
  const collected: LogRecord[] = [...deps.results.records];
  const log: ResultsLog = { append: (r) => { collected.push(r); deps.results.log.append(r); } };
  const run = await runItems({ model: deps.model, log, gate: deps.gate, segment }, items, before, settings, signal);
  const report = buildReport(set, items, ledgerOf(collected), {
    ...settings.report, model: deps.model.model, promptVersion: promptVersion(),
    currency: settings.pricing.currency, budgetMicros: settings.budgetMicros,
  });
  return { report, run };
}

/** The first ai:eval's call, kept: in memory, English feedback unless a line says otherwise. */
export async function evaluate(deps: { model: ChatModel; pricing: Pricing }, answers: GradedAnswer[], opts: { concurrency?: number } = {}): Promise<EvaluationReport> {
  const set = readGradedSet(answers.map((a) => JSON.stringify(gradedAnswer.parse(a))).join('\n'), { language: 'en' });
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const { report } = await evaluateSet({ model: deps.model, gate: createRateGate(), results: { records: [], log: memoryLog() } }, set, set.items, {
    concurrency, budgetMicros: null, maxOutputTokens: 600, pricing: deps.pricing, labels: null,
    report: { provider: { concurrency }, gridSteps: null, passShare: 0.5, bootstrap: DEFAULT_BOOTSTRAP, selection: {} },
  });
  return report;
}
