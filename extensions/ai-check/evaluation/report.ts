import { labelAgreement, scoreAgreement, type LabelAgreement, type ScoreAgreement, type ScoreScale } from './agreement.ts';
import type { BootstrapSettings } from './bootstrap.ts';
import type { GradedItem, GradedSet } from './graded-set.ts';
import { percentile } from './metrics.ts';
import type { ResultRecord, RunLedger } from './results-file.ts';

/**
 * Pure: the report of a run from its graded set and its results file: how the model agrees
 * with people, beside how people agree with each other on the same items, and what a check
 * cost and how long it took. The same object is printed as a table (report-table.ts) and as
 * JSON; its top-level `accuracy`, `kappa`, `passFailAgreement` and `costPerCheckMicros` are
 * the figures the first ai:eval printed, kept for scripts that read them.
 */
export interface ReportSettings {
  model: string;
  promptVersion: string;
  /** Temperature, max output tokens, timeout, retries, concurrency: what the run was made with. */
  provider: Record<string, unknown>;
  currency: string;
  budgetMicros: number | null;
  /** `--qwk-grid`; null: the common integer max_score, else 10. */
  gridSteps: number | null;
  passShare: number;
  bootstrap: BootstrapSettings;
  selection: Record<string, unknown>;
}

export interface Grid {
  steps: number;
  /** How the steps were chosen, said in the report. */
  chosen: string;
  rounding: string;
}

export interface Distribution {
  p50: number | null;
  p95: number | null;
  mean: number | null;
}

export interface EvaluationReport {
  set: { name: string | null; source: string | null; kind: 'score' | 'label'; labels: string[] | null };
  model: string;
  promptVersion: string;
  settings: Omit<ReportSettings, 'model' | 'promptVersion'>;
  items: number;
  graded: number;
  /** Outputs still invalid after one retry: in service, these answers would go to a mentor. */
  toMentor: number;
  /** Items whose last attempt failed (the provider, or the budget mid-check); a resumed run tries them again. */
  failures: number;
  /** Items not tried yet (the run was stopped, or its budget ran out). */
  notRun: number;
  lastError: string | null;
  grid: Grid | null;
  scores: null | {
    /** RMSE's unit: "points" (one max_score for every item) or "share of max_score". */
    rmseUnit: string;
    modelVsHuman: ScoreAgreement;
    /** On the items with two human grades (and a model grade): the bar, and the model beside it. */
    sideBySide: null | { humanVsHuman2: ScoreAgreement; modelVsHuman: ScoreAgreement; modelVsHuman2: ScoreAgreement };
    /** The score the service's checker gave at the time (`ai_score`, from the export) against the human one: no call needed. */
    recordedAiVsHuman: ScoreAgreement | null;
  };
  labels: null | {
    modelVsHuman: LabelAgreement;
    sideBySide: null | { humanVsHuman2: LabelAgreement; modelVsHuman: LabelAgreement; modelVsHuman2: LabelAgreement };
  };
  cost: { currency: string; spentMicros: number; perCheckMicros: Distribution; cutOffAttempts: number };
  latencyMs: Distribution;
  promptTokens: number;
  completionTokens: number;
  // The first ai:eval's figures (model vs human):
  accuracy: number | null;
  kappa: number | null;
  passFailAgreement: number | null;
  costMicros: number;
  costPerCheckMicros: number;
  currency: string;
}

export function gridFor(items: GradedItem[], requested: number | null): Grid {
  const rounding = 'score / max_score to the nearest grid point, halves up';
  if (requested !== null) return { steps: requested, chosen: '--qwk-grid', rounding };
  const maxima = new Set(items.map((i) => (i.grades.kind === 'score' ? i.grades.maxScore : null)));
  const [only] = [...maxima];
  if (maxima.size === 1 && typeof only === 'number' && Number.isInteger(only) && only >= 1) {
    return { steps: only, chosen: `every item's max_score is ${only}: whole points`, rounding };
  }
  return { steps: 10, chosen: 'items have different or fractional max_score: tenths of the maximum', rounding };
}

function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), mean: values.length ? values.reduce((s, v) => s + v, 0) / values.length : null };
}

const round3 = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);

