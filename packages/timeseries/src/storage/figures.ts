/**
 * What the storage under test did over a run: per device, the counters of the first and the last sample
 * that have it, turned into whole-run figures (bytes, MB/s, IOPS, average request size, await,
 * utilisation) as `iostat` computes them over one interval spanning the run. Streaming: one sample at a
 * time, a few numbers kept per selected device, so a 64-host × 3600-sample run costs nothing extra.
 */
import type { TimeSeriesSample } from '../types';
import { sampleTimeMs } from '../timestamps';
import type { StorageUnderTest } from './resolve';

/** A device's figures over the run (MB = 10^6 bytes, KiB = 1024 bytes). */
export interface DeviceRunFigures {
  device: string;
  /** Seconds between the first and the last sample with the device (the host's uptime clock when sampled). */
  seconds: number;
  readBytes: number;
  writeBytes: number;
  readMBps: number;
  writeMBps: number;
  readIops: number;
  writeIops: number;
  /** Bytes per completed read, KiB (iostat's `rareq-sz`); null without reads. */
  readAvgRequestKiB: number | null;
  writeAvgRequestKiB: number | null;
  /** Mean time per completed read, ms (iostat's `r_await`); null without reads. */
  readAwaitMs: number | null;
  writeAwaitMs: number | null;
  /** Share of the run the device was busy, % (iostat's `%util`); null when the kernel gives no busy time. */
  utilPercent: number | null;
}

// Counter slots kept per device.
const READS = 0;
const SECTORS_READ = 1;
const TIME_READING = 2;
const WRITES = 3;
const SECTORS_WRITTEN = 4;
const TIME_WRITING = 5;
const TIME_BUSY = 6;
const FIELDS = ['reads_completed', 'sectors_read', 'time_reading_ms', 'writes_completed', 'sectors_written', 'time_writing_ms', 'time_doing_ios_ms'];

interface Mark {
  /** Milliseconds on the best clock both ends have (uptime when sampled, else the timestamp). */
  uptimeMs: number | null;
  wallMs: number | null;
  counters: Float64Array;
}

interface DeviceTrack {
  first: Mark;
  last: Mark;
}

/** Reads a record's counters into `out`; false when a needed one is missing. */
function readCounters(record: Record<string, unknown>, out: Float64Array): boolean {
  for (let i = 0; i < FIELDS.length; i++) {
    const v = record[FIELDS[i] as string];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      if (i === TIME_BUSY) {
        out[i] = NaN;
        continue;
      }
      return false;
    }
    out[i] = v;
  }
  return true;
}

/**
 * Folds a host's samples (in time order) into whole-run figures of the devices `select` picks. A counter
 * that goes backwards (the device was re-created) restarts the device's span at that sample. Never throws.
 */
export class DeviceFiguresAccumulator {
  private readonly tracks = new Map<string, DeviceTrack>();
  private readonly picked = new Map<string, boolean>();
  private readonly scratch = new Float64Array(FIELDS.length);

  constructor(private readonly select: (device: string) => boolean) {}

  /** The host's next sample. */
  add(sample: TimeSeriesSample): void {
    const list = sample.diskstats;
    if (!Array.isArray(list) || list.length === 0) return;
    const uptime = typeof sample.uptime_seconds === 'number' && Number.isFinite(sample.uptime_seconds) ? sample.uptime_seconds * 1000 : null;
    const wall = sampleTimeMs(sample) ?? null;
    if (uptime === null && wall === null) return;
    for (const record of list) {
      const name = (record as { device_name?: unknown }).device_name;
      if (typeof name !== 'string') continue;
      let pick = this.picked.get(name);
      if (pick === undefined) {
        pick = this.select(name);
        this.picked.set(name, pick);
      }
      if (!pick) continue;
      const c = this.scratch;
      if (!readCounters(record as unknown as Record<string, unknown>, c)) continue;
      const track = this.tracks.get(name);
      if (track === undefined) {
        const mark: Mark = { uptimeMs: uptime, wallMs: wall, counters: Float64Array.from(c) };
        this.tracks.set(name, { first: mark, last: mark });
        continue;
      }
      let reset = false;
      for (let i = 0; i < FIELDS.length; i++) if ((c[i] as number) < (track.last.counters[i] as number)) reset = true;
      if (reset) {
        const mark: Mark = { uptimeMs: uptime, wallMs: wall, counters: Float64Array.from(c) };
        track.first = mark;
        track.last = mark;
      } else if (track.last === track.first) {
        track.last = { uptimeMs: uptime, wallMs: wall, counters: Float64Array.from(c) };
      } else {
        // The last mark is this track's own: overwrite it (no allocation per device and sample).
        track.last.uptimeMs = uptime;
        track.last.wallMs = wall;
        track.last.counters.set(c);
      }
    }
  }

