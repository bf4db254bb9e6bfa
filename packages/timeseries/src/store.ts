/**
 * Bounded, compact per-host sample storage (DESIGN §4 "Bounds"). Samples are kept encoded (see
 * `compact.ts`: a shared layout per shape, numbers as varint deltas packed into large shared byte chunks),
 * about 1–2 KB each instead of ~40 KB of objects, and decoded on read. At `maxSamples` the overflow policy
 * decides what is kept: `decimate` (default) halves the resolution so the whole run stays covered,
 * `keep-first` stops storing like the Python reference.
 */
import {
  buildLayout,
  ByteWriter,
  decodeValues,
  encodeValues,
  type ExternalFields,
  type Layout,
  matchLayout,
  materialize,
  rebaseLayout,
} from './compact';
import { invalidArgument } from './errors';
import { isPackedSample, type PackedSample } from './packed-sample';
import { formatReferenceTimestamp } from './timestamps';
import type { TimeSeriesSample } from './types';

/** What happens when a store holds `maxSamples` samples and another one arrives. */
export type OverflowPolicy = 'decimate' | 'keep-first';

/** The overflow policies, for validation and help texts. */
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['decimate', 'keep-first'];

/** Passed to {@link SampleStoreOptions.onCapReached}. */
export interface CapReachedInfo {
  maxSamples: number;
  overflow: OverflowPolicy;
  /** Samples pushed so far, including the one that hit the cap. */
  totalPushed: number;
}

/** Options of {@link SampleStore}. */
export interface SampleStoreOptions {
  /** Most samples kept (an integer ≥ 1). */
  maxSamples: number;
  /**
   * `decimate` (default): at the cap, drop every other stored sample and from then on keep every 2nd
   * (then 4th, … each time the cap is reached again), always keeping the newest sample as well, so the
   * kept samples span the whole run evenly. `keep-first`: keep the first `maxSamples`, drop the rest.
   */
  overflow?: OverflowPolicy;
  /** Called once, the first time the cap is reached (for a single warning, not one per sample). */
  onCapReached?: (info: CapReachedInfo) => void;
}

interface Extras {
  /** Timestamp text when it is not the reference form (`formatReferenceTimestamp`) of `timestampMs`. */
  timestamp?: string;
  hasErrors: boolean;
  errors?: unknown;
  errorsAt: number;
  /** The whole sample, for the rare sample the codec cannot describe (kept as a private copy). */
  raw?: unknown;
}

interface LayoutState {
  layout: Layout;
  createdAt: number;
}

/** Shared chunks start small (a short run must not pay for a big buffer) and double up to this size. */
const CHUNK_BYTES = 64 * 1024;
const FIRST_CHUNK_BYTES = 4 * 1024;
/** Samples a layout serves at least before it may be rebased (bounds the cost of base vectors). */
const MIN_SAMPLES_PER_BASE = 64;
/** Recently used layouts tried before building a new one (devices that come and go). */
const RECENT_LAYOUTS = 8;

function copyOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  try {
    return structuredClone(value);
  } catch {
    return value; // functions or symbols inside: not clonable, keep the reference
  }
}

/**
 * Compact bounded storage for one host's samples.
 *
 * @example
 * const store = new SampleStore({ maxSamples: 3600, onCapReached: () => log.warn('cap reached') });
 * store.push(sample);
 * const samples = store.toArray(); // decoded copies, oldest first
 */
export class SampleStore {
  /** The cap. */
  readonly maxSamples: number;
  /** The overflow policy in force. */
  readonly overflow: OverflowPolicy;
  private readonly onCapReached: ((info: CapReachedInfo) => void) | undefined;
  private capNotified = false;
  private pushed = 0;
  private strideValue = 1;
  private tail = false;

  // One entry per stored sample, in parallel arrays (no object per sample).
  private idx: number[] = [];
  private layouts: (Layout | null)[] = [];
  private chunks: (Uint8Array | null)[] = [];
  private offsets: number[] = [];
  private lengths: number[] = [];
  private times: number[] = [];
  private hosts: (string | undefined)[] = [];
  private extras: (Extras | undefined)[] = [];

  private chunk: Uint8Array = new Uint8Array(0);
  private chunkPos = 0;
  /** Where the last {@link SampleStore.place} put its bytes. */
  private placedChunk: Uint8Array = this.chunk;
  private placedOffset = 0;
  private bytesUsed = 0;
  private readonly recent: LayoutState[] = [];
  private readonly writer = new ByteWriter();
  private readonly scratch = { values: new Float64Array(1024) };
  private readonly external: ExternalFields = {
    timestamp: undefined,
    hostname: undefined,
    hasErrors: false,
    errors: undefined,
    errorsAt: -1,
  };

