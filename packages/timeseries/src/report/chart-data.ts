/**
 * The data embedded in the HTML report (and served to the live page): one time axis, one chart per metric
 * family, one series per host and device, the gaps and the run's metadata, all pre-computed so the page
 * only draws.
 */
import type { TimeSeriesData } from '../types';
import { activeDevices, activeInterfaces, buildAllHostSeries, buildReportFromSeries } from './build-report';
import type { ReportMeta, RunReport } from './build-report';
import { chartableDevice } from './host-series';
import type { HostStorageSummary } from './storage-summary';
import type { HostSeries } from './host-series';
import type { DiskInterval } from './interval-rates';

/** One line of a chart. `values` align with {@link ReportChartData.x}; null where the host has no value. */
export interface ChartSeries {
  label: string;
  host: string;
  /** Device or interface the line belongs to (toggled with the device checkboxes); absent for host-wide lines. */
  device?: string;
  dashed?: boolean;
  colorIndex: number;
  values: Array<number | null>;
}

/** One chart (metric family). */
export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  series: ChartSeries[];
}

/** Everything the report page draws. */
export interface ReportChartData {
  title: string;
  /** Run facts and metadata, as label/value rows. */
  meta: Array<[string, string]>;
  parameters: Array<[string, string]>;
  hosts: Array<{ name: string; hostname: string | null; status: string | null; samples: number; gaps: number; lastError: string | null }>;
  intervalSeconds: number;
  /** Time axis, epoch seconds (union of every host's sample times). */
  x: number[];
  charts: ChartSpec[];
  gaps: Array<{ host: string; from: number; to: number }>;
  live: boolean;
  refreshSeconds: number;
  /** The storage under test and its devices' whole-run figures (shown first, above the charts). */
  storage?: HostStorageSummary[];
}

/** Options of {@link buildReportChartData}. */
export interface ChartDataOptions {
  /** Page polls `data.json` for updates (the live server). */
  live?: boolean;
  refreshSeconds?: number;
}

const MB = 1e6;
const GIB = 1024 ** 3;

function scalarText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x))) return v.join(', ');
  return null;
}

/** Flattens nested objects to `a.b.c` rows (depth-limited), for display. */
export function flattenForDisplay(obj: Record<string, unknown>, prefix = '', depth = 0, out: Array<[string, string]> = []): Array<[string, string]> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    const text = scalarText(v);
    if (text !== null) out.push([key, text]);
    else if (typeof v === 'object' && v !== null && !Array.isArray(v) && depth < 3) flattenForDisplay(v as Record<string, unknown>, key, depth + 1, out);
    else if (v !== null && v !== undefined) out.push([key, JSON.stringify(v).slice(0, 500)]);
  }
  return out;
}

/** Metadata fields shown in the header, in this order, when present. */
const META_KEYS = ['benchmark_type', 'model', 'command', 'run_datetime', 'datetime', 'status', 'result', 'num_processes', 'accelerator', 'hosts', 'runtime'];

function metaRows(report: RunReport): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  const m = report.meta;
  if (m.benchmark !== undefined) rows.push(['benchmark', m.benchmark]);
  const md = m.metadata ?? {};
  const shown = new Set<string>();
  for (const k of META_KEYS) {
    if (k === 'benchmark_type' && md[k] === m.benchmark) continue;
    // The metadata keeps the runtime to the nanosecond (20.128510936); a header reads it in seconds.
    const runtime = md[k];
    const t = k === 'runtime' && typeof runtime === 'number' && Number.isFinite(runtime) ? `${runtime.toFixed(1)} s` : scalarText(md[k]);
    if (t !== null) {
      rows.push([k, t]);
      shown.add(k);
    }
  }
  for (const [k, v] of Object.entries(md)) {
    if (shown.has(k) || k === 'parameters' || k === 'args') continue;
    if (k === 'benchmark_type' && md[k] === m.benchmark) continue;
    const t = scalarText(v);
    if (t !== null && t.length <= 300) rows.push([k, t]);
  }
  rows.push(['start', report.startTime ?? '-']);
  rows.push(['end', report.endTime ?? '-']);
  if (report.durationSeconds !== null) rows.push(['duration', `${report.durationSeconds.toFixed(1)} s`]);
  rows.push(['interval', `${report.intervalSeconds} s`]);
  rows.push(['collection method', report.collectionMethod]);
  rows.push(['hosts', `${report.hostsCollected.length} of ${report.hostsRequested.length} collected (${report.hostsRequested.join(', ')})`]);
  rows.push(['samples', String(report.numSamples)]);
  if (report.skippedTicks !== null) rows.push(['skipped ticks', String(report.skippedTicks)]);
  if (m.source !== undefined) rows.push(['source', m.source]);
  return rows;
}

