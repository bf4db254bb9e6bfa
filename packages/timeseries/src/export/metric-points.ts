/**
 * The flat view of one sample that the exports write: every counter and gauge as a point with its raw value
 * and unit (as recorded, for CSV) and its OpenMetrics family, labels and base-unit value (node_exporter names
 * where node_exporter has one, so existing Grafana dashboards and PromQL work unchanged).
 */
import type { TimeSeriesSample } from '../types';

/** Kernel sector size for `/proc/diskstats` (always 512 bytes, whatever the device's block size). */
export const SECTOR_BYTES = 512;
/** USER_HZ: `/proc/stat` CPU times are in 1/100 s on every Linux architecture userland sees. */
export const USER_HZ = 100;

/** An OpenMetrics metric family. `name` excludes the `_total` suffix of counters. */
export interface OpenMetricsFamily {
  name: string;
  type: 'counter' | 'gauge' | 'unknown';
  /** Base unit (`bytes`, `seconds`) or `''`; when set, `name` ends with `_<unit>` as OpenMetrics requires. */
  unit: string;
  help: string;
}

/** One value of one sample. */
export interface MetricPoint {
  /** The sample source (`diskstats`, `netdev`, `cpu`, `meminfo`, `vmstat`, `loadavg`, `pressure`, `uptime`). */
  source: string;
  /** Device, interface, CPU (`cpu0`, or `cpu` for the aggregate) or PSI resource; `''` when none. */
  device: string;
  /** Field name as recorded in the sample (`sectors_read`, `MemAvailable`, `some_total`). */
  metric: string;
  /** Value as recorded. */
  value: number;
  /** Unit of {@link value} (`sectors`, `ms`, `kB`, `ticks`, `us`, `bytes`, `count`, …). */
  unit: string;
  family: OpenMetricsFamily;
  /** Labels besides `host`, in order. */
  labels: ReadonlyArray<readonly [string, string]>;
  /** {@link value} in the family's base unit. */
  baseValue: number;
}

type FieldSpec = readonly [field: string, unit: string, family: OpenMetricsFamily, scale: number];

const counter = (name: string, unit: string, help: string): OpenMetricsFamily => ({ name, type: 'counter', unit, help });
const gauge = (name: string, unit: string, help: string): OpenMetricsFamily => ({ name, type: 'gauge', unit, help });

const DISK_FIELDS: readonly FieldSpec[] = [
  ['reads_completed', 'count', counter('node_disk_reads_completed', '', 'The total number of reads completed successfully.'), 1],
  ['reads_merged', 'count', counter('node_disk_reads_merged', '', 'The total number of reads merged.'), 1],
  ['sectors_read', 'sectors', counter('node_disk_read_bytes', 'bytes', 'The total number of bytes read successfully.'), SECTOR_BYTES],
  ['time_reading_ms', 'ms', counter('node_disk_read_time_seconds', 'seconds', 'The total number of seconds spent by all reads.'), 1 / 1000],
  ['writes_completed', 'count', counter('node_disk_writes_completed', '', 'The total number of writes completed successfully.'), 1],
  ['writes_merged', 'count', counter('node_disk_writes_merged', '', 'The number of writes merged.'), 1],
  ['sectors_written', 'sectors', counter('node_disk_written_bytes', 'bytes', 'The total number of bytes written successfully.'), SECTOR_BYTES],
  ['time_writing_ms', 'ms', counter('node_disk_write_time_seconds', 'seconds', 'This is the total number of seconds spent by all writes.'), 1 / 1000],
  ['ios_in_progress', 'count', gauge('node_disk_io_now', '', 'The number of I/Os currently in progress.'), 1],
  ['time_doing_ios_ms', 'ms', counter('node_disk_io_time_seconds', 'seconds', 'Total seconds spent doing I/Os.'), 1 / 1000],
  ['weighted_time_doing_ios_ms', 'ms', counter('node_disk_io_time_weighted_seconds', 'seconds', 'The weighted # of seconds spent doing I/Os.'), 1 / 1000],
  ['discards_completed', 'count', counter('node_disk_discards_completed', '', 'The total number of discards completed successfully.'), 1],
  ['discards_merged', 'count', counter('node_disk_discards_merged', '', 'The total number of discards merged.'), 1],
  ['sectors_discarded', 'sectors', counter('node_disk_discarded_sectors', '', 'The total number of sectors discarded successfully.'), 1],
  ['time_discarding_ms', 'ms', counter('node_disk_discard_time_seconds', 'seconds', 'This is the total number of seconds spent by all discards.'), 1 / 1000],
  ['flush_requests_completed', 'count', counter('node_disk_flush_requests', '', 'The total number of flush requests completed successfully.'), 1],
  ['time_flushing_ms', 'ms', counter('node_disk_flush_requests_time_seconds', 'seconds', 'This is the total number of seconds spent by all flush requests.'), 1 / 1000],
];

