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

/** Derives {@link HostSeries} from one host's samples (in time order). Never throws on odd samples. */
export function buildHostSeries(host: string, samples: readonly TimeSeriesSample[], intervalSeconds: number): HostSeries {
  const sampleMs: number[] = [];
  const used: Array<number | null> = [];
  const cached: Array<number | null> = [];
  const intervals: IntervalValues[] = [];
  const gaps: ReportGap[] = [];
  let errorSamples = 0;
  let prev: TimeSeriesSample | null = null;
  let prevMs = NaN;
  // A host's outage (error samples: it did not answer) is a gap too, from its last good sample (or the
  // first error sample, when it never answered before) to the next good one (or its last error sample).
  let outageFrom: TimeSeriesSample | null = null;
  let outageFromMs = NaN;
  let lastErrorSample: TimeSeriesSample | null = null;
  let lastErrorMs = NaN;
  const gapMs = intervalSeconds > 0 ? 1.5 * intervalSeconds * 1000 : Infinity;
  for (const s of samples) {
    const ms = sampleTimeMs(s) ?? NaN;
    if (!Number.isFinite(ms)) continue;
    if (s.errors !== undefined && s.errors !== null && Object.keys(s.errors).length > 0) errorSamples++;
    const good = isGoodSample(s);
    if (!good) {
      if (outageFrom === null) {
        outageFrom = prev !== null && isGoodSample(prev) ? prev : s;
        outageFromMs = outageFrom === s ? ms : prevMs;
      }
      lastErrorSample = s;
      lastErrorMs = ms;
    } else if (outageFrom !== null) {
      gaps.push({ from: outageFrom.timestamp, to: s.timestamp, seconds: (ms - outageFromMs) / 1000 });
      outageFrom = null;
    } else if (prev !== null && ms - prevMs > gapMs) {
      gaps.push({ from: prev.timestamp, to: s.timestamp, seconds: (ms - prevMs) / 1000 });
    }
    sampleMs.push(ms);
    used.push(memoryUsedBytes(s));
    cached.push(memoryCachedBytes(s));
    if (prev !== null) {
      let v: IntervalValues | null = null;
      try {
        v = intervalValues(prev, s);
      } catch {
        v = null;
      }
      if (v !== null) intervals.push(v);
    }
    prev = s;
    prevMs = ms;
  }
  if (outageFrom !== null && lastErrorSample !== null && lastErrorMs > outageFromMs) {
    gaps.push({ from: outageFrom.timestamp, to: lastErrorSample.timestamp, seconds: (lastErrorMs - outageFromMs) / 1000 });
  }
  const first = samples.find((s) => typeof s.hostname === 'string');
  return {
    host,
    hostname: first?.hostname ?? null,
    samples: sampleMs.length,
    errorSamples,
    firstMs: sampleMs[0] ?? null,
    lastMs: sampleMs[sampleMs.length - 1] ?? null,
    sampleMs,
    memoryUsedBytes: used,
    memoryCachedBytes: cached,
    intervals,
    gaps,
  };
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
