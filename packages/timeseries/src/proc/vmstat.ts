import { checkNumberMap } from '../validation';
import { parseKeyedIntegers, type KeyedIntegersFormat } from './keyed-integers';
import { KeyCache } from './scanner';
import { keyedMetrics } from './metrics';
import { isEmptyRecord, singleFileSource, type ProcSource } from './source';

/** The previous input's keys by line, reused when unchanged (see {@link KeyCache}). */
const keys = new KeyCache();
/** `nr_free_pages 6066170`: a blank ends the key, nothing follows the value. */
const VMSTAT_FORMAT: KeyedIntegersFormat = Object.freeze({ separator: null, unit: null });

/**
 * Parses `/proc/vmstat` (`nr_free_pages 6066170` per line) into name → integer.
 *
 * A line that is not exactly a name and an integer is dropped on its own. Values beyond 2^53 become the
 * nearest double. A repeated name keeps its last value (as a Python dict would).
 *
 * Pure and total: never throws, whatever the input (non-strings give `{}`).
 */
export function parseProcVmstat(text: string): Record<string, number> {
  return parseKeyedIntegers(text, keys, VMSTAT_FORMAT);
}

/**
 * The `vmstat` source (`/proc/vmstat` → sample key `vmstat`); its fields are every `/proc/vmstat` key, in
 * file order. Exported as node_exporter's untyped `node_vmstat_<key>` (counters and gauges mixed).
 */
export const vmstatSource: ProcSource = singleFileSource({
  name: 'vmstat',
  field: 'vmstat',
  file: 'vmstat',
  fields: [],
  parse: parseProcVmstat,
  isEmpty: isEmptyRecord,
  validate(value, path) {
    checkNumberMap(value, path);
    return value;
  },
  metrics: keyedMetrics(50, (key, name) => ({
    unit: 'count',
    family: { name: `node_vmstat_${name}`, type: 'unknown', unit: '', help: `/proc/vmstat information field ${key}.` },
    scale: 1,
  })),
});
