/**
 * A host's samples turned into aligned per-interval series: what both the summary and the charts use.
 */
import type { TimeSeriesSample } from '../types';
import { isGoodSample } from '../host-health';
import { intervalValues, memoryCachedBytes, memoryUsedBytes } from './interval-rates';
import type { DiskInterval, IntervalValues } from './interval-rates';
import { sampleTimeMs } from '../timestamps';

/**
 * A stretch without data: no sample for longer than 1.5 × the interval, or a host outage (error samples)
 * from its last good sample to the next.
 */
export interface ReportGap {
  /** Timestamp of the last sample before the gap (ISO). */
  from: string;
  /** Timestamp of the first sample after it (ISO). */
  to: string;
  seconds: number;
}

/** One host's derived series. `intervals[i]` ends at `intervals[i].endMs`; nulls are intervals without rates. */
export interface HostSeries {
  host: string;
  /** The sampled host's own name (first sample's `hostname`). */
  hostname: string | null;
  samples: number;
  errorSamples: number;
  firstMs: number | null;
  lastMs: number | null;
  /** Timestamps (ms) of every sample, in order. */
  sampleMs: number[];
  memoryUsedBytes: Array<number | null>;
  memoryCachedBytes: Array<number | null>;
  intervals: IntervalValues[];
  gaps: ReportGap[];
}

const VIRTUAL_DISK = /^(loop|ram|zram|sr|fd|nbd)\d+$/;
const STACKED_DISK = /^(dm-|md)\d+$/;

/** True when `name` is a partition of another device in `all` (`sda1` of `sda`, `nvme0n1p2` of `nvme0n1`). */
export function isPartition(name: string, all: ReadonlySet<string>): boolean {
  const m = /^(.*?)(p?)(\d+)$/.exec(name);
  if (m === null) return false;
  const base = m[1] ?? '';
  const p = m[2] ?? '';
  return (base + p !== '' && all.has(base + p)) || (p === 'p' && all.has(base));
}

/**
 * The devices whose I/O adds up to the host's disk traffic: whole physical disks, not partitions (counted
 * in their disk), not device-mapper/md volumes (counted in their members) and not loop/ram devices.
 * Falls back to every whole device when that leaves nothing (a VM whose only disks are stacked).
 */
export function aggregateDevices(names: Iterable<string>): Set<string> {
  const all = new Set(names);
  const whole = [...all].filter((n) => !isPartition(n, all) && !VIRTUAL_DISK.test(n));
  const physical = whole.filter((n) => !STACKED_DISK.test(n));
  return new Set(physical.length > 0 ? physical : whole);
}

/** Devices worth a chart line: whole disks and stacked volumes, not partitions or loop/ram devices. */
export function chartableDevice(name: string, all: ReadonlySet<string>): boolean {
  return !VIRTUAL_DISK.test(name) && !isPartition(name, all);
}

/**
 * Builds one host's {@link HostSeries} one sample at a time (in time order), keeping only the derived
 * series and the previous sample: what a streamed report holds per host instead of the samples.
 * Never throws on odd samples.
 */
export class HostSeriesBuilder {
  private readonly sampleMs: number[] = [];
  private readonly used: Array<number | null> = [];
  private readonly cached: Array<number | null> = [];
  private readonly intervals: IntervalValues[] = [];
  private readonly gaps: ReportGap[] = [];
  private readonly gapMs: number;
  private hostname: string | null = null;
  private errorSamples = 0;
  private prev: TimeSeriesSample | null = null;
  private prevMs = NaN;
  private prevGood = false;
  // A host's outage (error samples: it did not answer) is a gap too, from its last good sample (or the
  // first error sample, when it never answered before) to the next good one (or its last error sample).
  // Only the times are kept, never the samples.
  private outageFrom: string | null = null;
  private outageFromMs = NaN;
  private lastErrorTimestamp: string | null = null;
  private lastErrorMs = NaN;

  constructor(
    /** The requested host name (key of `samples_by_host`). */
    readonly host: string,
    intervalSeconds: number,
  ) {
    this.gapMs = intervalSeconds > 0 ? 1.5 * intervalSeconds * 1000 : Infinity;
  }

