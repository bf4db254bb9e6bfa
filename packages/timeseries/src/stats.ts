/**
 * Summary statistics for schedules and benchmarks: exact mean and max, percentiles from a bounded
 * reservoir, so a week-long run costs the same memory as a minute-long one.
 */

/**
 * `1.23 ms` for a duration in milliseconds. A value that rounds to zero prints as `0.00 ms`, never
 * `-0.00 ms` (a sample that started a few microseconds before its schedule is on time, not early).
 */
export function formatMilliseconds(ms: number): string {
  const text = ms.toFixed(2);
  return `${/^-0\.0+$/.test(text) ? text.slice(1) : text} ms`;
}

/** Mean, median, 99th percentile and maximum of a list of values. */
export interface Summary {
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Nearest-rank percentile (`p` in 0..100) of values already sorted ascending; `NaN` for an empty list.
 * Nearest-rank returns a value that really occurred, which is what a reader of "p99 = 1.8 ms" expects.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  return sorted[rank - 1] as number;
}

/**
 * `{ mean, p50, p99, max }` of `values` (nearest-rank percentiles). An empty list gives all zeros, so the
 * result always serialises as numbers; callers that must distinguish "no data" check the length first.
 */
export function summarize(values: ArrayLike<number>): Summary {
  const n = values.length;
  if (n === 0) return { mean: 0, p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  return {
    mean: sum / n,
    p50: percentileSorted(sorted, 50),
    p99: percentileSorted(sorted, 99),
    max: sorted[n - 1] as number,
  };
}

/** Default number of values a {@link StreamingStats} keeps for its percentiles. */
export const DEFAULT_RESERVOIR_SIZE = 8192;

/**
 * Running statistics with bounded memory: count, mean, min and max are exact over every value added;
 * percentiles come from a uniform reservoir sample (Vitter's algorithm R) of at most `capacity` values,
 * exact while fewer values than that were added. The random source is a fixed-seed xorshift so runs are
 * reproducible.
 */
export class StreamingStats {
  private readonly reservoir: Float64Array;
  private filled = 0;
  private n = 0;
  /**
   * Sum, minimum and maximum in a typed array rather than fields: a double field is boxed anew on each
   * write in unoptimized code, and `add` runs every tick.
   */
  private readonly acc = Float64Array.of(0, Infinity, -Infinity);
  /** The xorshift state, in a typed array: as a field, a value above 2^30 would be boxed on each write. */
  private readonly rng = Uint32Array.of(0x9e3779b9);

  constructor(capacity: number = DEFAULT_RESERVOIR_SIZE) {
    this.reservoir = new Float64Array(Math.max(1, Math.floor(capacity)));
  }

  /** Adds one value; non-finite values are ignored (they would poison the mean). */
  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.n++;
    const acc = this.acc;
    acc[0] = (acc[0] as number) + value;
    if (value < (acc[1] as number)) acc[1] = value;
    if (value > (acc[2] as number)) acc[2] = value;
    if (this.filled < this.reservoir.length) {
      this.reservoir[this.filled++] = value;
      return;
    }
    const j = this.nextRandom() % this.n;
    if (j < this.reservoir.length) this.reservoir[j] = value;
  }

  /** Number of values added. */
  get count(): number {
    return this.n;
  }

  /** Exact mean of every value added (0 when none). */
  get mean(): number {
    return this.n === 0 ? 0 : (this.acc[0] as number) / this.n;
  }

  /** Exact maximum (`-Infinity` when none). */
  get max(): number {
    return this.acc[2] as number;
  }

  /** Exact minimum (`Infinity` when none). */
  get min(): number {
    return this.acc[1] as number;
  }

  /** A copy of the retained values (all of them while fewer than the capacity were added). */
  values(): number[] {
    return Array.from(this.reservoir.subarray(0, this.filled));
  }

  /** Summary with exact mean and max and reservoir percentiles; `null` when no value was added. */
  summary(): Summary | null {
    if (this.n === 0) return null;
    const sorted = this.reservoir.slice(0, this.filled).sort();
    return {
      mean: (this.acc[0] as number) / this.n,
      p50: percentileSorted(sorted, 50),
      p99: percentileSorted(sorted, 99),
      max: this.acc[2] as number,
    };
  }

  private nextRandom(): number {
    const state = this.rng;
    let x = state[0] as number;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    state[0] = x;
    return state[0] as number;
  }
}
