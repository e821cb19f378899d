// Small statistics helpers for the bench's results.

/** The q-quantile (0..1) of `values` by nearest rank; NaN for no values. */
export function quantile(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/** Sorted copy of `values` (numeric order). */
export function sorted(values: number[]): Float64Array {
  return Float64Array.from(values).sort();
}

/** The median of `values`; NaN for none. */
export function median(values: number[]): number {
  return quantile(sorted(values), 0.5);
}

/** Rounds to `digits` decimals (for JSON and tables). */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** p50/p99/p999/max of latencies in ms. */
export interface Percentiles {
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Percentiles of `values` (ms), rounded to µs. */
export function percentiles(values: number[]): Percentiles {
  const s = sorted(values);
  return {
    p50: round(quantile(s, 0.5), 3),
    p99: round(quantile(s, 0.99), 3),
    p999: round(quantile(s, 0.999), 3),
    max: round(s.length ? s[s.length - 1] : Number.NaN, 3),
  };
}
