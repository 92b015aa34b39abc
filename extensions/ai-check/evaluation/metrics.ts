/**
 * Pure: agreement between two graders over the same items, as the short-answer grading
 * papers report it. Null where a statistic is undefined (Pearson's r of a constant), never 0.
 */

/** Pearson's correlation coefficient (scipy.stats.pearsonr's statistic). */
export function pearson(x: number[], y: number[]): number | null {
  sameLength(x, y);
  const n = x.length;
  if (n < 2) return null;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Root mean squared error, in the unit of its inputs. */
export function rmse(x: number[], y: number[]): number | null {
  sameLength(x, y);
  if (!x.length) return null;
  return Math.sqrt(x.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0) / x.length);
}

/** Share of items where both give the same value. */
export function accuracy<T>(x: T[], y: T[]): number | null {
  sameLength(x, y);
  if (!x.length) return null;
  return x.filter((v, i) => v === y[i]).length / x.length;
}

/**
 * Cohen's kappa with quadratic weights over integer ratings min..max (sklearn's
 * cohen_kappa_score(weights='quadratic') with labels min..max): 1 is perfect agreement,
 * 0 what chance gives, below 0 worse than chance.
 */
export function quadraticWeightedKappa(a: number[], b: number[], min: number, max: number): number {
  sameLength(a, b);
  const n = a.length;
  const k = max - min + 1;
  if (n === 0 || k < 2) return 1;
  const observed = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const histA = new Array<number>(k).fill(0);
  const histB = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const x = a[i]! - min;
    const y = b[i]! - min;
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= k || y >= k) throw new Error(`rating out of ${min}..${max} (integers)`);
    observed[x]![y]! += 1;
    histA[x]! += 1;
    histB[y]! += 1;
  }
  let num = 0;
  let den = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const w = (i - j) ** 2 / (k - 1) ** 2;
      num += w * observed[i]![j]!;
      den += w * (histA[i]! * histB[j]!) / n;
    }
  }
  // Both raters gave one and the same rating to everything: agreement is complete.
  if (den === 0) return num === 0 ? 1 : 0;
  return 1 - num / den;
}

/**
 * A share of the maximum (0..1) onto the grid 0, 1/steps, ..., 1: the nearest point, a half
 * rounded up (2.5 of 5 on a grid of 5 steps is 3). The 1e-9 keeps 0.35 * 20 = 6.999... at 7.
 */
export function toGrid(share: number, steps: number): number {
  return Math.min(steps, Math.max(0, Math.floor(share * steps + 0.5 + 1e-9)));
}

export interface LabelCounts {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Items people gave this label. */
  support: number;
}

/** Rows: the first grader's label (`truth`), columns: the second's, in the order of `labels`. */
export function confusionMatrix(truth: string[], predicted: string[], labels: string[]): number[][] {
  sameLength(truth, predicted);
  const index = new Map(labels.map((l, i) => [l, i] as const));
  const m = labels.map(() => new Array<number>(labels.length).fill(0));
  truth.forEach((t, i) => {
    const r = index.get(t);
    const c = index.get(predicted[i]!);
    if (r === undefined || c === undefined) throw new Error(`label out of the set: ${r === undefined ? t : predicted[i]}`);
    m[r]![c]! += 1;
  });
  return m;
}

/**
 * Per-label precision, recall and F1, and their unweighted mean over the labels that occur in
 * either grader's labels (sklearn's f1_score(average='macro') without `labels`): a declared
 * label nobody used is left out, not counted as 0. A 0/0 precision or recall is 0 (sklearn's
 * zero_division default).
 */
export function labelScores(truth: string[], predicted: string[], labels: string[]): { macroF1: number | null; perLabel: LabelCounts[] } {
  const m = confusionMatrix(truth, predicted, labels);
  const perLabel: LabelCounts[] = [];
  labels.forEach((label, i) => {
    const tp = m[i]![i]!;
    const support = m[i]!.reduce((s, v) => s + v, 0);
    const predictedCount = m.reduce((s, row) => s + row[i]!, 0);
    if (support === 0 && predictedCount === 0) return;
    const precision = predictedCount ? tp / predictedCount : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perLabel.push({ label, precision, recall, f1, support });
  });
  const macroF1 = perLabel.length ? perLabel.reduce((s, l) => s + l.f1, 0) / perLabel.length : null;
  return { macroF1, perLabel };
}

/**
 * The p-th percentile (0..100) of sorted values, linear between the closest ranks (numpy's
 * default, Hyndman and Fan's type 7).
 */
export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  const h = (sorted.length - 1) * (p / 100);
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function sameLength(a: unknown[], b: unknown[]): void {
  if (a.length !== b.length) throw new Error('both graders must grade the same items');
}
