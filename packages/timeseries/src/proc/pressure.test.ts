import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcPressure } from './pressure';

const fixture = (name: string): string => readFileSync(join(__dirname, '../__fixtures__/proc', name), 'utf8');

describe('parseProcPressure', () => {
  it('parses the real captures of cpu, memory and io', () => {
    expect(parseProcPressure(fixture('real/pressure/cpu'))).toEqual({
      some: { avg10: 29.02, avg60: 13.1, avg300: 5.23, total: 24484932 },
      full: { avg10: 0, avg60: 0, avg300: 0, total: 0 },
    });
    expect(parseProcPressure(fixture('real/pressure/io'))).toEqual({
      some: { avg10: 0.98, avg60: 0.82, avg300: 0.5, total: 3068781 },
      full: { avg10: 0.63, avg60: 0.65, avg300: 0.44, total: 2722813 },
    });
    expect(parseProcPressure(fixture('real/pressure/memory'))).toEqual({
      some: { avg10: 0, avg60: 0, avg300: 0, total: 0 },
      full: { avg10: 0, avg60: 0, avg300: 0, total: 0 },
    });
  });

  it('parses a cpu file of kernels before 5.13 (only `some`)', () => {
    expect(parseProcPressure(fixture('crafted/pressure-cpu-some-only'))).toEqual({
      some: { avg10: 1.25, avg60: 0.5, avg300: 0.1, total: 123456 },
    });
  });

  it('drops a malformed line alone and ignores unknown kinds', () => {
    expect(parseProcPressure(fixture('crafted/pressure-malformed-some'))).toEqual({
      full: { avg10: 0, avg60: 0, avg300: 0, total: 99 },
    });
  });

  it('accepts fields in another order and skips fields it does not know', () => {
    expect(parseProcPressure('some total=5 avg300=3 avg60=2 avg10=1 peak=9.5')).toEqual({
      some: { avg10: 1, avg60: 2, avg300: 3, total: 5 },
    });
  });

  it.each([[''], ['some'], ['some avg10=1 avg60=2 avg300=3'], ['some avg10=1 avg60=2 avg300=3 total=-1'], ['some avg10 avg60 avg300 total']])(
    'returns null for %j',
    (text) => {
      expect(parseProcPressure(text)).toBeNull();
    },
  );

  it('returns null for non-strings and binary noise', () => {
    expect(parseProcPressure({} as unknown as string)).toBeNull();
    expect(parseProcPressure(fixture('crafted/binary-noise'))).toBeNull();
  });
});