  constructor(options: SampleStoreOptions) {
    const { maxSamples } = options;
    if (typeof maxSamples !== 'number' || !Number.isInteger(maxSamples) || maxSamples < 1) {
      throw invalidArgument(`maxSamples must be an integer >= 1, got ${String(maxSamples)}`);
    }
    const overflow = options.overflow ?? 'decimate';
    if (!OVERFLOW_POLICIES.includes(overflow)) {
      throw invalidArgument(`overflow must be 'decimate' or 'keep-first', got ${JSON.stringify(overflow)}`);
    }
    this.maxSamples = maxSamples;
    this.overflow = overflow;
    this.onCapReached = options.onCapReached;
  }

  /** Samples currently kept. */
  get length(): number {
    return this.idx.length;
  }

  /** Samples ever pushed. */
  get totalPushed(): number {
    return this.pushed;
  }

  /** Samples pushed but not kept (overflow). */
  get dropped(): number {
    return this.pushed - this.idx.length;
  }

  /** Decimation stride: 1 until the cap is first reached, then 2, 4, … (`decimate` only). */
  get stride(): number {
    return this.strideValue;
  }

  /** Bytes of encoded sample data currently referenced (excludes layouts and bookkeeping). */
  get encodedBytes(): number {
    return this.bytesUsed;
  }

  /** Push number (0-based) of each kept sample, oldest first: shows which part of the run is covered. */
  pushIndices(): number[] {
    return this.idx.slice();
  }

  /**
   * Stores a copy of `sample` (compactly) if the overflow policy keeps it; returns whether it was kept.
   * Never throws for odd samples: what the codec cannot describe is kept as a private copy.
   */
  push(sample: TimeSeriesSample): boolean {
    const index = this.admit();
    if (index < 0) return false;
    this.append(sample, index);
    return true;
  }

  /**
   * As {@link SampleStore.push}, for a sample given as its shape's values (see {@link PackedSample}): the
   * values are encoded as they are, no object is read or made.
   */
  pushPacked(sample: PackedSample): boolean {
    const index = this.admit();
    if (index < 0) return false;
    this.appendPacked(sample, index);
    return true;
  }

  /**
   * Stores the closing sample of a run (taken by `stop()`): it is always kept, as the newest sample, so
   * the kept samples reach the run's end. It is not subject to the cap: with a full store it is kept
   * beyond `maxSamples` (at most `maxSamples + 1` kept; under `decimate` it replaces a newest sample that
   * is off the decimation grid instead). Push nothing after it.
   */
  pushClosing(sample: TimeSeriesSample | PackedSample): true {
    const index = this.pushed++;
    // Under `decimate` an off-grid newest sample is only kept until a newer one arrives: this one.
    if (this.tail) this.removeLast();
    this.tail = false;
    if (isPackedSample(sample)) this.appendPacked(sample, index);
    else this.append(sample, index);
    return true;
  }

  /**
   * Counts a pushed sample and applies the overflow policy: returns the push index when the sample is to
   * be kept (appended at once by the caller), -1 when it is not.
   */
  private admit(): number {
    const index = this.pushed++;
    if (this.overflow === 'keep-first') {
      if (this.idx.length >= this.maxSamples) {
        this.notifyCap();
        return -1;
      }
      return index;
    }
    if (this.tail) this.removeLast();
    this.tail = false;
    if (this.idx.length >= this.maxSamples) {
      this.notifyCap();
      while (this.idx.length >= this.maxSamples && this.idx.length > 1) this.halve();
      if (this.idx.length >= this.maxSamples) return -1; // maxSamples 1: only the first is kept
    }
    this.tail = index % this.strideValue !== 0;
    return index;
  }

  /** Decoded copy of kept sample `i` (0 = oldest), or undefined when out of range. */
  at(i: number): TimeSeriesSample | undefined {
    if (!Number.isInteger(i) || i < 0 || i >= this.idx.length) return undefined;
    return this.decode(i);
  }

  /** Decoded copies of every kept sample, oldest first. */
  toArray(): TimeSeriesSample[] {
    const out = new Array<TimeSeriesSample>(this.idx.length);
    for (let i = 0; i < out.length; i++) out[i] = this.decode(i);
    return out;
  }

  private notifyCap(): void {
    if (this.capNotified) return;
    this.capNotified = true;
    try {
      this.onCapReached?.({ maxSamples: this.maxSamples, overflow: this.overflow, totalPushed: this.pushed });
    } catch {
      // A failing warning callback must not lose the sample.
    }
  }