  /** The devices selected so far, sorted by name, with their figures (null: fewer than two samples). */
  result(): Array<{ device: string; figures: DeviceRunFigures | null }> {
    return [...this.tracks.keys()].sort().map((device) => ({ device, figures: figuresOf(device, this.tracks.get(device) as DeviceTrack) }));
  }
}

function figuresOf(device: string, t: DeviceTrack): DeviceRunFigures | null {
  const a = t.first;
  const b = t.last;
  const ms =
    a.uptimeMs !== null && b.uptimeMs !== null && b.uptimeMs > a.uptimeMs
      ? b.uptimeMs - a.uptimeMs
      : a.wallMs !== null && b.wallMs !== null
        ? b.wallMs - a.wallMs
        : 0;
  if (!(ms > 0)) return null;
  const seconds = ms / 1000;
  const d = (i: number): number => (b.counters[i] as number) - (a.counters[i] as number);
  const reads = d(READS);
  const writes = d(WRITES);
  const readBytes = d(SECTORS_READ) * 512;
  const writeBytes = d(SECTORS_WRITTEN) * 512;
  const busy = d(TIME_BUSY);
  return {
    device,
    seconds,
    readBytes,
    writeBytes,
    readMBps: readBytes / seconds / 1e6,
    writeMBps: writeBytes / seconds / 1e6,
    readIops: reads / seconds,
    writeIops: writes / seconds,
    readAvgRequestKiB: reads > 0 ? readBytes / reads / 1024 : null,
    writeAvgRequestKiB: writes > 0 ? writeBytes / writes / 1024 : null,
    readAwaitMs: reads > 0 ? d(TIME_READING) / reads : null,
    writeAwaitMs: writes > 0 ? d(TIME_WRITING) / writes : null,
    utilPercent: Number.isFinite(busy) ? Math.min(100, (busy / ms) * 100) : null,
  };
}

/**
 * A matcher of device names from `--devices`: comma-separated shell globs (`*`, `?`, `[…]`), e.g.
 * `nvme*n1,dm-*`. An empty pattern matches nothing.
 */
export function deviceGlobMatcher(pattern: string): (device: string) => boolean {
  const parts = pattern
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const regexes = parts.map((p) => {
    let re = '';
    for (let i = 0; i < p.length; i++) {
      const ch = p[i] as string;
      if (ch === '*') re += '.*';
      else if (ch === '?') re += '.';
      else if (ch === '[') {
        const close = p.indexOf(']', i + 1);
        if (close > i + 1) {
          const body = p.slice(i + 1, close).replace(/\\/g, '\\\\');
          re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
          i = close;
        } else re += '\\[';
      } else re += ch.replace(/[.+^${}()|\\\]]/g, '\\$&');
    }
    return new RegExp(`^${re}$`);
  });
  return (device) => regexes.some((r) => r.test(device));
}

/** The devices of a host's storage under test (each once, in entry order). */
export function storageDevices(entries: readonly StorageUnderTest[] | undefined): string[] {
  const out: string[] = [];
  for (const e of entries ?? []) for (const d of Array.isArray(e.devices) ? e.devices : []) if (typeof d === 'string' && !out.includes(d)) out.push(d);
  return out;
}

/**
 * What a host's storage summary is about: the devices `--devices` picks (a glob) when given, else the
 * devices of its storage under test. `selected` says which rule applied.
 */
export function storageDeviceSelector(options: {
  entries: readonly StorageUnderTest[] | undefined;
  devicesGlob?: string | undefined;
}): { select: (device: string) => boolean; selected: 'glob' | 'storage-under-test' | 'none' } {
  if (options.devicesGlob !== undefined && options.devicesGlob.trim() !== '') return { select: deviceGlobMatcher(options.devicesGlob), selected: 'glob' };
  const devices = new Set(storageDevices(options.entries));
  if (devices.size === 0) return { select: () => false, selected: 'none' };
  return { select: (d) => devices.has(d), selected: 'storage-under-test' };
}
