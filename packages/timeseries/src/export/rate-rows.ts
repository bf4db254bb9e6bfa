/**
 * The library's rates of one interval (`deriveRates`) as flat CSV rows, so a spreadsheet or pandas gets
 * MB/s, IOPS, await and CPU % without redoing the counter arithmetic.
 */
import { deriveRates } from '../rates';
import type { NetfsRates } from '../rates-netfs';
import type { TimeSeriesSample } from '../types';

/** One derived value. */
export interface RateRow {
  device: string;
  /** snake_case of the `SampleRates` field (`read_bytes_per_sec`, `r_await_ms`, `user_percent`, …). */
  metric: string;
  value: number;
  unit: string;
}

/** `readBytesPerSec` → `read_bytes_per_sec`. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function unitOf(field: string): string {
  if (/BytesPerSec$/.test(field)) return 'bytes/s';
  if (/PerSec$/.test(field) || /Iops$/.test(field)) return '1/s';
  if (/Ms$/.test(field)) return 'ms';
  if (/Percent$/.test(field)) return 'percent';
  if (field === 'aquSz') return 'requests';
  return '';
}

function pushNumbers(out: RateRow[], device: string, record: object, skip: ReadonlySet<string>): void {
  for (const [field, value] of Object.entries(record)) {
    if (skip.has(field) || typeof value !== 'number' || !Number.isFinite(value)) continue;
    out.push({ device, metric: snakeCase(field), value, unit: unitOf(field) });
  }
}

const NAME_FIELDS = new Set(['device', 'interface']);

/**
 * Rows of the interval from `prev` to `cur` (one host): per disk and interface every rate of
 * `DiskRates`/`NetRates`, CPU % per mode (`cpu` aggregate and each `cpuN`, metric `<mode>_percent`),
 * memory in use at `cur`, and the interval itself. Empty when `deriveRates` gives no rate.
 */
export function rateRows(prev: TimeSeriesSample, cur: TimeSeriesSample): RateRow[] {
  const rates = deriveRates(prev, cur);
  if (rates === null) return [];
  const out: RateRow[] = [{ device: '', metric: 'interval_seconds', value: rates.intervalSeconds, unit: 's' }];
  for (const [name, d] of Object.entries(rates.disks)) pushNumbers(out, name, d, NAME_FIELDS);
  for (const [name, n] of Object.entries(rates.net)) pushNumbers(out, name, n, NAME_FIELDS);
  const cpuRows = (device: string, pct: object): void => {
    for (const [mode, value] of Object.entries(pct)) {
      if (typeof value === 'number' && Number.isFinite(value)) {
        out.push({ device, metric: `${snakeCase(mode)}_percent`, value, unit: 'percent' });
      }
    }
  };
  if (rates.cpu !== null) cpuRows('cpu', rates.cpu);
  for (const [name, pct] of Object.entries(rates.perCpu)) cpuRows(name, pct);
  if (rates.memory !== null) {
    const m = rates.memory;
    out.push({ device: '', metric: 'memory_used_bytes', value: m.usedBytes, unit: 'bytes' });
    out.push({ device: '', metric: 'memory_used_percent', value: m.usedPercent, unit: 'percent' });
  }
  if (rates.netfs !== undefined) netfsRows(out, rates.netfs);
  return out;
}

/** Pushes `prefix<field>` rows of a rates record (numbers only; `retrans` and `errors` are counts in the interval). */
function pushPrefixed(out: RateRow[], device: string, prefix: string, record: object, skip: ReadonlySet<string>): void {
  for (const [field, value] of Object.entries(record)) {
    if (skip.has(field) || typeof value !== 'number' || !Number.isFinite(value)) continue;
    const unit = field === 'retrans' || field === 'errors' ? 'count' : field === 'rpcBacklog' ? 'requests' : field === 'kbPerOp' ? 'kB' : unitOf(field);
    out.push({ device, metric: `${prefix}${snakeCase(field)}`, value, unit });
  }
}

const NETFS_NAME_FIELDS = new Set(['mountPoint', 'device', 'fstype', 'share', 'instance']);

/**
 * Network filesystem rows: per NFS mount (device = mount point) `nfs_ops_per_sec`, `nfs_rpc_backlog`, the
 * byte rates, then nfsiostat's lines per operation with traffic (`nfs_read_avg_rtt_ms`,
 * `nfs_getattr_ops_per_sec`, …); per CIFS share `cifs_*`; per Lustre client `lustre_*` (other counters as
 * `lustre_<name>_per_sec`).
 */
function netfsRows(out: RateRow[], netfs: NetfsRates): void {
  for (const [mount, m] of Object.entries(netfs.nfs)) {
    pushPrefixed(out, mount, 'nfs_', m, NETFS_NAME_FIELDS);
    for (const [op, r] of Object.entries(m.ops)) pushPrefixed(out, mount, `nfs_${op.toLowerCase()}_`, r, NETFS_NAME_FIELDS);
  }
  for (const [share, c] of Object.entries(netfs.cifs)) pushPrefixed(out, share, 'cifs_', c, NETFS_NAME_FIELDS);
  for (const [instance, l] of Object.entries(netfs.lustre)) {
    pushPrefixed(out, instance, 'lustre_', l, NETFS_NAME_FIELDS);
    for (const [name, v] of Object.entries(l.opsPerSec)) out.push({ device: instance, metric: `lustre_${name}_per_sec`, value: v, unit: '1/s' });
  }
}
