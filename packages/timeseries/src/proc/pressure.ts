import type { PressureLine, PressureRecord, PressureStats } from '../types';
import { Scanner, asText } from './scanner';
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
  fields: Object.freeze(['avg10', 'avg60', 'avg300', 'total']),
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
});
