import { formatMoney } from '../pricing.ts';
import type { Estimate, LabelAgreement, ScoreAgreement } from './agreement.ts';
import type { EvaluationReport } from './report.ts';

/** Pure: the report as the table a person reads in a terminal. */
const num = (v: number | null, digits = 3) => (v === null ? '-' : v.toFixed(digits));
const est = (e: Estimate, digits = 3) => (e.value === null ? '-' : `${num(e.value, digits)} [${num(e.low, digits)}, ${num(e.high, digits)}]`);
const pad = (s: string, n: number) => s.padEnd(n);

function scoreRows(rows: [string, ScoreAgreement][], rmseUnit: string): string[] {
  const w = 24;
  return [
    `${pad('', 22)}${pad('n', 6)}${pad('Pearson r', w)}${pad(`RMSE (${rmseUnit})`, w)}${pad('QWK', w)}${pad('exact (grid)', w)}pass/fail`,
    ...rows.map(([name, a]) => `${pad(name, 22)}${pad(String(a.n), 6)}${pad(est(a.pearson), w)}${pad(est(a.rmse), w)}${pad(est(a.qwk), w)}${pad(est(a.exact), w)}${est(a.passFail)}`),
  ];
}

function labelRows(rows: [string, LabelAgreement][]): string[] {
  return [
    `${pad('', 22)}${pad('n', 6)}${pad('accuracy', 24)}macro-F1`,
    ...rows.map(([name, a]) => `${pad(name, 22)}${pad(String(a.n), 6)}${pad(est(a.accuracy), 24)}${est(a.macroF1)}`),
  ];
}

function confusion(a: LabelAgreement, rowsAre: string, columnsAre: string): string[] {
  const w = Math.max(8, ...a.confusion.labels.map((l) => l.length + 2));
  return [
    `confusion (rows: ${rowsAre}, columns: ${columnsAre})`,
    `${pad('', w)}${a.confusion.labels.map((l) => pad(l, w)).join('')}`,
    ...a.confusion.rows.map((row, i) => `${pad(a.confusion.labels[i]!, w)}${row.map((v) => pad(String(v), w)).join('')}`),
    ...a.perLabel.map((l) => `  ${pad(l.label, w)} precision ${num(l.precision)}  recall ${num(l.recall)}  F1 ${num(l.f1)}  (people gave it ${l.support})`),
  ];
}

export function formatReport(r: EvaluationReport, extra: { file?: string; seconds?: number } = {}): string {
  const s = r.settings;
  const money = (v: number | null) => (v === null ? '-' : formatMoney(Math.round(v), r.currency));
  const ms = (v: number | null) => (v === null ? '-' : `${(v / 1000).toFixed(2)} s`);
  const lines = [
    `graded set         ${extra.file ?? ''}${r.set.name ? ` (${r.set.name})` : ''}${r.set.source ? `, source: ${r.set.source}` : ''}`,
    `                   ${r.items} answers graded by ${r.set.kind}${r.set.labels ? `: ${r.set.labels.join(', ')}` : ''}`,
    `model              ${r.model}, prompt ${r.promptVersion}, ${Object.entries(s.provider).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`,
    `checked            ${r.graded} graded, ${r.toMentor} to a mentor (invalid output twice), ${r.failures} failed, ${r.notRun} not run yet`,
    `intervals          95%, percentile bootstrap, ${s.bootstrap.resamples} resamples, seed ${s.bootstrap.seed} (the same draws for every row)`,
  ];
  if (r.grid) {
    lines.push(`grid               QWK and exact agreement on 0..${r.grid.steps} (${r.grid.chosen}; ${r.grid.rounding})`);
    lines.push(`pass               score >= ${s.passShare} of max_score`);
  }
  lines.push('');
  if (r.scores) {
    const rows: [string, ScoreAgreement][] = [['model vs human', r.scores.modelVsHuman]];
    if (r.scores.sideBySide) {
      rows.push(['human vs human 2', r.scores.sideBySide.humanVsHuman2], ['model vs human', r.scores.sideBySide.modelVsHuman], ['model vs human 2', r.scores.sideBySide.modelVsHuman2]);
    }
    if (r.scores.recordedAiVsHuman) rows.push(['checker then vs human', r.scores.recordedAiVsHuman]);
    lines.push(...scoreRows(rows, r.scores.rmseUnit));
    if (r.scores.sideBySide) lines.push(`  (rows 2-4: the ${r.scores.sideBySide.humanVsHuman2.n} items with two human grades; the model should come near "human vs human 2")`);
    if (r.scores.recordedAiVsHuman) lines.push('  ("checker then": the score the service gave when the answer was checked, from the file, no call)');
  }
  if (r.labels) {
    const rows: [string, LabelAgreement][] = [['model vs human', r.labels.modelVsHuman]];
    if (r.labels.sideBySide) rows.push(['human vs human 2', r.labels.sideBySide.humanVsHuman2], ['model vs human', r.labels.sideBySide.modelVsHuman], ['model vs human 2', r.labels.sideBySide.modelVsHuman2]);
    lines.push(...labelRows(rows));
    if (r.labels.sideBySide) lines.push(`  (rows 2-4: the ${r.labels.sideBySide.humanVsHuman2.n} items with two human labels)`);
    lines.push('', ...confusion(r.labels.modelVsHuman, 'human', 'model'));
  }
  lines.push('',
    `cost               ${money(r.cost.spentMicros)} spent by this results file (every attempt${r.cost.cutOffAttempts ? `, ${r.cost.cutOffAttempts} cut off by an interruption, at their reservation` : ''})${s.budgetMicros !== null ? `; run budget ${money(s.budgetMicros)}` : ''}`,
    `per check          p50 ${money(r.cost.perCheckMicros.p50)}, p95 ${money(r.cost.perCheckMicros.p95)}, mean ${money(r.cost.perCheckMicros.mean)}`,
    `latency per check  p50 ${ms(r.latencyMs.p50)}, p95 ${ms(r.latencyMs.p95)}`,
    `tokens             ${r.promptTokens} prompt, ${r.completionTokens} completion`);
  if (extra.seconds !== undefined) lines.push(`time               ${extra.seconds.toFixed(1)} s this run`);
  if (r.lastError) lines.push(`last error         ${r.lastError}`);
  return `${lines.join('\n')}\n`;
}
