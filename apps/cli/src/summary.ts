import { deriveRates, formatMilliseconds, type TimeSeriesData, type TimeSeriesSample, type WorkloadIoRecord } from '@mlps/timeseries';
import { storageSummaryLines, type HostStorageSummary } from '@mlps/timeseries/report';

/** Per-host means over a run, from `computeRates`. */
export interface HostRateSummary {
  host: string;
  samples: number;
  /** Mean read/write over the run's intervals, MB/s (10^6 bytes), summed over whole disks. */
  diskReadMBps: number | null;
  diskWriteMBps: number | null;
  /** Mean CPU busy %, all CPUs. */
  cpuBusyPercent: number | null;
  /** The workload's own I/O over the run (first to last sample with `workload_io`), bytes; absent without it. */
  workloadIo?: WorkloadIoTotals;
}

/** The workload's own I/O over a run, bytes. */
export interface WorkloadIoTotals {
  /** From and to storage. */
  readBytes: number;
  writeBytes: number;
  /** Moved by the workload's read and write calls (reads served by the page cache included). */
  rchar: number;
  wchar: number;
}

const VIRTUAL_DEVICE = /^(loop|ram|zram|dm-|md|sr|fd)/;

/**
 * The devices whose traffic is summed: whole disks only. Partitions (`sda1` of `sda`, `nvme0n1p1` of
 * `nvme0n1`), device-mapper, md, loop and ram devices repeat I/O already counted on a disk.
 */
export function wholeDisks(devices: readonly string[]): string[] {
  const set = new Set(devices);
  return devices.filter((d) => {
    if (VIRTUAL_DEVICE.test(d)) return false;
    for (const other of set) {
      if (other !== d && d.startsWith(other) && /^p?\d+$/.test(d.slice(other.length))) return false;
    }
    return true;
  });
}

/** A running mean: the same sum, in the same order, as adding up a list. */
class RunningMean {
  private sum = 0;
  private n = 0;
  add(value: number): void {
    this.sum += value;
    this.n++;
  }
  get value(): number | null {
    return this.n === 0 ? null : this.sum / this.n;
  }
}

/**
 * {@link summarizeHost} one sample at a time, holding only the previous sample: the rates between
 * consecutive samples (`deriveRates`) are folded into running means, so a run's summary is computed
 * while its document is streamed, without keeping the samples.
 */
export class HostRateAccumulator {
  private previous: TimeSeriesSample | null = null;
  private count = 0;
  private readonly reads = new RunningMean();
  private readonly writes = new RunningMean();
  private readonly cpu = new RunningMean();
  private firstIo: WorkloadIoRecord | undefined;
  private lastIo: WorkloadIoRecord | undefined;

  constructor(readonly host: string) {}

  /** The host's next sample (in time order). */
  add(sample: TimeSeriesSample): void {
    const previous = this.previous;
    this.previous = sample;
    this.count++;
    if (sample.workload_io) {
      this.firstIo ??= sample.workload_io;
      this.lastIo = sample.workload_io;
    }
    if (previous === null) return;
    const r = deriveRates(previous, sample);
    if (r === null) return;
    const disks = wholeDisks(Object.keys(r.disks));
    if (disks.length > 0) {
      this.reads.add(disks.reduce((a, d) => a + (r.disks[d]?.readBytesPerSec ?? 0), 0) / 1e6);
      this.writes.add(disks.reduce((a, d) => a + (r.disks[d]?.writeBytesPerSec ?? 0), 0) / 1e6);
    }
    if (r.cpu) this.cpu.add(r.cpu.busy);
  }

  /** The means so far. */
  result(): HostRateSummary {
    const summary: HostRateSummary = { host: this.host, samples: this.count, diskReadMBps: this.reads.value, diskWriteMBps: this.writes.value, cpuBusyPercent: this.cpu.value };
    const first = this.firstIo;
    const last = this.lastIo;
    if (first && last) {
      const d = (k: 'read_bytes' | 'write_bytes' | 'rchar' | 'wchar'): number => Math.max(0, (last[k] ?? 0) - (first[k] ?? 0));
      summary.workloadIo = { readBytes: d('read_bytes'), writeBytes: d('write_bytes'), rchar: d('rchar'), wchar: d('wchar') };
    }
    return summary;
  }
}

