import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcVmstat } from './vmstat';

const fixture = (name: string): string => readFileSync(join(__dirname, '../__fixtures__/proc', name), 'utf8');

describe('parseProcVmstat', () => {
  it('keeps every line of the real capture, values as integers', () => {
    const text = fixture('real/vmstat');
    const vmstat = parseProcVmstat(text);
    const lines = text.split('\n').filter((l) => l !== '');
    expect(Object.keys(vmstat)).toHaveLength(lines.length);
    expect(vmstat.nr_free_pages).toBe(983846);
    expect(vmstat.nr_free_pages_blocks).toBe(867840);
    expect(vmstat.nr_unstable).toBe(0);
    for (const line of lines) {
      const [key, value] = line.split(' ');
      expect(vmstat[key as string]).toBe(Number(value));
    }
  });

  it('drops malformed lines alone', () => {
    expect(parseProcVmstat(fixture('crafted/vmstat-garbage'))).toEqual({
      nr_free_pages: 860401,
      nr_negative: -12,
      pgpgin: 18446744073709551615,
      numa_hit: 4346418,
    });
  });

  it('never lets a key touch the prototype', () => {
    const vmstat = parseProcVmstat('__proto__ 5\nconstructor 3\n');
    expect(Object.getPrototypeOf(vmstat)).toBe(Object.prototype);
    expect(Object.keys(vmstat)).toEqual(['constructor']);
    expect(vmstat.constructor).toBe(3);
  });

  it('keeps the last value of a repeated name', () => {
    expect(parseProcVmstat('a 1\na 2\n')).toEqual({ a: 2 });
  });

  it('returns {} for empty text, binary noise and non-strings', () => {
    expect(parseProcVmstat('')).toEqual({});
    expect(parseProcVmstat(fixture('crafted/binary-noise'))).toEqual({});
    expect(parseProcVmstat(null as unknown as string)).toEqual({});
    expect(parseProcVmstat(12 as unknown as string)).toEqual({});
  });
});
