import type { PressureLine, PressureRecord, PressureStats } from '../types';
import { Scanner, asText } from './scanner';
import { checkNumericFields, expectObject, keyPath } from '../validation';
import { counterFamily, isPlainRecord, type MetricSink, type OpenMetricsFamily, type ProcSourceMetrics } from './metrics';
import { unparsedMessage, type ProcSource } from './source';

const EQUALS = 61;

/** Reads `avg10=… avg60=… avg300=… total=…` (any order); `null` unless all four are there and numeric. */
function parseLine(s: Scanner): PressureLine | null {
  let avg10 = NaN;
  let avg60 = NaN;
  let avg300 = NaN;
  let total = NaN;
  while (!s.atLineEnd()) {
    const key = s.wordUntil(EQUALS);
    if (key === 'avg10') avg10 = s.decimal();
    else if (key === 'avg60') avg60 = s.decimal();
    else if (key === 'avg300') avg300 = s.decimal();
    else if (key === 'total') total = s.uint();
    else if (key === '') return null;
    else s.word(); // a field a future kernel may add: its value is skipped
  }
  if (avg10 !== avg10 || avg60 !== avg60 || avg300 !== avg300 || total !== total) return null;
  return { avg10, avg60, avg300, total };
}

/**
 * Parses one PSI file (`/proc/pressure/cpu|memory|io`):
 * `some avg10=0.00 avg60=0.00 avg300=0.00 total=0` and the same for `full`. `avg*` are percentages,
 * `total` is cumulative stall time in microseconds.
 *
 * Returns `null` when neither a valid `some` nor a valid `full` line is present; a malformed line is
 * dropped on its own. Pure and total: never throws, whatever the input.
 */
export function parseProcPressure(text: string): PressureRecord | null {
  const s = new Scanner(asText(text));
  const record: PressureRecord = {};
  let found = false;
  for (; !s.done(); s.nextLine()) {
    const kind = s.word();
    if (kind !== 'some' && kind !== 'full') continue;
    const line = parseLine(s);
    if (line === null) continue;
    record[kind] = line;
    found = true;
  }
  return found ? record : null;
}

const PSI_RESOURCES = ['cpu', 'memory', 'io'] as const;
const PSI_KINDS = ['some', 'full'] as const;
/** The fields of a `some`/`full` line. */
const LINE_FIELDS = ['avg10', 'avg60', 'avg300', 'total'] as const;
const AVERAGES = ['avg10', 'avg60', 'avg300'] as const;

/** `node_pressure_<resource>_<waiting|stalled>_seconds`, by resource and kind (node_exporter's names). */
const STALL_FAMILIES: ReadonlyMap<string, OpenMetricsFamily> = new Map(
  PSI_RESOURCES.flatMap((resource) =>
    PSI_KINDS.map((kind) => {
      // node_exporter: `some` is time some tasks waited, `full` time all non-idle tasks stalled.
      const verb = kind === 'some' ? 'waiting' : 'stalled';
      const family = counterFamily(
        `node_pressure_${resource}_${verb}_seconds`,
        'seconds',
        `Total time in seconds that processes have ${verb} due to ${resource} pressure (PSI ${kind}).`,
      );
      return [`${resource}:${kind}`, family] as const;
    }),
  ),
);

/**
 * The pressure mapping: per resource and kind, the cumulative stall time as node_exporter's counter
 * (microseconds → seconds), and the `avg10`/`avg60`/`avg300` percentages to CSV only (OpenMetrics users
 * derive them from the counter).
 */
const PRESSURE_METRICS: ProcSourceMetrics = Object.freeze({
  exportOrder: 70,
  emit(record: unknown, sink: MetricSink): void {
    if (!isPlainRecord(record)) return;
    for (const resource of PSI_RESOURCES) {
      const lines = record[resource];
      if (!isPlainRecord(lines)) continue;
      for (const kind of PSI_KINDS) {
        const line = lines[kind];
        if (!isPlainRecord(line)) continue;
        sink.point(resource, `${kind}_total`, line.total, 'us', STALL_FAMILIES.get(`${resource}:${kind}`) as OpenMetricsFamily, [], 1 / 1e6);
        for (const avg of AVERAGES) sink.csvOnly(resource, `${kind}_${avg}`, line[avg], 'percent');
      }
    }
  },
});

/**
 * The `pressure` source: `/proc/pressure/{cpu,memory,io}` → sample key `pressure` (`{cpu, memory, io}`,
 * each `{some, full}` lines of `avg10`, `avg60`, `avg300`, `total`). Optional: a kernel without PSI has
 * no such files and the sample no `pressure`, without error; a file present that does not parse is named
 * `pressure/<resource>` in `errors`.
 */
export const pressureSource: ProcSource = Object.freeze({
  name: 'pressure',
  field: 'pressure',
  files: Object.freeze(PSI_RESOURCES.map((r) => Object.freeze({ key: `pressure/${r}`, path: `pressure/${r}`, optional: true }))),
  fields: Object.freeze([...LINE_FIELDS]),
  build(texts: readonly (string | undefined)[], errors: Record<string, string>): unknown {
    let stats: PressureStats | undefined;
    for (let i = 0; i < PSI_RESOURCES.length; i++) {
      const text = texts[i];
      if (typeof text !== 'string') continue;
      const resource = PSI_RESOURCES[i] as (typeof PSI_RESOURCES)[number];
      const key = `pressure/${resource}`;
      const record = parseProcPressure(text);
      if (record === null) errors[key] = unparsedMessage(key, text);
      else (stats ??= {})[resource] = record;
    }
    return stats;
  },
  validate(value: unknown, path: string): unknown {
    const pressure = expectObject(value, path);
    for (const [resource, record] of Object.entries(pressure)) {
      const resourcePath = keyPath(path, resource);
      const lines = expectObject(record, resourcePath);
      for (const [kind, line] of Object.entries(lines)) {
        const linePath = keyPath(resourcePath, kind);
        checkNumericFields(expectObject(line, linePath), LINE_FIELDS, linePath);
      }
    }
    return value;
  },
  metrics: PRESSURE_METRICS,
});
