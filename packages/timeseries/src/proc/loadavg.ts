import type { LoadAvgRecord } from '../types';
import { Scanner, asText } from './scanner';
import { checkNumericFields, expectObject } from '../validation';
import { gaugeFamily, recordMetrics } from './metrics';
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

const LOADAVG_FIELDS = ['load_1min', 'load_5min', 'load_15min', 'running_processes', 'total_processes'] as const;

/** The `loadavg` source (`/proc/loadavg` → sample key `loadavg`). Exported as node_exporter's `node_load1/5/15`. */
export const loadavgSource: ProcSource = singleFileSource({
  name: 'loadavg',
  field: 'loadavg',
  file: 'loadavg',
  fields: LOADAVG_FIELDS,
  parse: parseProcLoadavg,
  validate(value, path) {
    checkNumericFields(expectObject(value, path), LOADAVG_FIELDS, path);
    return value;
  },
  metrics: recordMetrics(60, [
    ['load_1min', 'load', gaugeFamily('node_load1', '', '1m load average.'), 1],
    ['load_5min', 'load', gaugeFamily('node_load5', '', '5m load average.'), 1],
    ['load_15min', 'load', gaugeFamily('node_load15', '', '15m load average.'), 1],
    ['running_processes', 'count', gaugeFamily('mlps_loadavg_running_processes', '', 'Runnable scheduling entities (4th field of /proc/loadavg).'), 1],
    ['total_processes', 'count', gaugeFamily('mlps_loadavg_total_processes', '', 'Existing scheduling entities (4th field of /proc/loadavg).'), 1],
  ]),
});