export function buildReport(set: GradedSet, items: GradedItem[], ledger: RunLedger, settings: ReportSettings): EvaluationReport {
  const { model, promptVersion, ...rest } = settings;
  const keys = new Set(items.map((i) => i.key));
  const lastResult = new Map<string, ResultRecord>();
  for (const r of ledger.results) lastResult.set(r.key, r);
  const done = items.map((item) => ({ item, result: ledger.done.get(item.key) ?? null }));
  const graded = done.filter((d): d is { item: GradedItem; result: ResultRecord } => d.result?.outcome === 'graded');
  const finished = done.filter((d) => d.result !== null).map((d) => d.result!);
  const failures = items.filter((i) => !ledger.done.has(i.key) && lastResult.get(i.key)?.outcome === 'failed').length;
  const notRun = items.filter((i) => !lastResult.has(i.key)).length;
  const lastError = [...ledger.results].reverse().find((r) => r.error && keys.has(r.key) && ledger.done.get(r.key)?.outcome !== 'graded')?.error ?? null;

  let scores: EvaluationReport['scores'] = null;
  let labels: EvaluationReport['labels'] = null;
  let grid: Grid | null = null;
  if (set.kind === 'score') {
    grid = gridFor(items, settings.gridSteps);
    const maxima = new Set(items.map((i) => i.maxScore));
    const common = maxima.size === 1 ? [...maxima][0]! : null;
    const scale: ScoreScale = { gridSteps: grid.steps, passShare: settings.passShare, rmseUnit: common ?? 1 };
    const share = (v: number, item: GradedItem) => v / item.maxScore!;
    const human = (d: { item: GradedItem }) => (d.item.grades.kind === 'score' ? share(d.item.grades.human, d.item) : NaN);
    const human2 = (d: { item: GradedItem }) => (d.item.grades.kind === 'score' && d.item.grades.human2 !== null ? share(d.item.grades.human2, d.item) : NaN);
    const machine = (d: { item: GradedItem; result: ResultRecord }) => share(d.result.score!, d.item);
    const agree = (pairs: { item: GradedItem; result: ResultRecord }[], a: typeof machine, b: typeof machine) =>
      scoreAgreement(pairs.map(a), pairs.map(b), scale, settings.bootstrap);
    const twice = graded.filter((d) => d.item.grades.kind === 'score' && d.item.grades.human2 !== null);
    const recorded = items.filter((i) => i.grades.kind === 'score' && i.grades.recordedAi !== null);
    scores = {
      rmseUnit: common !== null ? `points of ${common}` : 'share of max_score',
      modelVsHuman: agree(graded, machine, human),
      sideBySide: twice.length ? {
        humanVsHuman2: agree(twice, human, human2),
        modelVsHuman: agree(twice, machine, human),
        modelVsHuman2: agree(twice, machine, human2),
      } : null,
      recordedAiVsHuman: recorded.length ? scoreAgreement(
        recorded.map((i) => (i.grades.kind === 'score' ? share(i.grades.recordedAi!, i) : NaN)),
        recorded.map((i) => (i.grades.kind === 'score' ? share(i.grades.human, i) : NaN)), scale, settings.bootstrap) : null,
    };
  } else {
    const declared = set.labels!;
    const human = (d: { item: GradedItem }) => (d.item.grades.kind === 'label' ? d.item.grades.human : '');
    const human2 = (d: { item: GradedItem }) => (d.item.grades.kind === 'label' ? d.item.grades.human2 ?? '' : '');
    const machine = (d: { result: ResultRecord }) => d.result.label ?? '';
    // Rows are people's labels (the truth of the set), columns the model's.
    const agree = (pairs: { item: GradedItem; result: ResultRecord }[], truth: (d: { item: GradedItem; result: ResultRecord }) => string, other: (d: { item: GradedItem; result: ResultRecord }) => string) =>
      labelAgreement(pairs.map(truth), pairs.map(other), declared, settings.bootstrap);
    const twice = graded.filter((d) => d.item.grades.kind === 'label' && d.item.grades.human2 !== null);
    labels = {
      modelVsHuman: agree(graded, human, machine),
      sideBySide: twice.length ? {
        humanVsHuman2: agree(twice, human, human2),
        modelVsHuman: agree(twice, human, machine),
        modelVsHuman2: agree(twice, human2, machine),
      } : null,
    };
  }

  const perCheck = finished.map((r) => r.cost_micros);
  const spentOnThese = ledger.results.filter((r) => keys.has(r.key)).reduce((s, r) => s + r.cost_micros, 0);
  const headline = scores?.modelVsHuman;
  return {
    set: { name: set.name, source: set.source, kind: set.kind, labels: set.labels },
    model,
    promptVersion,
    settings: rest,
    items: items.length,
    graded: graded.length,
    toMentor: finished.filter((r) => r.outcome === 'to_mentor').length,
    failures,
    notRun,
    lastError,
    grid,
    scores,
    labels,
    cost: { currency: settings.currency, spentMicros: ledger.spentMicros, perCheckMicros: distribution(perCheck), cutOffAttempts: ledger.cutOff },
    latencyMs: distribution(finished.map((r) => r.latency_ms)),
    promptTokens: finished.reduce((s, r) => s + r.prompt_tokens, 0),
    completionTokens: finished.reduce((s, r) => s + r.completion_tokens, 0),
    accuracy: round3(headline ? headline.exact.value : labels?.modelVsHuman.accuracy.value ?? null),
    kappa: round3(headline ? headline.qwk.value : null),
    passFailAgreement: round3(headline ? headline.passFail.value : null),
    costMicros: spentOnThese,
    costPerCheckMicros: items.length ? Math.round(spentOnThese / items.length) : 0,
    currency: settings.currency,
  };
}
