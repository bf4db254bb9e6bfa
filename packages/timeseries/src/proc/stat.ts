import type { CpuStatRecord, CpuTimes, PerCpuTimes } from '../types';
import { KeyCache, Scanner, asText } from './scanner';
import { singleFileSource, type ProcSource } from './source';

/** The previous input's keys by line, reused when unchanged (see {@link KeyCache}). */
const keys = new KeyCache();

/** Fields of a `cpu` line in kernels since 2.6.33; older kernels print fewer (at least user nice system idle). */
const CPU_FIELDS = 10;
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
  return {
    cpu,
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

/** The `cpu` source (`/proc/stat` → sample key `cpu`). */
export const cpuSource: ProcSource = singleFileSource({
  name: 'cpu',
  field: 'cpu',
  file: 'stat',
  fields: ['user','nice','system','idle','iowait','irq','softirq','steal','guest','guest_nice','ctxt','intr','procs_running','procs_blocked'],
  parse: parseProcStat,
});
