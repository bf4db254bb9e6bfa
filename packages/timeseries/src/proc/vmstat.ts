import { Scanner, asText, isUnsafeKey } from './scanner';

/**
 * Parses `/proc/vmstat` (`nr_free_pages 6066170` per line) into name → integer.
 *
 * A line that is not exactly a name and an integer is dropped on its own. Values beyond 2^53 become the
 * nearest double. A repeated name keeps its last value (as a Python dict would).
 *
 * Pure and total: never throws, whatever the input (non-strings give `{}`).
 */
export function parseProcVmstat(text: string): Record<string, number> {
  const s = new Scanner(asText(text));
  const out: Record<string, number> = {};
  for (; !s.done(); s.nextLine()) {
    const key = s.word();
    if (key === '' || isUnsafeKey(key)) continue;
    const value = s.int();
    if (value !== value || !s.atLineEnd()) continue;
    out[key] = value;
  }
  return out;
}
