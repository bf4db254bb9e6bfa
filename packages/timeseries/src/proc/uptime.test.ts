import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcUptime } from './uptime';

describe('parseProcUptime', () => {
  it('parses the first field of the real capture', () => {
    const text = readFileSync(join(__dirname, '../__fixtures__/proc/real/uptime'), 'utf8');
    expect(text).toBe('444.27 713.24\n');
    expect(parseProcUptime(text)).toBe(444.27);
  });

  it('parses long uptimes exactly as parseFloat does', () => {
    expect(parseProcUptime('31536000.99 1.00')).toBe(31536000.99);
    expect(parseProcUptime('12345678901234567.25 0')).toBe(parseFloat('12345678901234567.25'));
  });

  it.each([[''], ['x 1'], ['-1.0 2'], ['1.0.0 2'], ['NaN'], ['\n5.0']])('returns null for %j', (text) => {
    expect(parseProcUptime(text)).toBeNull();
  });

  it('returns null for non-strings', () => {
    expect(parseProcUptime(444 as unknown as string)).toBeNull();
  });
});