  private append(sample: TimeSeriesSample, index: number): void {
    const ext = this.external;
    const state = this.findLayout(sample, index);
    if (!state) {
      this.pushEntry(index, null, null, 0, 0, NaN, undefined, {
        hasErrors: false,
        errorsAt: -1,
        raw: copyOf(sample),
      });
      return;
    }
    const layout = this.encode(state, this.scratch.values, index);
    const chunk = this.placedChunk;
    const offset = this.placedOffset;
    const length = this.writer.pos;
    let timeMs = NaN;
    let extras: Extras | undefined;
    if (ext.timestamp !== undefined) {
      const ms = Date.parse(ext.timestamp);
      if (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 && formatReferenceTimestamp(ms) === ext.timestamp) timeMs = ms;
      else extras = { timestamp: ext.timestamp, hasErrors: false, errorsAt: -1 };
    }
    if (ext.hasErrors) {
      extras ??= { hasErrors: false, errorsAt: -1 };
      extras.hasErrors = true;
      extras.errors = copyOf(ext.errors);
      extras.errorsAt = ext.errorsAt;
    }
    this.pushEntry(index, layout, chunk, offset, length, timeMs, ext.hostname, extras);
  }

  private appendPacked(sample: PackedSample, index: number): void {
    const shapeRoot = sample.shape.layout.root;
    const recent = this.recent;
    let state: LayoutState | undefined;
    for (let r = 0; r < recent.length; r++) {
      if ((recent[r] as LayoutState).layout.root !== shapeRoot) continue;
      state = recent[r] as LayoutState;
      if (r > 0) {
        recent.splice(r, 1);
        recent.unshift(state);
      }
      break;
    }
    if (state === undefined) {
      state = { layout: sample.shape.layout, createdAt: index };
      recent.unshift(state);
      if (recent.length > RECENT_LAYOUTS) recent.pop();
    }
    const layout = this.encode(state, sample.values, index);
    // The timestamp text is the reference form of the sample's time: keep the time, format on decode.
    this.pushEntry(index, layout, this.placedChunk, this.placedOffset, this.writer.pos, sample.wallMs, sample.hostname, undefined);
  }

  /**
   * Encodes `values` against the state's layout (rebasing it when deltas grew large) and places the bytes
   * ({@link SampleStore.placedChunk}, {@link SampleStore.placedOffset}, length `writer.pos`); returns the
   * layout used. Results go in fields, not a tuple: this runs every tick and allocates nothing.
   */
  private encode(state: LayoutState, values: Float64Array, index: number): Layout {
    let layout = state.layout;
    const w = this.writer;
    w.reset();
    encodeValues(values, layout.base, layout.slots, w);
    if (w.pos > (layout.slots >> 1) + 128 && index - state.createdAt >= MIN_SAMPLES_PER_BASE) {
      // Counters have moved far from the base (runs of unchanged values broke up, deltas grew): start a
      // new base; its 8 bytes a slot are shared by at least MIN_SAMPLES_PER_BASE samples.
      layout = rebaseLayout(layout, values);
      state.layout = layout;
      state.createdAt = index;
      w.reset();
      encodeValues(values, layout.base, layout.slots, w);
    }
    this.place(w.buf, w.pos);
    return layout;
  }

  private findLayout(sample: TimeSeriesSample, index: number): LayoutState | null {
    const recent = this.recent;
    for (let r = 0; r < recent.length; r++) {
      const state = recent[r] as LayoutState;
      if (matchLayout(state.layout, sample, this.external, this.scratch)) {
        if (r > 0) {
          recent.splice(r, 1);
          recent.unshift(state);
        }
        return state;
      }
    }
    const layout = buildLayout(sample, this.external, this.scratch);
    if (!layout) return null;
    const state = { layout, createdAt: index };
    recent.unshift(state);
    if (recent.length > RECENT_LAYOUTS) recent.pop();
    return state;
  }

  /** Copies `length` bytes into the shared chunks; where they went is left in `placedChunk`/`placedOffset`. */
  private place(bytes: Uint8Array, length: number): void {
    this.bytesUsed += length;
    if (length > CHUNK_BYTES / 4) {
      // Large samples get their own exact-size buffer instead of wasting chunk space.
      this.placedChunk = bytes.slice(0, length);
      this.placedOffset = 0;
      return;
    }
    if (this.chunkPos + length > this.chunk.length) {
      let size = Math.min(CHUNK_BYTES, Math.max(FIRST_CHUNK_BYTES, this.chunk.length * 2));
      while (size < length) size *= 2;
      this.chunk = new Uint8Array(size);
      this.chunkPos = 0;
    }
    const chunk = this.chunk;
    const offset = this.chunkPos;
    for (let i = 0; i < length; i++) chunk[offset + i] = bytes[i] as number;
    this.chunkPos += length;
    this.placedChunk = chunk;
    this.placedOffset = offset;
  }

