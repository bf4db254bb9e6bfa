import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { join, relative } from 'node:path';
import {
  DeviceFiguresAccumulator,
  deriveRates,
  MlpsError,
  storageDevices,
  type DeviceRunFigures,
  type StorageUnderTestMap,
  type TimeSeriesSample,
} from '@mlps/timeseries';
import { storageEntryLine, storageUnderTestOf } from '@mlps/timeseries/report';
import { streamTimeSeriesSamples } from '@mlps/timeseries/export';
import { findRunFiles } from '@mlps/timeseries/report';
import { wholeDisks } from './summary';

/**
 * `reports reportgen`: the summary `mlpstorage` writes for a results tree — `results.json` (a list of
 * `BenchmarkRun.as_dict()`: `run_id`, `benchmark_type`, `model`, `command`, `num_processes`,
 * `parameters`, `system_info`, `metrics`, `accelerator`) and `results.csv` (each row flattened with `.`,
 * columns the sorted union, NaN dropped) — plus, ours beside them, the run's time-series figures under
 * `timeseries.*`: samples, hosts, disk and network throughput, CPU. Memory stays bounded: one run at a
 * time, its samples streamed (one per host held), the rows written one by one.
 */

/** One run of the results tree, as a `results.json` entry. */
export type RunRow = Record<string, unknown>;

/** What {@link generateReports} did. */
export interface ReportgenResult {
  rows: RunRow[];
  /** Run directories that were skipped, with why (as mlpstorage's warnings). */
  skipped: Array<{ dir: string; reason: string }>;
  jsonFile: string;
  csvFile: string;
}

/** Directories with a run: exactly one `*_metadata.json`, or a DLIO `summary.json` (as mlpstorage's get_runs_files). */
export function findRunDirectories(root: string, skipped: ReportgenResult['skipped']): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (err) {
      skipped.push({ dir, reason: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      return;
    }
    const metadata = names.filter((n) => n.endsWith('_metadata.json'));
    if (metadata.length > 1) skipped.push({ dir, reason: `multiple metadata files found (${metadata.length})` });
    else if (metadata.length === 1 || names.includes('summary.json')) out.push(dir);
    for (const n of names) {
      const p = join(dir, n);
      let isDir = false;
      try {
        isDir = statSync(p).isDirectory();
      } catch {
        isDir = false;
      }
      if (isDir) walk(p);
    }
  };
  walk(root);
  return out;
}