class ChartBuilder {
  readonly series: ChartSeries[] = [];
  /** Lines of one host and device (read and write, rx and tx) share a colour; each group gets the next one. */
  private readonly colours = new Map<string, number>();
  constructor(
    private readonly index: ReadonlyMap<number, number>,
    private readonly length: number,
  ) {}

  add(points: Iterable<readonly [number, number | null]>, spec: Omit<ChartSeries, 'values' | 'colorIndex'> & { group: string }): void {
    const values: Array<number | null> = new Array<number | null>(this.length).fill(null);
    let any = false;
    for (const [ms, v] of points) {
      const i = this.index.get(ms);
      if (i === undefined || v === null || !Number.isFinite(v)) continue;
      values[i] = v;
      any = true;
    }
    if (!any) return;
    let colorIndex = this.colours.get(spec.group);
    if (colorIndex === undefined) {
      colorIndex = this.colours.size;
      this.colours.set(spec.group, colorIndex);
    }
    const { group: _group, ...rest } = spec;
    this.series.push({ ...rest, colorIndex, values });
  }
}

/**
 * Builds the chart data of a run: disk throughput, IOPS, await, %util (per host and active whole device or
 * volume; writes dashed), network (per active interface; tx dashed), CPU % by mode, memory used (cache
 * dashed) and PSI where present, one series per host and device.
 */
export function buildReportChartData(data: TimeSeriesData, meta?: ReportMeta, options: ChartDataOptions = {}): ReportChartData {
  const all = buildAllHostSeries(data);
  return chartDataFromSeries(buildReportFromSeries(data, all, meta), all, options);
}

