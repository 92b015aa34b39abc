import { bootstrapInterval, type BootstrapSettings } from './bootstrap.ts';
import { accuracy, confusionMatrix, labelScores, pearson, quadraticWeightedKappa, rmse, toGrid, type LabelCounts } from './metrics.ts';

/**
 * Pure: one grader against another over the same items, every figure with its 95% bootstrap
 * interval. Scores are compared as shares of their item's maximum (so items of 2 and of 5
 * points mix); QWK and exact agreement on a stated grid; pass/fail at a stated share.
 */
export interface Estimate {
  value: number | null;
  low: number | null;
  high: number | null;
}

export interface ScoreScale {
  /** Grid points 0..steps: a share s is category round(s * steps), halves up. */
  gridSteps: number;
  /** Pass: share >= passShare. */
  passShare: number;
  /** RMSE is reported as share x rmseUnit: the common max_score (points), or 1 (shares). */
  rmseUnit: number;
}

export interface ScoreAgreement {
  n: number;
  pearson: Estimate;
  rmse: Estimate;
  qwk: Estimate;
  /** The same grid point. */
  exact: Estimate;
  /** The same side of the pass threshold. */
  passFail: Estimate;
}

export interface LabelAgreement {
  n: number;
  accuracy: Estimate;
  macroF1: Estimate;
  /** Rows: the first grader, columns: the second, both in the order of `labels`. */
  confusion: { labels: string[]; rows: number[][] };
  perLabel: LabelCounts[];
}

const pick = <T>(xs: T[], idx: number[]) => idx.map((i) => xs[i]!);
const all = (n: number) => Array.from({ length: n }, (_, i) => i);

function estimate(n: number, stat: (idx: number[]) => number | null, bootstrap: BootstrapSettings): Estimate {
  const interval = bootstrapInterval(n, stat, bootstrap);
  return { value: n ? stat(all(n)) : null, low: interval.low, high: interval.high };
}

/** `a` and `b`: shares of the maximum (0..1) the two graders gave, item by item. */
export function scoreAgreement(a: number[], b: number[], scale: ScoreScale, bootstrap: BootstrapSettings): ScoreAgreement {
  const n = a.length;
  const ga = a.map((s) => toGrid(s, scale.gridSteps));
  const gb = b.map((s) => toGrid(s, scale.gridSteps));
  const pass = (s: number) => s >= scale.passShare - 1e-9;
  const stats = {
    pearson: (idx: number[]) => pearson(pick(a, idx), pick(b, idx)),
    rmse: (idx: number[]) => { const r = rmse(pick(a, idx), pick(b, idx)); return r === null ? null : r * scale.rmseUnit; },
    qwk: (idx: number[]) => quadraticWeightedKappa(pick(ga, idx), pick(gb, idx), 0, scale.gridSteps),
    exact: (idx: number[]) => accuracy(pick(ga, idx), pick(gb, idx)),
    passFail: (idx: number[]) => accuracy(pick(a, idx).map(pass), pick(b, idx).map(pass)),
  };
  return {
    n,
    pearson: estimate(n, stats.pearson, bootstrap),
    rmse: estimate(n, stats.rmse, bootstrap),
    qwk: estimate(n, stats.qwk, bootstrap),
    exact: estimate(n, stats.exact, bootstrap),
    passFail: estimate(n, stats.passFail, bootstrap),
  };
}

export function labelAgreement(a: string[], b: string[], labels: string[], bootstrap: BootstrapSettings): LabelAgreement {
  const n = a.length;
  const scores = labelScores(a, b, labels);
  return {
    n,
    accuracy: estimate(n, (idx) => accuracy(pick(a, idx), pick(b, idx)), bootstrap),
    macroF1: { ...estimate(n, (idx) => labelScores(pick(a, idx), pick(b, idx), labels).macroF1, bootstrap), value: scores.macroF1 },
    confusion: { labels, rows: confusionMatrix(a, b, labels) },
    perLabel: scores.perLabel,
  };
}