function readJson(path: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const round = (v: number, digits = 3): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** Running mean and maximum of one figure, without keeping the values. */
class MeanMax {
  count = 0;
  sum = 0;
  max = -Infinity;
  add(v: number): void {
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
  }
  get mean(): number | null {
    return this.count === 0 ? null : this.sum / this.count;
  }
}

interface HostFigures {
  prev: TimeSeriesSample | null;
  /** Every device's first and last counters: the storage map is known only after the samples (it follows them in the document). */
  devices: DeviceFiguresAccumulator;
  read: MeanMax;
  write: MeanMax;
  rx: MeanMax;
  tx: MeanMax;
  busy: MeanMax;
  iowait: MeanMax;
}

const sumOver = (hosts: HostFigures[], pick: (h: HostFigures) => number | null): number | null => {
  const values = hosts.map(pick).filter((v): v is number => v !== null);
  return values.length === 0 ? null : round(values.reduce((a, b) => a + b, 0));
};
const meanOver = (hosts: HostFigures[], pick: (h: HostFigures) => number | null): number | null => {
  const values = hosts.map(pick).filter((v): v is number => v !== null);
  return values.length === 0 ? null : round(values.reduce((a, b) => a + b, 0) / values.length);
};

/**
 * The time-series figures of a run directory (null when it has none), streamed sample by sample from its
 * document (or its journal when the document is missing), so memory holds one sample per host whatever
 * the run's size: samples, hosts, per host mean (and peak) disk throughput summed over whole disks (the
 * run summary's rule: partitions, dm, md, loop not counted twice) and network throughput (not `lo`), then
 * summed over hosts (MB/s, 10^6 bytes), and CPU busy/iowait % averaged over hosts.
 */
export async function timeseriesFigures(dir: string, metadata?: Record<string, unknown> | null): Promise<Record<string, unknown> | null> {
  const names = readdirSync(dir);
  if (!names.some((n) => n.endsWith('_timeseries.json') || n.endsWith('_timeseries.jsonl'))) return null;
  const files = findRunFiles(dir);
  const source = files.document ?? files.journal;
  if (source === null) return null;
  const hosts = new Map<string, HostFigures>();
  let errorSamples = 0;
  const stream = streamTimeSeriesSamples(source);
  let step = await stream.next();
  while (!step.done) {
    const { host, sample } = step.value;
    let h = hosts.get(host);
    if (!h) {
      h = { prev: null, devices: new DeviceFiguresAccumulator(() => true), read: new MeanMax(), write: new MeanMax(), rx: new MeanMax(), tx: new MeanMax(), busy: new MeanMax(), iowait: new MeanMax() };
      hosts.set(host, h);
    }
    h.devices.add(sample);
    if (!sample.diskstats && !sample.netdev && !sample.cpu) {
      errorSamples++;
    } else {
      const r = h.prev ? deriveRates(h.prev, sample) : null;
      if (r) {
        const disks = wholeDisks(Object.keys(r.disks));
        if (disks.length > 0) {
          h.read.add(disks.reduce((a, d) => a + (r.disks[d]?.readBytesPerSec ?? 0), 0) / 1e6);
          h.write.add(disks.reduce((a, d) => a + (r.disks[d]?.writeBytesPerSec ?? 0), 0) / 1e6);
        }
        const ifaces = Object.keys(r.net).filter((i) => i !== 'lo');
        if (ifaces.length > 0) {
          h.rx.add(ifaces.reduce((a, i) => a + (r.net[i]?.rxBytesPerSec ?? 0), 0) / 1e6);
          h.tx.add(ifaces.reduce((a, i) => a + (r.net[i]?.txBytesPerSec ?? 0), 0) / 1e6);
        }
        if (r.cpu) {
          h.busy.add(r.cpu.busy);
          h.iowait.add(r.cpu.iowait);
        }
      }
      h.prev = sample;
    }
    step = await stream.next();
  }
  const fields = step.value.fields;
  const list = [...hosts.values()];
  const requested = Array.isArray(fields.hosts_requested) ? fields.hosts_requested.length : hosts.size;
  const collected = Array.isArray(fields.hosts_collected) ? fields.hosts_collected.length : null;
  const started = typeof fields.start_time_ms === 'number' ? fields.start_time_ms : Date.parse(String(fields.start_time ?? ''));
  const ended = typeof fields.end_time_ms === 'number' ? fields.end_time_ms : Date.parse(String(fields.end_time ?? ''));
  const storage = storageFigures(storageUnderTestOf(fields as { storage_under_test?: StorageUnderTestMap }, metadata ?? undefined), hosts);
  return {
    // The storage under test first (issue 12), then the host totals.
    ...storage,
    file: relative(dir, source),
    from_journal: source === files.journal,
    num_samples: typeof fields.num_samples === 'number' ? fields.num_samples : step.value.samples,
    error_samples: errorSamples,
    hosts: requested,
    hosts_collected: collected,
    collection_method: fields.collection_method ?? null,
    interval_seconds: fields.collection_interval_seconds ?? null,
    duration_seconds: Number.isFinite(started) && Number.isFinite(ended) ? round((ended - started) / 1000) : null,
    disk_read_MBps_mean: sumOver(list, (h) => h.read.mean),
    disk_write_MBps_mean: sumOver(list, (h) => h.write.mean),
    disk_read_MBps_max: sumOver(list, (h) => (h.read.count ? h.read.max : null)),
    disk_write_MBps_max: sumOver(list, (h) => (h.write.count ? h.write.max : null)),
    net_rx_MBps_mean: sumOver(list, (h) => h.rx.mean),
    net_tx_MBps_mean: sumOver(list, (h) => h.tx.mean),
    cpu_busy_percent_mean: meanOver(list, (h) => h.busy.mean),
    cpu_iowait_percent_mean: meanOver(list, (h) => h.iowait.mean),
  };
}

/**
 * The storage-under-test figures of a run for `results.json`: summed over hosts (`storage_write_MBps`, …,
 * over each host's storage devices, whole run) and per host (`storage_under_test.<host>`: where each
 * directory lives and its devices' figures). Nothing when the run recorded no storage under test.
 */
function storageFigures(map: StorageUnderTestMap | null, hosts: Map<string, HostFigures>): Record<string, unknown> {
  if (map === null || Object.keys(map).length === 0) return {};
  const perHost: Record<string, unknown> = {};
  const all: DeviceRunFigures[] = [];
  const names: string[] = [];
  for (const [host, entries] of Object.entries(map)) {
    const wanted = new Set(storageDevices(entries));
    const figures = (hosts.get(host)?.devices.result() ?? []).filter((d) => wanted.has(d.device));
    const devices: Record<string, unknown> = {};
    for (const d of figures) {
      names.push(`${host}:${d.device}`);
      if (d.figures === null) {
        devices[d.device] = null;
        continue;
      }
      all.push(d.figures);
      const f = d.figures;
      devices[d.device] = {
        write_MBps: round(f.writeMBps), read_MBps: round(f.readMBps), write_bytes: f.writeBytes, read_bytes: f.readBytes,
        write_iops: round(f.writeIops), read_iops: round(f.readIops),
        write_avg_request_KiB: f.writeAvgRequestKiB === null ? null : round(f.writeAvgRequestKiB),
        read_avg_request_KiB: f.readAvgRequestKiB === null ? null : round(f.readAvgRequestKiB),
        write_await_ms: f.writeAwaitMs === null ? null : round(f.writeAwaitMs),
        read_await_ms: f.readAwaitMs === null ? null : round(f.readAwaitMs),
        util_percent: f.utilPercent === null ? null : round(f.utilPercent),
        seconds: round(f.seconds),
      };
    }
    perHost[host] = { where: (Array.isArray(entries) ? entries : []).map(storageEntryLine), devices };
  }
  const sum = (pick: (f: DeviceRunFigures) => number): number | null => (all.length === 0 ? null : round(all.reduce((a, f) => a + pick(f), 0)));
  return {
    storage_devices: names,
    storage_write_MBps: sum((f) => f.writeMBps),
    storage_read_MBps: sum((f) => f.readMBps),
    storage_write_iops: sum((f) => f.writeIops),
    storage_read_iops: sum((f) => f.readIops),
    storage_util_percent_max: all.length === 0 ? null : round(Math.max(...all.map((f) => f.utilPercent ?? 0))),
    storage_under_test: perHost,
  };
}

/**
 * One `results.json` entry from a run directory, as mlpstorage's `BenchmarkRun.as_dict()` built from the
 * metadata file (falling back to the `args` it records, and to a DLIO `summary.json` for `metrics` and
 * `num_processes`). Null (and a reason) when the directory has neither a readable metadata file nor a summary.
 */
export async function runRow(dir: string): Promise<{ row: RunRow } | { reason: string }> {
  const names = readdirSync(dir);
  const metadataName = names.find((n) => n.endsWith('_metadata.json'));
  const metadata = metadataName ? readJson(join(dir, metadataName)) : null;
  const summary = names.includes('summary.json') ? readJson(join(dir, 'summary.json')) : null;
  if (!metadata && !summary) return { reason: metadataName ? `${metadataName} is not a JSON object` : 'summary.json is not a JSON object' };
  const m = metadata ?? {};
  const args = (typeof m.args === 'object' && m.args !== null ? m.args : {}) as Record<string, unknown>;
  const benchmarkType = (m.benchmark_type ?? null) as string | null;
  const command = (m.command ?? args.command ?? null) as string | null;
  const model = (m.model ?? args.model ?? null) as string | null;
  const runDatetime = (m.run_datetime ?? (summary ? summary.start : null) ?? '') as string;
  const numProcesses = m.num_processes ?? args.num_processes ?? summary?.num_accelerators ?? 0;
  const accelerator = m.accelerator ?? args.accelerator_type ?? null;
  // mlpstorage's `metrics`, a DLIO summary's `metric`, or the built-in engine's `results`.
  const metrics = m.metrics ?? (summary ? (summary.metric ?? null) : null) ?? m.results ?? null;
  // RunID.__str__: program, then _command and _model when set, then _datetime.
  let runId = benchmarkType ?? '';
  if (command) runId += `_${command}`;
  if (model) runId += `_${model}`;
  runId += `_${runDatetime}`;
  const row: RunRow = {
    run_id: runId,
    benchmark_type: benchmarkType,
    model,
    command,
    num_processes: numProcesses,
    parameters: m.parameters ?? {},
    system_info: m.system_info ?? null,
    metrics,
  };
  if (accelerator) row.accelerator = String(accelerator);
  // Ours beside them: where the run is, how it ended, and its time series.
  row.result_dir = dir;
  if (typeof m.exit_code === 'number') row.exit_code = m.exit_code;
  try {
    const figures = await timeseriesFigures(dir, metadata);
    if (figures) row.timeseries = figures;
  } catch (err) {
    row.timeseries = { error: (err as Error).message };
  }
  return { row };
}

/** `{'a': {'b': 1}}` → `{'a.b': 1}`, as mlpstorage's flatten_nested_dict (lists stay whole). */
export function flattenRow(value: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) flattenRow(v as Record<string, unknown>, key, out);
    else if (typeof v === 'number' && Number.isNaN(v)) continue;
    else out[key] = v;
  }
  return out;
}