/** {@link buildReportChartData} from an already built report and its host series. */
export function chartDataFromSeries(report: RunReport, all: readonly HostSeries[], options: ChartDataOptions = {}): ReportChartData {
  const times = new Set<number>();
  for (const s of all) for (const ms of s.sampleMs) times.add(ms);
  const x = [...times].sort((a, b) => a - b);
  const index = new Map<number, number>(x.map((ms, i) => [ms, i]));
  const mk = (): ChartBuilder => new ChartBuilder(index, x.length);
  const tput = mk();
  const iops = mk();
  const wait = mk();
  const util = mk();
  const net = mk();
  const cpu = mk();
  const mem = mk();
  const psi = mk();
  for (const s of all) {
    const { all: names, active } = activeDevices(s);
    const devices = [...active].filter((d) => chartableDevice(d, names)).sort();
    for (const dev of devices) {
      const pick = <T>(f: (d: DiskInterval) => T): Array<[number, T | null]> =>
        s.intervals.map((iv) => {
          const d = iv.disks.find((x) => x.device === dev);
          return [iv.endMs, d === undefined ? null : f(d)];
        });
      const base = { host: s.host, device: dev, group: `${s.host}\0${dev}` };
      tput.add(pick((d) => d.readBytesPerSec / MB), { ...base, label: `${s.host} ${dev} read` });
      tput.add(pick((d) => d.writeBytesPerSec / MB), { ...base, label: `${s.host} ${dev} write`, dashed: true });
      iops.add(pick((d) => d.readIops), { ...base, label: `${s.host} ${dev} read` });
      iops.add(pick((d) => d.writeIops), { ...base, label: `${s.host} ${dev} write`, dashed: true });
      wait.add(pick((d) => d.readAwaitMs), { ...base, label: `${s.host} ${dev} r_await` });
      wait.add(pick((d) => d.writeAwaitMs), { ...base, label: `${s.host} ${dev} w_await`, dashed: true });
      util.add(pick((d) => d.utilPercent), { ...base, label: `${s.host} ${dev} %util` });
    }
    for (const iface of [...activeInterfaces(s)].sort()) {
      const pick = (f: (n: { rxBytesPerSec: number; txBytesPerSec: number }) => number): Array<[number, number | null]> =>
        s.intervals.map((iv) => {
          const n = iv.nets.find((x) => x.iface === iface);
          return [iv.endMs, n === undefined ? null : f(n)];
        });
      const base = { host: s.host, device: iface, group: `${s.host}\0${iface}` };
      net.add(pick((n) => n.rxBytesPerSec / MB), { ...base, label: `${s.host} ${iface} rx` });
      net.add(pick((n) => n.txBytesPerSec / MB), { ...base, label: `${s.host} ${iface} tx`, dashed: true });
    }
    const modes = new Map<string, number>();
    for (const iv of s.intervals) for (const [m, v] of Object.entries(iv.cpu ?? {})) modes.set(m, Math.max(modes.get(m) ?? 0, v));
    for (const mode of ['user', 'system', 'iowait', 'nice', 'irq', 'softirq', 'steal']) {
      // Always the three that matter; the rest only when they showed up.
      if (!['user', 'system', 'iowait'].includes(mode) && (modes.get(mode) ?? 0) < 0.5) continue;
      cpu.add(
        s.intervals.map((iv) => [iv.endMs, iv.cpu?.[mode] ?? null] as const),
        { host: s.host, label: `${s.host} ${mode}`, group: `${s.host}\0${mode}`, dashed: mode === 'iowait' },
      );
    }
    mem.add(s.sampleMs.map((ms, i) => [ms, toGiB(s.memoryUsedBytes[i])] as const), { host: s.host, label: `${s.host} used`, group: s.host });
    mem.add(s.sampleMs.map((ms, i) => [ms, toGiB(s.memoryCachedBytes[i])] as const), { host: s.host, label: `${s.host} cache`, group: s.host, dashed: true });
    const keys = new Set<string>();
    for (const iv of s.intervals) for (const k of Object.keys(iv.psi)) keys.add(k);
    for (const k of [...keys].sort()) {
      psi.add(
        s.intervals.map((iv) => [iv.endMs, iv.psi[k] ?? null] as const),
        { host: s.host, label: `${s.host} ${k.replace('_', ' ')}`, group: `${s.host}\0${k.replace(/_(some|full)$/, '')}`, dashed: k.endsWith('_full') },
      );
    }
  }
  const charts: ChartSpec[] = [
    { id: 'disk-throughput', title: 'Disk throughput', unit: 'MB/s', series: tput.series },
    { id: 'disk-iops', title: 'Disk IOPS', unit: 'IO/s', series: iops.series },
    { id: 'disk-await', title: 'Disk await', unit: 'ms', series: wait.series },
    { id: 'disk-util', title: 'Disk utilisation', unit: '%', series: util.series },
    { id: 'network', title: 'Network', unit: 'MB/s', series: net.series },
    { id: 'cpu', title: 'CPU by mode', unit: '%', series: cpu.series },
    { id: 'memory', title: 'Memory', unit: 'GiB', series: mem.series },
    { id: 'psi', title: 'Pressure stall (PSI)', unit: '% of time', series: psi.series },
  ].filter((c) => c.series.length > 0);
  const gaps = report.hosts.flatMap((h) => h.gaps.map((g) => ({ host: h.host, from: Date.parse(g.from) / 1000, to: Date.parse(g.to) / 1000 })));
  return {
    title: report.title,
    meta: metaRows(report),
    parameters: report.meta.parameters !== undefined ? flattenForDisplay(report.meta.parameters) : [],
    hosts: report.hosts.map((h) => ({ name: h.host, hostname: h.hostname, status: h.status, samples: h.samples, gaps: h.gaps.length, lastError: h.lastError })),
    intervalSeconds: report.intervalSeconds,
    x: x.map((ms) => ms / 1000),
    charts,
    gaps,
    live: options.live === true,
    refreshSeconds: options.refreshSeconds ?? Math.max(1, Math.min(10, report.intervalSeconds)),
    storage: report.storage,
  };
}

function toGiB(b: number | null | undefined): number | null {
  return b === null || b === undefined ? null : b / GIB;
}
