import { type KeyCache, Scanner, asText, isUnsafeKey } from './scanner';

/** How a `key → integer` file is laid out (see {@link parseKeyedIntegers}). */
export interface KeyedIntegersFormat {
  /** Char code that ends the key (`:` in `/proc/meminfo`), or null when a blank does (`/proc/vmstat`). */
  readonly separator: number | null;
  /** A unit that may follow the value (`kB`), or null when nothing may. */
  readonly unit: string | null;
}

/**
 * Parses a file of one `key integer` per line (`/proc/meminfo`, `/proc/vmstat`) into key → integer, the
 * value as printed. A line that is not a key, an integer and optionally the format's unit is dropped on its
 * own; a repeated key keeps its last value (as a Python dict would); keys that would reach a prototype are
 * dropped. `keys` keeps the previous input's keys by line, so an unchanged file slices no string.
 *
 * Pure and total: never throws, whatever the input (non-strings give `{}`).
 */
export function parseKeyedIntegers(text: string, keys: KeyCache, format: KeyedIntegersFormat): Record<string, number> {
  const s = new Scanner(asText(text));
  const { separator, unit } = format;
  const out: Record<string, number> = {};
  for (let line = 0; !s.done(); s.nextLine(), line++) {
    const key = separator === null ? keys.word(s, line) : keys.wordUntil(s, separator, line);
    if (key === '' || isUnsafeKey(key)) continue;
    const value = s.int();
    if (value !== value) continue;
    if (!s.atLineEnd() && !(unit !== null && s.consume(unit) && s.atLineEnd())) continue;
    out[key] = value;
  }
  return out;
}
