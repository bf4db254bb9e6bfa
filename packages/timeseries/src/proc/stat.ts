import type { CpuStatRecord, CpuTimes, PerCpuTimes } from '../types';
import { checkNumericFields, checkRecordList, expectObject, keyPath } from '../validation';
import { KeyCache, Scanner, asText } from './scanner';
import { counterFamily, gaugeFamily, isPlainRecord, recordMetrics, type MetricFieldSpec, type MetricSink, type ProcSourceMetrics } from './metrics';
import { singleFileSource, type ProcSource } from './source';

/** The previous input's keys by line, reused when unchanged (see {@link KeyCache}). */
const keys = new KeyCache();

/** Fields of a `cpu` line in kernels since 2.6.33; older kernels print fewer (at least user nice system idle). */
const CPU_FIELDS = 10;
/** The times of a `cpu` line, in line order (`total` and each `per_cpu` entry). */
const TIME_FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guest_nice'] as const;
const MIN_CPU_FIELDS = 4;

/** `cpu` or `cpuN`. */
function isCpuName(name: string): boolean {
  if (!name.startsWith('cpu')) return false;
  for (let i = 3; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Reads the times of a `cpu` line into `t`; false when fewer than 4 or a non-numeric one. Missing ones are 0. */
function parseCpuTimes(s: Scanner, t: number[]): boolean {
  let n = 0;
  while (n < CPU_FIELDS && !s.atLineEnd()) {
    const v = s.uint();
    if (v !== v) return false;
    t[n++] = v;
  }
  if (n < MIN_CPU_FIELDS) return false;
  for (; n < CPU_FIELDS; n++) t[n] = 0;
  return true;
}

// An object literal rather than a keyed fill: the record is allocated in its final shape (faster).
function cpuTimes(t: number[]): CpuTimes {
  return {
    user: t[0] as number,
    nice: t[1] as number,
    system: t[2] as number,
    idle: t[3] as number,
    iowait: t[4] as number,
    irq: t[5] as number,
    softirq: t[6] as number,
    steal: t[7] as number,
    guest: t[8] as number,
    guest_nice: t[9] as number,
  };
}

function perCpuTimes(cpu: string, t: number[]): PerCpuTimes {
  return { cpu, ...cpuTimes(t) };
}

/**
 * Parses `/proc/stat`: the aggregate `cpu` line and each `cpuN` line (times in USER_HZ ticks; `guest`
 * and `guest_nice` are already counted inside `user` and `nice`), plus `ctxt`, `intr` (its first number,
 * the total since boot), `procs_running` and `procs_blocked`.
 *
 * Older kernels print fewer than 10 times per cpu line: the missing ones are 0. A malformed line is dropped
 * on its own. Returns `null` when there is no valid aggregate `cpu` line.
 *
 * Pure and total: never throws, whatever the input.
 */
export function parseProcStat(text: string): CpuStatRecord | null {
  const s = new Scanner(asText(text));
  const t: number[] = new Array<number>(CPU_FIELDS).fill(0);
  let total: CpuTimes | null = null;
  const perCpu: PerCpuTimes[] = [];
  let ctxt = NaN;
  let intr = NaN;
  let running = NaN;
  let blocked = NaN;
  for (let line = 0; !s.done(); s.nextLine(), line++) {
    const key = keys.word(s, line);
    switch (key) {
      case 'ctxt':
        ctxt = singleValue(s, ctxt);
        break;
      case 'intr':
        // Only the total: the per-IRQ counts (hundreds of numbers) are not sampled.
        intr = firstValue(s, intr);
        break;
      case 'procs_running':
        running = singleValue(s, running);
        break;
      case 'procs_blocked':
        blocked = singleValue(s, blocked);
        break;
      default:
        if (!isCpuName(key) || !parseCpuTimes(s, t)) break;
        if (key.length === 3) total = cpuTimes(t);
        else perCpu.push(perCpuTimes(key, t));
    }
  }
  if (total === null) return null;
  const record: CpuStatRecord = { total, per_cpu: perCpu };
  if (ctxt === ctxt) record.ctxt = ctxt;
  if (intr === intr) record.intr = intr;
  if (running === running) record.procs_running = running;
  if (blocked === blocked) record.procs_blocked = blocked;
  return record;
}

/** The first number of the line (`intr N …`); a malformed line keeps the previous value. */
function firstValue(s: Scanner, previous: number): number {
  const v = s.uint();
  return v === v ? v : previous;
}

/** `key N` with nothing after N; a malformed line keeps the previous value. */
function singleValue(s: Scanner, previous: number): number {
  const v = s.uint();
  return v === v && s.atLineEnd() ? v : previous;
}

/** USER_HZ: `/proc/stat` CPU times are in 1/100 s on every Linux architecture userland sees. */
export const USER_HZ = 100;

/** The counters of `/proc/stat` besides the cpu lines. */
const COUNTER_FIELDS = ['ctxt', 'intr', 'procs_running', 'procs_blocked'] as const;

/** Modes node_exporter exports in `node_cpu_seconds_total` (guest time is its own family: it is inside user/nice). */
const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
/** `node_cpu_guest_seconds_total{mode}`: the mode label and our field. */
const GUEST_MODES = [['user', 'guest'], ['nice', 'guest_nice']] as const;
const CPU_FAMILY = counterFamily('node_cpu_seconds', 'seconds', 'Seconds the CPUs spent in each mode.');
const CPU_GUEST_FAMILY = counterFamily('node_cpu_guest_seconds', 'seconds', 'Seconds the CPUs spent in guests (VMs) for each mode.');
const TICK_SECONDS = 1 / USER_HZ;

const COUNTER_METRICS = recordMetrics(0, [
  ['ctxt', 'count', counterFamily('node_context_switches', '', 'Total number of context switches.'), 1],
  ['intr', 'count', counterFamily('node_intr', '', 'Total number of interrupts serviced.'), 1],
  ['procs_running', 'count', gaugeFamily('node_procs_running', '', 'Number of processes in runnable state.'), 1],
  ['procs_blocked', 'count', gaugeFamily('node_procs_blocked', '', 'Number of processes blocked waiting for I/O to complete.'), 1],
] satisfies readonly MetricFieldSpec[]);

/** One cpu line's times as points: node_exporter's families, or CSV only (the aggregate beside per-CPU lines). */
function emitCpuLine(name: string, label: string, times: Record<string, unknown>, openMetrics: boolean, sink: MetricSink): void {
  for (const mode of CPU_MODES) {
    if (openMetrics) sink.point(name, mode, times[mode], 'ticks', CPU_FAMILY, [['cpu', label], ['mode', mode]], TICK_SECONDS);
    else sink.csvOnly(name, mode, times[mode], 'ticks');
  }
  for (const [mode, field] of GUEST_MODES) {
    if (openMetrics) sink.point(name, field, times[field], 'ticks', CPU_GUEST_FAMILY, [['cpu', label], ['mode', mode]], TICK_SECONDS);
    else sink.csvOnly(name, field, times[field], 'ticks');
  }
}

/**
 * The cpu mapping: per cpu line `node_cpu_seconds_total{cpu,mode}` and `node_cpu_guest_seconds_total`
 * (the aggregate line is `cpu="all"`, exported to OpenMetrics only when there are no per-CPU lines:
 * node_exporter has no aggregate series, PromQL sums per-CPU), then the `/proc/stat` counters.
 */
const CPU_METRICS: ProcSourceMetrics = Object.freeze({
  exportOrder: 30,
  emit(record: unknown, sink: MetricSink): void {
    if (!isPlainRecord(record)) return;
    const perCpu = Array.isArray(record.per_cpu) ? (record.per_cpu as unknown[]) : [];
    if (record.total !== undefined) {
      const total = (record.total ?? {}) as Record<string, unknown>;
      emitCpuLine('cpu', 'all', total, perCpu.length === 0, sink);
    }
    for (const line of perCpu) {
      const name = isPlainRecord(line) ? line.cpu : undefined;
      if (typeof name !== 'string') continue;
      emitCpuLine(name, name.replace(/^cpu/, ''), line as Record<string, unknown>, name !== 'cpu' || perCpu.length === 0, sink);
    }
    COUNTER_METRICS.emit(record, sink);
  },
});

/**
 * The `cpu` source (`/proc/stat` → sample key `cpu`): `total` and `per_cpu` times in USER_HZ ticks, then
 * `ctxt`, `intr`, `procs_running`, `procs_blocked`.
 */
export const cpuSource: ProcSource = singleFileSource({
  name: 'cpu',
  field: 'cpu',
  file: 'stat',
  fields: [...TIME_FIELDS, ...COUNTER_FIELDS],
  parse: parseProcStat,
  validate(value, path) {
    const cpu = expectObject(value, path);
    checkNumericFields(expectObject(cpu.total, keyPath(path, 'total')), TIME_FIELDS, keyPath(path, 'total'));
    if (cpu.per_cpu !== undefined) checkRecordList(cpu.per_cpu, keyPath(path, 'per_cpu'), 'cpu', TIME_FIELDS);
    checkNumericFields(cpu, COUNTER_FIELDS, path);
    return value;
  },
  metrics: CPU_METRICS,
});
