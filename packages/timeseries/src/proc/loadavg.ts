import type { LoadAvgRecord } from '../types';
import { Scanner, asText } from './scanner';
import { singleFileSource, type ProcSource } from './source';

const SLASH = 47;

/**
 * Parses `/proc/loadavg` (`0.52 0.58 0.59 2/1234 5678`): the three load averages and the
 * `running/total` scheduling entities. The last PID (fifth field) is not kept.
 *
 * Returns `null` when the first line does not start with three decimals and `running/total`.
 * Pure and total: never throws, whatever the input.
 */
export function parseProcLoadavg(text: string): LoadAvgRecord | null {
  const s = new Scanner(asText(text));
  const load1 = s.decimal();
  const load5 = s.decimal();
  const load15 = s.decimal();
  if (load1 !== load1 || load5 !== load5 || load15 !== load15) return null;
  const running = s.uintBefore(SLASH);
  if (running !== running) return null;
  const total = s.uintAdjacent();
  if (total !== total) return null;
  return {
    load_1min: load1,
    load_5min: load5,
    load_15min: load15,
    running_processes: running,
    total_processes: total,
  };
}

/** The `loadavg` source (`/proc/loadavg` → sample key `loadavg`). */
export const loadavgSource: ProcSource = singleFileSource({
  name: 'loadavg',
  field: 'loadavg',
  file: 'loadavg',
  fields: ['load_1min','load_5min','load_15min','running_processes','total_processes'],
  parse: parseProcLoadavg,
});