/** A value as Python's `str()` writes it in a CSV cell (None → empty, True/False, lists as repr). */
export function pythonCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return pythonRepr(v);
}

function pythonRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v.includes("'") && !v.includes('"') ? `"${v}"` : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pythonRepr).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pythonRepr(k)}: ${pythonRepr(x)}`).join(', ')}}`;
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function writeStreamed(path: string, write: (out: WriteStream) => Promise<void>): Promise<void> {
  const out = createWriteStream(path);
  const done = finished(out);
  try {
    await Promise.race([write(out), done]);
  } finally {
    out.end();
  }
  await done;
}

async function put(out: WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await new Promise<void>((r) => out.once('drain', r));
}

/**
 * Reads every run under `resultsDir` and writes `results.json` and `results.csv` into `outputDir`
 * (default `resultsDir`, as mlpstorage; created when missing), one run at a time (one run's document in memory at most), the
 * files written row by row. Throws `IO_ERROR` when `resultsDir` does not exist.
 */
export async function generateReports(options: { resultsDir: string; outputDir?: string }): Promise<ReportgenResult> {
  if (!existsSync(options.resultsDir)) throw new MlpsError('IO_ERROR', `results directory not found: ${options.resultsDir}`);
  const outputDir = options.outputDir ?? options.resultsDir;
  const skipped: ReportgenResult['skipped'] = [];
  const rows: RunRow[] = [];
  for (const dir of findRunDirectories(options.resultsDir, skipped)) {
    const r = await runRow(dir);
    if ('row' in r) rows.push(r.row);
    else skipped.push({ dir, reason: r.reason });
  }
  try {
    mkdirSync(outputDir, { recursive: true });
  } catch (err) {
    throw new MlpsError('IO_ERROR', `cannot create the output directory ${outputDir}: ${(err as Error).message}`, { cause: err });
  }
  const jsonFile = join(outputDir, 'results.json');
  const csvFile = join(outputDir, 'results.csv');
  try {
    await writeStreamed(jsonFile, async (out) => {
      await put(out, rows.length === 0 ? '[]' : '[\n');
      for (let i = 0; i < rows.length; i++) {
        const text = JSON.stringify(rows[i], null, 2).replace(/^/gm, '  ');
        await put(out, `${text}${i < rows.length - 1 ? ',' : ''}\n`);
      }
      if (rows.length > 0) await put(out, ']');
    });
    const flat = rows.map((r) => flattenRow(r));
    const columns = [...new Set(flat.flatMap((r) => Object.keys(r)))].sort();
    await writeStreamed(csvFile, async (out) => {
      await put(out, `${columns.map(csvField).join(',')}\n`);
      for (const r of flat) await put(out, `${columns.map((c) => csvField(pythonCell(r[c]))).join(',')}\n`);
    });
  } catch (err) {
    throw new MlpsError('IO_ERROR', `cannot write the report into ${outputDir}: ${(err as Error).message}`, { cause: err });
  }
  return { rows, skipped, jsonFile, csvFile };
}
