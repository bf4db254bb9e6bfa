/**
 * Seeded pseudo-random numbers for the workloads. Record sizes and the per-epoch sample order must be
 * reproducible from a seed (a rerun reads the same dataset in the same order), which `Math.random` is not.
 */

/** A seeded generator of uniform numbers in [0, 1) (mulberry32: tiny, fast, good enough for shuffling). */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    // Mixing the seed once keeps nearby seeds (epoch 1, 2, 3) from starting on correlated streams.
    this.state = (Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0;
  }

  /** The next uniform number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal deviate (Box-Muller). */
  nextNormal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** Shuffles `values` in place (Fisher-Yates) with `random`, and returns it. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(values: T, random: SeededRandom): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    const tmp = values[i];
    values[i] = values[j];
    values[j] = tmp;
  }
  return values;
}