/** Means of disk read/write and CPU busy over one host's samples. */
export function summarizeHost(host: string, samples: Iterable<TimeSeriesSample>): HostRateSummary {
  const acc = new HostRateAccumulator(host);
  for (const sample of samples) acc.add(sample);
  return acc.result();
}

/**
 * A run's time series as the summary needs it when the document was streamed (the benchmark keeps no
 * samples): the document's fields, the samples written per host, and per-host means computed during the
 * write ({@link HostRateAccumulator}).
 */
export interface StreamedRunSummary {
  fields: Omit<TimeSeriesData, 'samples_by_host'>;
  samplesPerHost: Record<string, number>;
  /** Per-host means; a host without an entry prints n/a. */
  hostRates: Record<string, HostRateSummary>;
}

function summaryOf(d: TimeSeriesData | StreamedRunSummary): StreamedRunSummary {
  if (!('samples_by_host' in d)) return d;
  const { samples_by_host: byHost, ...fields } = d;
  const samplesPerHost: Record<string, number> = {};
  const hostRates: Record<string, HostRateSummary> = {};
  for (const [host, samples] of Object.entries(byHost)) {
    samplesPerHost[host] = samples.length;
    hostRates[host] = summarizeHost(host, samples);
  }
  return { fields, samplesPerHost, hostRates };
}

function fmt(value: number | null, digits: number): string {
  return value === null ? 'n/a' : value.toFixed(digits);
}

/** What the summary names besides the document. */
export interface SummaryFiles {
  runDir: string;
  document: string | null;
  journal: string | null;
  metadata: string;
  /**
   * False when the journal stopped on a full disk and holds only the first samples (then the summary does
   * not say it has every sample). Default true.
   */
  journalComplete?: boolean;
}

