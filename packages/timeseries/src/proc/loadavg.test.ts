import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcLoadavg } from './loadavg';

describe('parseProcLoadavg', () => {
  it('parses the real capture', () => {
    const text = readFileSync(join(__dirname, '../__fixtures__/proc/real/loadavg'), 'utf8');
    expect(text).toBe('1.54 0.57 0.23 1/93 11879\n');
    expect(parseProcLoadavg(text)).toEqual({
      load_1min: 1.54,
      load_5min: 0.57,
      load_15min: 0.23,
      running_processes: 1,
      total_processes: 93,
    });
  });

  it('gives the same doubles as parseFloat', () => {
    expect(parseProcLoadavg('0.52 0.58 0.59 2/1234 5678')).toEqual({
      load_1min: parseFloat('0.52'),
      load_5min: parseFloat('0.58'),
      load_15min: parseFloat('0.59'),
      running_processes: 2,
      total_processes: 1234,
    });
    expect(parseProcLoadavg('123.99 7 0.01 10/20')?.load_1min).toBe(123.99);
  });

  it.each([
    [''],
    ['garbage'],
    ['0.52 0.58 0.59'],
    ['0.52 0.58 0.59 2 5678'],
    ['0.52 0.58 x 2/1234 5678'],
    ['0.52 0.58 0.59 2/ 5678'],
    ['0.52 0.58 0.59 /1234 5678'],
    ['-0.52 0.58 0.59 2/1234 5678'],
    ['1e3 0.58 0.59 2/1234 5678'],
    ['Infinity 0.58 0.59 2/1234 5678'],
    ['0.52\n0.58 0.59 2/1234 5678'],
  ])('returns null for %j', (text) => {
    expect(parseProcLoadavg(text)).toBeNull();
  });

  it('returns null for non-strings and binary noise', () => {
    expect(parseProcLoadavg(undefined as unknown as string)).toBeNull();
    expect(parseProcLoadavg(readFileSync(join(__dirname, '../__fixtures__/proc/crafted/binary-noise'), 'latin1'))).toBeNull();
  });
});
