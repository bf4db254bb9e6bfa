/**
 * A sample as numbers: the values of a known sample shape, in the order the store's codec and the
 * journal's rows both use (`timestamp_ms`, then every numeric leaf in document order). The local sampler
 * produces one per tick without building an object; the engine stores and journals it as it is, and a
 * sample object is made only when someone asks ({@link PackedSample.toSample}).
 */
import { materialize, type Layout } from './compact';
import { formatReferenceTimestamp } from './timestamps';
import type { TimeSeriesSample } from './types';

/** A sample shape: the store codec's layout and the journal's template of the same skeleton. */
export interface SampleShape {
  /** The codec layout (slot 0 is `timestamp_ms`). */
  readonly layout: Layout;
  /** The journal template: the sample's skeleton, numeric leaves `null` (see `JournalWriter.appendLayout`). */
  readonly template: unknown;
  /** Values per sample: `timestamp_ms` plus the numeric leaves (= the layout's slots). */
  readonly slots: number;
}

const PACKED: unique symbol = Symbol.for('mlps.PackedSample') as typeof PACKED;

/**
 * One sample as its shape and values. The object and its `values` are reused by the producer from tick
 * to tick: a consumer copies what it keeps (the store encodes it, the journal formats it) before the
 * next sample is taken.
 */
export class PackedSample {
  readonly [PACKED] = true;
  /** The shape the values belong to. */
  shape: SampleShape;
  /** `timestamp_ms`, then the numeric leaves. */
  values: Float64Array;
  /** The sampled machine's own name (the sample's `hostname`). */
  hostname: string;
  /** Wall-clock milliseconds the sample was taken at (its `timestamp` is the reference form of it). */
  wallMs: number;

  constructor(shape: SampleShape, values: Float64Array, hostname: string, wallMs: number) {
    this.shape = shape;
    this.values = values;
    this.hostname = hostname;
    this.wallMs = wallMs;
  }

  /** The sample object (a new one on each call). */
  toSample(): TimeSeriesSample {
    return materialize(this.shape.layout, this.values, {
      timestamp: formatReferenceTimestamp(this.wallMs),
      hostname: this.hostname,
      hasErrors: false,
      errors: undefined,
      errorsAt: -1,
    }) as unknown as TimeSeriesSample;
  }
}

/** True for a {@link PackedSample} (also one made by another copy of this package). */
export function isPackedSample(value: unknown): value is PackedSample {
  return value !== null && typeof value === 'object' && (value as { [PACKED]?: unknown })[PACKED] === true;
}