/** The end-of-run summary lines. */
export function formatRunSummary(input: {
  /** mlpstorage's exit code. */
  exitCode: number;
  /**
   * The workload's own exit code when it differs from mlpstorage's (`exec -- sh -c 'exit 7'` exits 1 with
   * a workload code of 7); null when the workload did not run to an exit code. Absent: same as `exitCode`.
   */
  workloadExitCode?: number | null;
  files: SummaryFiles;
  /** The document (small runs, tests) or what the streamed write kept of it; null: not collected. */
  data: TimeSeriesData | StreamedRunSummary | null;
  /**
   * The storage under test per host with its devices' whole-run figures (`StorageSummaryBuilder`): printed
   * first, before the host totals. Absent or empty: nothing printed.
   */
  storage?: readonly HostStorageSummary[];
  runtimeSeconds: number;
  warnings: number;
}): string[] {
  const lines: string[] = [];
  const streamed = input.data === null ? null : summaryOf(input.data);
  const d = streamed?.fields ?? null;
  const journalComplete = input.files.journalComplete !== false;
  lines.push(`results:   ${input.files.runDir}`);
  if (input.files.document) lines.push(`  time series: ${input.files.document}`);
  if (input.files.journal) lines.push(`  journal:     ${input.files.journal}`);
  lines.push(`  metadata:    ${input.files.metadata}`);
  const workloadCode = input.workloadExitCode === undefined ? input.exitCode : input.workloadExitCode;
  const seconds = `${input.runtimeSeconds.toFixed(1)} s`;
  if (workloadCode === null) lines.push(`workload:  no exit code (failed or stopped), ${seconds}; mlpstorage exits ${input.exitCode}`);
  else if (workloadCode !== input.exitCode) lines.push(`workload:  exit code ${workloadCode}, ${seconds}; mlpstorage exits ${input.exitCode}`);
  else lines.push(`workload:  exit code ${workloadCode}, ${seconds}`);
  lines.push(...storageSummaryLines(input.storage ?? []));
  if (!d || !streamed) {
    lines.push(
      input.files.journal === null
        ? 'time series: not collected'
        : `time series: no document written (see the warnings); the journal has ${journalComplete ? 'every sample' : 'only the first samples (it stopped on a full disk)'}`,
    );
  } else {
    const skipped = d.interval_stats?.skipped_ticks ?? 0;
    // At the --max-timeseries-samples cap the document keeps fewer samples than were taken; the journal
    // has them all, and the summary must not make the run look sparser than it was.
    const taken = (host: string): number => Math.max(streamed.samplesPerHost[host] ?? 0, d.host_status?.[host]?.samples ?? 0);
    const collected = Object.keys(streamed.samplesPerHost).reduce((n, h) => n + taken(h), 0);
    // Good samples (with data) and error samples (a host did not answer) apart, as the metadata counts them.
    let errorSamples = 0;
    for (const st of Object.values(d.host_status ?? {})) errorSamples += st.error_samples;
    const split = errorSamples > 0 ? ` (${collected - errorSamples} good, ${errorSamples} error samples)` : '';
    const count =
      collected > d.num_samples
        ? `${collected} samples${split} (${d.num_samples} kept in the document at the --max-timeseries-samples cap; ${journalComplete ? 'the journal has all' : 'the journal stopped on a full disk'})`
        : `${d.num_samples} samples${split}`;
    lines.push(
      `time series: ${count}, hosts ${d.hosts_collected.length}/${d.hosts_requested.length} collected ` +
        `(${d.collection_method}), interval ${d.collection_interval_seconds} s, skipped ticks ${skipped}`,
    );
    const err = d.interval_stats?.interval_error_ms;
    if (err) {
      // The collector's own cadence (issue 5's interval error), worded without "error": nothing failed.
      lines.push(`  cadence: sample start vs schedule p99 ${formatMilliseconds(err.p99)}, mean ${formatMilliseconds(err.mean)}, max ${formatMilliseconds(err.max)}`);
    }
    const rows = Object.keys(streamed.samplesPerHost).map(
      (host) =>
        streamed.hostRates[host] ?? { host, samples: streamed.samplesPerHost[host] ?? 0, diskReadMBps: null, diskWriteMBps: null, cpuBusyPercent: null },
    );
    const width = Math.max(4, ...rows.map((r) => r.host.length));
    // `missed`: the host's error samples (ticks it did not answer).
    lines.push(`  ${'host'.padEnd(width)}  samples  missed  status   read MB/s  write MB/s  CPU %`);
    for (const r of rows) {
      const status = d.host_status?.[r.host]?.status ?? '-';
      const errors = d.host_status?.[r.host]?.error_samples;
      lines.push(
        `  ${r.host.padEnd(width)}  ${String(taken(r.host)).padStart(7)}  ${(errors === undefined ? '-' : String(errors)).padStart(6)}  ${status.padEnd(7)}  ${fmt(r.diskReadMBps, 2).padStart(9)}  ` +
          `${fmt(r.diskWriteMBps, 2).padStart(10)}  ${fmt(r.cpuBusyPercent, 1).padStart(5)}`,
      );
    }
    // The storage section above already says it for the hosts it covers.
    const told = new Set((input.storage ?? []).filter((h) => h.workloadIo !== null).map((h) => h.host));
    for (const r of rows) if (r.workloadIo && !told.has(r.host)) lines.push(formatWorkloadIo(r.host, r.workloadIo, rows.length > 1));
  }
  if (input.warnings > 0) lines.push(`warnings:  ${input.warnings} (see the metadata)`);
  return lines;
}

const MB = 1e6;

/**
 * One line of the workload's own I/O: what it moved to and from storage, and what its calls moved (the
 * part of its reads the page cache served, when it read anything).
 */
export function formatWorkloadIo(host: string, io: WorkloadIoTotals, nameHost: boolean): string {
  // rchar counts every byte a read call returned: from storage, the page cache, pipes or devices.
  const cached = io.rchar > 0 ? ` (${Math.max(0, Math.min(100, ((io.rchar - io.readBytes) / io.rchar) * 100)).toFixed(0)}% not from storage: page cache, pipes, devices)` : '';
  return (
    `  workload I/O${nameHost ? ` (${host})` : ''}: storage read ${(io.readBytes / MB).toFixed(1)} MB, write ${(io.writeBytes / MB).toFixed(1)} MB; ` +
    `its calls read ${(io.rchar / MB).toFixed(1)} MB${cached} and wrote ${(io.wchar / MB).toFixed(1)} MB`
  );
}