const NET_NAMES: Readonly<Record<string, string>> = {
  rx_bytes: 'receive_bytes',
  rx_packets: 'receive_packets',
  rx_errors: 'receive_errs',
  rx_dropped: 'receive_drop',
  rx_fifo: 'receive_fifo',
  rx_frame: 'receive_frame',
  rx_compressed: 'receive_compressed',
  rx_multicast: 'receive_multicast',
  tx_bytes: 'transmit_bytes',
  tx_packets: 'transmit_packets',
  tx_errors: 'transmit_errs',
  tx_dropped: 'transmit_drop',
  tx_fifo: 'transmit_fifo',
  tx_collisions: 'transmit_colls',
  tx_carrier: 'transmit_carrier',
  tx_compressed: 'transmit_compressed',
};

const NET_FIELDS: readonly FieldSpec[] = Object.entries(NET_NAMES).map(([field, name]) => {
  const bytes = name.endsWith('_bytes');
  const what = name.replace(/^(receive|transmit)_/, '').replace('errs', 'errors').replace('colls', 'collisions');
  const dir = name.startsWith('receive') ? 'received' : 'transmitted';
  return [
    field,
    bytes ? 'bytes' : field.endsWith('_packets') ? 'packets' : 'count',
    counter(`node_network_${name}`, bytes ? 'bytes' : '', `Network device statistic ${what} ${dir}.`),
    1,
  ] as const;
});

const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
const CPU_FAMILY = counter('node_cpu_seconds', 'seconds', 'Seconds the CPUs spent in each mode.');
const CPU_GUEST_FAMILY = counter('node_cpu_guest_seconds', 'seconds', 'Seconds the CPUs spent in guests (VMs) for each mode.');

const LOAD_FIELDS: readonly FieldSpec[] = [
  ['load_1min', 'load', gauge('node_load1', '', '1m load average.'), 1],
  ['load_5min', 'load', gauge('node_load5', '', '5m load average.'), 1],
  ['load_15min', 'load', gauge('node_load15', '', '15m load average.'), 1],
  ['running_processes', 'count', gauge('mlps_loadavg_running_processes', '', 'Runnable scheduling entities (4th field of /proc/loadavg).'), 1],
  ['total_processes', 'count', gauge('mlps_loadavg_total_processes', '', 'Existing scheduling entities (4th field of /proc/loadavg).'), 1],
];

const STAT_FIELDS: readonly FieldSpec[] = [
  ['ctxt', 'count', counter('node_context_switches', '', 'Total number of context switches.'), 1],
  ['intr', 'count', counter('node_intr', '', 'Total number of interrupts serviced.'), 1],
  ['procs_running', 'count', gauge('node_procs_running', '', 'Number of processes in runnable state.'), 1],
  ['procs_blocked', 'count', gauge('node_procs_blocked', '', 'Number of processes blocked waiting for I/O to complete.'), 1],
];

const PSI_RESOURCES = ['cpu', 'memory', 'io'] as const;
const UPTIME_FAMILY = gauge('mlps_uptime_seconds', 'seconds', 'Host uptime (/proc/uptime), the monotonic clock mlps derives intervals from.');

const familyCache = new Map<string, OpenMetricsFamily>();
function cachedFamily(key: string, make: () => OpenMetricsFamily): OpenMetricsFamily {
  let f = familyCache.get(key);
  if (f === undefined) {
    f = make();
    familyCache.set(key, f);
  }
  return f;
}

