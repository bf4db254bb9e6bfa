/**
 * The library's rates of one interval (`deriveRates`) as flat CSV rows, so a spreadsheet or pandas gets
 * MB/s, IOPS, await and CPU % without redoing the counter arithmetic.
 */
import { deriveRates } from '../rates';
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
  return out;
}
