import { percentile } from './metrics.ts';

/**
 * Pure: 95% intervals by the percentile bootstrap. Items are drawn with replacement as many
 * times as there are items, the statistic is computed on each of `resamples` draws, and the
 * 2.5th and 97.5th percentiles of those values are the interval. Draws come from a seeded
 * generator (mulberry32), so a report can be made again to the digit; every statistic of one
 * report uses the same seed, hence the same draws for the same items: model-vs-human and
 * human-vs-human intervals on the same items are paired.
 */
export interface BootstrapSettings {
  resamples: number;
  seed: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapSettings = { resamples: 1000, seed: 16 };

export interface Interval {
  low: number | null;
  high: number | null;
  /** Draws where the statistic was defined (Pearson's r of a constant draw is not). */
  used: number;
}

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `statistic` gets the indices of one draw (0..n-1, with repeats). */
export function bootstrapInterval(n: number, statistic: (indices: number[]) => number | null, settings: BootstrapSettings = DEFAULT_BOOTSTRAP): Interval {
  if (n === 0) return { low: null, high: null, used: 0 };
  const random = seededRandom(settings.seed);
  const values: number[] = [];
  const indices = new Array<number>(n);
  for (let r = 0; r < settings.resamples; r++) {
    for (let i = 0; i < n; i++) indices[i] = Math.floor(random() * n);
    const v = statistic(indices);
    if (v !== null && Number.isFinite(v)) values.push(v);
  }
  values.sort((a, b) => a - b);
  return { low: percentile(values, 2.5), high: percentile(values, 97.5), used: values.length };
}
