import type { PressureLine, PressureRecord } from '../types';
import { Scanner, asText } from './scanner';

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
