import { checkNumberMap } from '../validation';
import { parseKeyedIntegers, type KeyedIntegersFormat } from './keyed-integers';
import { KeyCache } from './scanner';
import { gaugeFamily, keyedMetrics } from './metrics';
import { isEmptyRecord, singleFileSource, type ProcSource } from './source';

const COLON = 58;
/** `MemTotal:       24683656 kB`: the key ends at its colon, sizes carry `kB`. */
const MEMINFO_FORMAT: KeyedIntegersFormat = Object.freeze({ separator: COLON, unit: 'kB' });

/** The previous input's keys by line, reused when unchanged (see {@link KeyCache}). */
const keys = new KeyCache();

/**
 * Parses `/proc/meminfo` (`MemTotal:       24683656 kB`) into key → integer: the key without its colon,
 * the value as printed (kB for most keys; `HugePages_*` are page counts and carry no unit).
 *
 * A line that is not `Key: integer` optionally followed by `kB` is dropped on its own. A repeated key
 * keeps its last value.
 *
 * Pure and total: never throws, whatever the input (non-strings give `{}`).
 */
export function parseProcMeminfo(text: string): Record<string, number> {
  return parseKeyedIntegers(text, keys, MEMINFO_FORMAT);
}

/**
 * The `meminfo` source (`/proc/meminfo` → sample key `meminfo`); its fields are every `/proc/meminfo` key,
 * in file order (values as written, kB for sizes). Exported as node_exporter's `node_memory_<key>_bytes`
 * gauges (`Active(anon)` → `Active_anon`); `HugePages_Total/Free/Rsvd/Surp` are page counts, exported as
 * `node_memory_<key>` without a unit.
 */
export const meminfoSource: ProcSource = singleFileSource({
  name: 'meminfo',
  field: 'meminfo',
  file: 'meminfo',
  fields: [],
  parse: parseProcMeminfo,
  isEmpty: isEmptyRecord,
  validate(value, path) {
    checkNumberMap(value, path);
    return value;
  },
  metrics: keyedMetrics(40, (key, name) =>
    key.startsWith('HugePages_')
      ? { unit: 'count', family: gaugeFamily(`node_memory_${name}`, '', `Memory information field ${key}.`), scale: 1 }
      : { unit: 'kB', family: gaugeFamily(`node_memory_${name}_bytes`, 'bytes', `Memory information field ${key}_bytes.`), scale: 1024 },
  ),
});
