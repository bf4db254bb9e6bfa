import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcMeminfo } from './meminfo';

const fixture = (name: string): string => readFileSync(join(__dirname, '../__fixtures__/proc', name), 'utf8');

describe('parseProcMeminfo', () => {
  it('keeps every key of the real capture, kB values as printed, HugePages_* without unit', () => {
    const text = fixture('real/meminfo');
    const meminfo = parseProcMeminfo(text);
    const lines = text.split('\n').filter((l) => l !== '');
    expect(Object.keys(meminfo)).toHaveLength(lines.length);
    expect(meminfo.MemTotal).toBe(24683656);
    expect(meminfo.MemFree).toBe(23415044);
    expect(meminfo.MemAvailable).toBe(24145592);
    expect(meminfo.HugePages_Total).toBe(0);
    expect(meminfo.Hugepagesize).toBe(2048);
    expect(meminfo['Active(anon)']).toBeGreaterThanOrEqual(0);
    for (const line of lines) {
      const match = /^(\S+):\s+(\d+)( kB)?$/.exec(line);
      expect(match).not.toBeNull();
      expect(meminfo[match?.[1] as string]).toBe(Number(match?.[2]));
    }
  });

  it('drops malformed lines alone (no colon, no value, other unit, trailing text)', () => {
    expect(parseProcMeminfo(fixture('crafted/meminfo-garbage'))).toEqual({
      MemTotal: 24683656,
      HugePages_Total: 0,
      Negative: -5,
      'Active(anon)': 1556,
    });
  });

  it('returns {} for empty text, binary noise and non-strings', () => {
    expect(parseProcMeminfo(fixture('crafted/empty'))).toEqual({});
    expect(parseProcMeminfo(fixture('crafted/binary-noise'))).toEqual({});
    expect(parseProcMeminfo(undefined as unknown as string)).toEqual({});
  });
});