  /** The host's next sample. */
  add(s: TimeSeriesSample): void {
    if (this.hostname === null && typeof s.hostname === 'string') this.hostname = s.hostname;
    const ms = sampleTimeMs(s) ?? NaN;
    if (!Number.isFinite(ms)) return;
    if (s.errors !== undefined && s.errors !== null && Object.keys(s.errors).length > 0) this.errorSamples++;
    const good = isGoodSample(s);
    const prev = this.prev;
    if (!good) {
      if (this.outageFrom === null) {
        const fromPrev = prev !== null && this.prevGood;
        this.outageFrom = fromPrev ? (prev as TimeSeriesSample).timestamp : s.timestamp;
        this.outageFromMs = fromPrev ? this.prevMs : ms;
      }
      this.lastErrorTimestamp = s.timestamp;
      this.lastErrorMs = ms;
    } else if (this.outageFrom !== null) {
      this.gaps.push({ from: this.outageFrom, to: s.timestamp, seconds: (ms - this.outageFromMs) / 1000 });
      this.outageFrom = null;
    } else if (prev !== null && ms - this.prevMs > this.gapMs) {
      this.gaps.push({ from: prev.timestamp, to: s.timestamp, seconds: (ms - this.prevMs) / 1000 });
    }
    this.sampleMs.push(ms);
    this.used.push(memoryUsedBytes(s));
    this.cached.push(memoryCachedBytes(s));
    if (prev !== null) {
      let v: IntervalValues | null = null;
      try {
        v = intervalValues(prev, s);
      } catch {
        v = null;
      }
      if (v !== null) this.intervals.push(v);
    }
    this.prev = s;
    this.prevMs = ms;
    this.prevGood = good;
  }

  /** The series so far (the builder may go on; the arrays are shared, not copied). */
  result(): HostSeries {
    const gaps = [...this.gaps];
    if (this.outageFrom !== null && this.lastErrorTimestamp !== null && this.lastErrorMs > this.outageFromMs) {
      gaps.push({ from: this.outageFrom, to: this.lastErrorTimestamp, seconds: (this.lastErrorMs - this.outageFromMs) / 1000 });
    }
    const n = this.sampleMs.length;
    return {
      host: this.host,
      hostname: this.hostname,
      samples: n,
      errorSamples: this.errorSamples,
      firstMs: n > 0 ? (this.sampleMs[0] as number) : null,
      lastMs: n > 0 ? (this.sampleMs[n - 1] as number) : null,
      sampleMs: this.sampleMs,
      memoryUsedBytes: this.used,
      memoryCachedBytes: this.cached,
      intervals: this.intervals,
      gaps,
    };
  }
}

/** Derives {@link HostSeries} from one host's samples (in time order). Never throws on odd samples. */
export function buildHostSeries(host: string, samples: readonly TimeSeriesSample[], intervalSeconds: number): HostSeries {
  const builder = new HostSeriesBuilder(host, intervalSeconds);
  for (const s of samples) builder.add(s);
  return builder.result();
}

/** The host totals of one interval over the {@link aggregateDevices} set. */
export interface DiskTotals {
  readBytesPerSec: number;
  writeBytesPerSec: number;
  readIops: number;
  writeIops: number;
  /** Mean read latency over all completed reads (weighted by reads), null when none. */
  readAwaitMs: number | null;
  writeAwaitMs: number | null;
  /** %util of the busiest device. */
  utilPercent: number;
}

/** Sums one interval's disks (see {@link DiskTotals}). */
export function diskTotals(disks: readonly DiskInterval[], include: ReadonlySet<string>): DiskTotals {
  let rb = 0;
  let wb = 0;
  let ri = 0;
  let wi = 0;
  let rw = 0;
  let ww = 0;
  let util = 0;
  for (const d of disks) {
    if (!include.has(d.device)) continue;
    rb += d.readBytesPerSec;
    wb += d.writeBytesPerSec;
    ri += d.readIops;
    wi += d.writeIops;
    if (d.readAwaitMs !== null) rw += d.readAwaitMs * d.readIops;
    if (d.writeAwaitMs !== null) ww += d.writeAwaitMs * d.writeIops;
    util = Math.max(util, d.utilPercent);
  }
  return {
    readBytesPerSec: rb,
    writeBytesPerSec: wb,
    readIops: ri,
    writeIops: wi,
    readAwaitMs: ri > 0 ? rw / ri : null,
    writeAwaitMs: wi > 0 ? ww / wi : null,
    utilPercent: util,
  };
}