  private pushEntry(
    index: number,
    layout: Layout | null,
    chunk: Uint8Array | null,
    offset: number,
    length: number,
    timeMs: number,
    hostname: string | undefined,
    extras: Extras | undefined,
  ): void {
    this.idx.push(index);
    this.layouts.push(layout);
    this.chunks.push(chunk);
    this.offsets.push(offset);
    this.lengths.push(length);
    this.times.push(timeMs);
    this.hosts.push(hostname);
    this.extras.push(extras);
  }

  /** Forgets the newest entry (a superseded "newest sample" between decimation strides). */
  private removeLast(): void {
    const chunk = this.chunks.pop();
    const offset = this.offsets.pop() as number;
    const length = this.lengths.pop() as number;
    this.idx.pop();
    this.layouts.pop();
    this.times.pop();
    this.hosts.pop();
    this.extras.pop();
    this.bytesUsed -= length;
    // It was the last write into the current chunk: reclaim its bytes.
    if (chunk === this.chunk && offset + length === this.chunkPos) this.chunkPos = offset;
  }

  /** Doubles the stride: keeps the entries on the new grid and repacks their bytes into fresh chunks. */
  private halve(): void {
    const stride = this.strideValue * 2;
    this.strideValue = stride;
    const old = {
      idx: this.idx,
      layouts: this.layouts,
      chunks: this.chunks,
      offsets: this.offsets,
      lengths: this.lengths,
      times: this.times,
      hosts: this.hosts,
      extras: this.extras,
    };
    this.idx = [];
    this.layouts = [];
    this.chunks = [];
    this.offsets = [];
    this.lengths = [];
    this.times = [];
    this.hosts = [];
    this.extras = [];
    this.chunk = new Uint8Array(0);
    this.chunkPos = 0;
    this.bytesUsed = 0;
    for (let i = 0; i < old.idx.length; i++) {
      const index = old.idx[i] as number;
      if (index % stride !== 0) continue;
      const src = old.chunks[i] ?? null;
      const offset = old.offsets[i] as number;
      const length = old.lengths[i] as number;
      let chunk: Uint8Array | null = null;
      let at = 0;
      if (src) {
        this.place(src.subarray(offset, offset + length), length);
        chunk = this.placedChunk;
        at = this.placedOffset;
      }
      this.pushEntry(index, old.layouts[i] ?? null, chunk, at, length, old.times[i] as number, old.hosts[i], old.extras[i]);
    }
  }

  private decode(i: number): TimeSeriesSample {
    const layout = this.layouts[i];
    const extras = this.extras[i];
    if (!layout) return copyOf(extras?.raw) as TimeSeriesSample;
    const values = this.scratch;
    if (values.values.length < layout.slots) values.values = new Float64Array(layout.slots);
    decodeValues(this.chunks[i] as Uint8Array, this.offsets[i] as number, layout.base, layout.slots, values.values);
    const time = this.times[i] as number;
    const ext: ExternalFields = {
      timestamp: extras?.timestamp ?? (Number.isNaN(time) ? undefined : formatReferenceTimestamp(time)),
      hostname: this.hosts[i],
      hasErrors: extras?.hasErrors ?? false,
      errors: extras?.hasErrors ? copyOf(extras.errors) : undefined,
      errorsAt: extras?.errorsAt ?? -1,
    };
    return materialize(layout, values.values, ext) as unknown as TimeSeriesSample;
  }

  /**
   * The kept samples, oldest first, each decoded when the iteration reaches it: a fresh object per step
   * that the store does not retain, so walking a host's samples holds one decoded sample at a time (what
   * the streamed document writer relies on; `toArray()` holds them all). Read-only: it changes nothing.
   * Iterate a store nobody pushes to (a stopped run); a push during the iteration may decimate the store
   * under it, and the iteration then ends at the store's new length.
   *
   * @example
   * for (const sample of store.samples()) out.write(JSON.stringify(sample));
   */
  *samples(): IterableIterator<TimeSeriesSample> {
    for (let i = 0; i < this.idx.length; i++) yield this.decode(i);
  }
}
