/**
 * The checks a loaded document is validated with: each throws `INVALID_FORMAT` naming the JSON path of the
 * offending value and what was expected (`samples_by_host.h1[0].loadavg.load_1min: expected a finite
 * number, got "x"`). The document reader (`format.ts`) and each `/proc` source's `validate` (its record in
 * a sample) share them, so every message has one form.
 */
import { MlpsError } from './errors';
import { parseTimestampMs } from './timestamps';

/** A JSON object as loaded. */
export type JsonObject = Record<string, unknown>;

/** A short description of a value for an error message (`null`, `an array`, `"abc"`). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing (missing)';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Throws `INVALID_FORMAT`: `<path>: expected <expected>, got <value>`. */
export function fail(path: string, expected: string, value: unknown): never {
  throw new MlpsError('INVALID_FORMAT', `${path}: expected ${expected}, got ${describe(value)}`);
}

/** The path of `key` inside `base` (`a.b`, or `a["odd key"]` when the key is not an identifier). */
export function keyPath(base: string, key: string): string {
  const part = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  return base === '' ? (part.startsWith('.') ? part.slice(1) : part) : `${base}${part}`;
}

/** True for a non-null object that is not an array. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` as an object, or `INVALID_FORMAT`. */
export function expectObject(value: unknown, path: string): JsonObject {
  if (!isJsonObject(value)) fail(path, 'an object', value);
  return value;
}

/** `value` as an array, or `INVALID_FORMAT`. */
export function expectArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, 'an array', value);
  return value;
}

/** `value` as a string, or `INVALID_FORMAT`. */
export function expectString(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, 'a string', value);
  return value;
}

/** `value` as a finite number, or `INVALID_FORMAT`. */
export function expectNumber(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, 'a finite number', value);
  return value;
}

/** `value` as a non-negative integer, or `INVALID_FORMAT`. */
export function expectCount(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail(path, 'a non-negative integer', value);
  return value;
}

/** `value` as a timestamp string that parses (reference form, ISO-8601 or Python's naive form), or `INVALID_FORMAT`. */
export function expectTimestamp(value: unknown, path: string): string {
  if (typeof value !== 'string' || parseTimestampMs(value) === null) fail(path, 'an ISO-8601 string', value);
  return value;
}

/** Checks that every listed field present in `record` is a finite number; other keys are kept. */
export function checkNumericFields(record: JsonObject, fields: readonly string[], path: string): void {
  for (const field of fields) {
    const value = record[field];
    if (value !== undefined) expectNumber(value, keyPath(path, field));
  }
}

/** Checks an object of key → finite number (`meminfo`, `vmstat`). */
export function checkNumberMap(value: unknown, path: string): Record<string, number> {
  const record = expectObject(value, path);
  for (const [key, entry] of Object.entries(record)) expectNumber(entry, keyPath(path, key));
  return record as Record<string, number>;
}

/**
 * Checks a list of named records (`diskstats` by `device_name`, `netdev` by `interface_name`): each is an
 * object with a string name and the listed fields, where present, finite numbers.
 */
export function checkRecordList(value: unknown, path: string, nameField: string, fields: readonly string[]): void {
  const list = expectArray(value, path);
  list.forEach((item, i) => {
    const itemPath = `${path}[${i}]`;
    const record = expectObject(item, itemPath);
    expectString(record[nameField], keyPath(itemPath, nameField));
    checkNumericFields(record, fields, itemPath);
  });
}