/** `Active(anon)` → `Active_anon`, as node_exporter names meminfo keys. */
function sanitizeName(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Every counter and gauge of `sample` as {@link MetricPoint}s, in a stable order. Missing sources yield
 * nothing; non-numeric values are skipped (never throws).
 */
export function sampleMetricPoints(sample: TimeSeriesSample): MetricPoint[] {
  const out: MetricPoint[] = [];
  const push = (source: string, device: string, metric: string, value: unknown, unit: string, family: OpenMetricsFamily, labels: ReadonlyArray<readonly [string, string]>, scale: number): void => {
    if (!finite(value)) return;
    out.push({ source, device, metric, value, unit, family, labels, baseValue: value * scale });
  };
  if (Array.isArray(sample.diskstats)) {
    for (const d of sample.diskstats) {
      if (typeof d?.device_name !== 'string') continue;
      const labels = [['device', d.device_name]] as const;
      for (const [field, unit, family, scale] of DISK_FIELDS) {
        push('diskstats', d.device_name, field, (d as unknown as Record<string, unknown>)[field], unit, family, labels, scale);
      }
    }
  }
  if (Array.isArray(sample.netdev)) {
    for (const n of sample.netdev) {
      if (typeof n?.interface_name !== 'string') continue;
      const labels = [['device', n.interface_name]] as const;
      for (const [field, unit, family, scale] of NET_FIELDS) {
        push('netdev', n.interface_name, field, (n as unknown as Record<string, unknown>)[field], unit, family, labels, scale);
      }
    }
  }
  const cpu = sample.cpu;
  if (cpu !== undefined && cpu !== null && typeof cpu === 'object') {
    const perCpu = Array.isArray(cpu.per_cpu) ? cpu.per_cpu : [];
    const rows: Array<{ name: string; label: string; times: Record<string, unknown> }> = [];
    if (cpu.total !== undefined) rows.push({ name: 'cpu', label: 'all', times: cpu.total as unknown as Record<string, unknown> });
    for (const c of perCpu) {
      if (typeof c?.cpu !== 'string') continue;
      rows.push({ name: c.cpu, label: c.cpu.replace(/^cpu/, ''), times: c as unknown as Record<string, unknown> });
    }
    for (const row of rows) {
      // node_exporter has no aggregate series (PromQL sums per-CPU); emit it only when per-CPU is missing.
      const om = row.name !== 'cpu' || perCpu.length === 0;
      for (const mode of CPU_MODES) {
        const labels = [['cpu', row.label], ['mode', mode]] as const;
        if (om) push('cpu', row.name, mode, row.times[mode], 'ticks', CPU_FAMILY, labels, 1 / USER_HZ);
        else pushCsvOnly(out, 'cpu', row.name, mode, row.times[mode], 'ticks');
      }
      for (const [mode, field] of [['user', 'guest'], ['nice', 'guest_nice']] as const) {
        const labels = [['cpu', row.label], ['mode', mode]] as const;
        if (om) push('cpu', row.name, field, row.times[field], 'ticks', CPU_GUEST_FAMILY, labels, 1 / USER_HZ);
        else pushCsvOnly(out, 'cpu', row.name, field, row.times[field], 'ticks');
      }
    }
    for (const [field, unit, family, scale] of STAT_FIELDS) {
      push('cpu', '', field, (cpu as unknown as Record<string, unknown>)[field], unit, family, [], scale);
    }
  }
  if (sample.meminfo !== undefined && sample.meminfo !== null && typeof sample.meminfo === 'object') {
    for (const [key, value] of Object.entries(sample.meminfo)) {
      const name = sanitizeName(key);
      if (name === '') continue;
      // HugePages_Total/Free/Rsvd/Surp are page counts; every other meminfo line is in kB.
      const isCount = key.startsWith('HugePages_');
      const family = cachedFamily(`mem:${key}`, () =>
        isCount
          ? gauge(`node_memory_${name}`, '', `Memory information field ${key}.`)
          : gauge(`node_memory_${name}_bytes`, 'bytes', `Memory information field ${key}_bytes.`),
      );
      push('meminfo', '', key, value, isCount ? 'count' : 'kB', family, [], isCount ? 1 : 1024);
    }
  }
  if (sample.vmstat !== undefined && sample.vmstat !== null && typeof sample.vmstat === 'object') {
    for (const [key, value] of Object.entries(sample.vmstat)) {
      const name = sanitizeName(key);
      if (name === '') continue;
      const family = cachedFamily(`vm:${key}`, () => ({ name: `node_vmstat_${name}`, type: 'unknown', unit: '', help: `/proc/vmstat information field ${key}.` }));
      push('vmstat', '', key, value, 'count', family, [], 1);
    }
  }
  if (sample.loadavg !== undefined && sample.loadavg !== null && typeof sample.loadavg === 'object') {
    for (const [field, unit, family, scale] of LOAD_FIELDS) {
      push('loadavg', '', field, (sample.loadavg as unknown as Record<string, unknown>)[field], unit, family, [], scale);
    }
  }
  if (sample.pressure !== undefined && sample.pressure !== null && typeof sample.pressure === 'object') {
    for (const resource of PSI_RESOURCES) {
      const rec = sample.pressure[resource];
      if (rec === undefined || rec === null) continue;
      for (const kind of ['some', 'full'] as const) {
        const line = rec[kind];
        if (line === undefined || line === null) continue;
        // node_exporter: `some` is time some tasks waited, `full` time all non-idle tasks stalled.
        const verb = kind === 'some' ? 'waiting' : 'stalled';
        const family = cachedFamily(`psi:${resource}:${kind}`, () =>
          counter(`node_pressure_${resource}_${verb}_seconds`, 'seconds', `Total time in seconds that processes have ${verb} due to ${resource} pressure (PSI ${kind}).`),
        );
        push('pressure', resource, `${kind}_total`, line.total, 'us', family, [], 1 / 1e6);
        for (const avg of ['avg10', 'avg60', 'avg300'] as const) {
          pushCsvOnly(out, 'pressure', resource, `${kind}_${avg}`, line[avg], 'percent');
        }
      }
    }
  }
  push('uptime', '', 'uptime_seconds', sample.uptime_seconds, 's', UPTIME_FAMILY, [], 1);
  return out;
}

/** Points that have no OpenMetrics counterpart (family name `''`): exported to CSV and JSON Lines only. */
const CSV_ONLY: OpenMetricsFamily = { name: '', type: 'unknown', unit: '', help: '' };

function pushCsvOnly(out: MetricPoint[], source: string, device: string, metric: string, value: unknown, unit: string): void {
  if (!finite(value)) return;
  out.push({ source, device, metric, value, unit, family: CSV_ONLY, labels: [], baseValue: value });
}
