import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcDiskstats } from './diskstats';

const fixture = (name: string): string => readFileSync(join(__dirname, '../__fixtures__/proc', name), 'utf8');

describe('parseProcDiskstats', () => {
  it('parses every device of the real capture, 20 fields each', () => {
    const records = parseProcDiskstats(fixture('real/diskstats'));
    expect(records.map((r) => r.device_name)).toEqual([
      'loop0', 'loop1', 'loop2', 'loop3', 'loop4', 'loop5', 'loop6', 'loop7', 'vda', 'zram0',
    ]);
    expect(records.find((r) => r.device_name === 'vda')).toEqual({
      major: 254,
      minor: 0,
      device_name: 'vda',
      reads_completed: 42293,
      reads_merged: 8004,
      sectors_read: 1797970,
      time_reading_ms: 9740,
      writes_completed: 15171,
      writes_merged: 20906,
      sectors_written: 5627656,
      time_writing_ms: 11608,
      ios_in_progress: 0,
      time_doing_ios_ms: 6316,
      weighted_time_doing_ios_ms: 22227,
      discards_completed: 5392,
      discards_merged: 36,
      sectors_discarded: 2999680,
      time_discarding_ms: 746,
      flush_requests_completed: 2141,
      time_flushing_ms: 132,
    });
  });

  it('parses 14, 18 and 20-field lines with only the fields each kernel has', () => {
    const records = parseProcDiskstats(fixture('crafted/diskstats-mixed'));
    const byName = new Map(records.map((r) => [r.device_name, r]));
    expect(byName.get('sda')).toEqual({
      major: 8, minor: 0, device_name: 'sda',
      reads_completed: 11, reads_merged: 12, sectors_read: 13, time_reading_ms: 14,
      writes_completed: 15, writes_merged: 16, sectors_written: 17, time_writing_ms: 18,
      ios_in_progress: 19, time_doing_ios_ms: 20, weighted_time_doing_ios_ms: 21,
    });
    expect(byName.get('sda')).not.toHaveProperty('discards_completed');
    expect(byName.get('sdb')).toMatchObject({
      reads_completed: 101, weighted_time_doing_ios_ms: 111,
      discards_completed: 112, discards_merged: 113, sectors_discarded: 114, time_discarding_ms: 115,
    });
    expect(byName.get('sdb')).not.toHaveProperty('flush_requests_completed');
    expect(byName.get('nvme0n1')).toMatchObject({
      major: 259, minor: 0, reads_completed: 1001, time_discarding_ms: 1015,
      flush_requests_completed: 1016, time_flushing_ms: 1017,
    });
  });

  it('drops short lines, non-numeric counters and garbage alone, keeps the rest', () => {
    const names = parseProcDiskstats(fixture('crafted/diskstats-mixed')).map((r) => r.device_name);
    // sda1 (7 fields, 2.6 partition format), sda2 (13 fields), sdc (non-numeric) and the prose line are dropped.
    expect(names).toEqual(['sda', 'sdb', 'nvme0n1', 'dm-1', 'sdd', 'sde', 'sdf']);
  });

  it('reads 16 fields as 14, 19 as 18 and 22 (a future kernel) as 20', () => {
    const byName = new Map(parseProcDiskstats(fixture('crafted/diskstats-mixed')).map((r) => [r.device_name, r]));
    expect(byName.get('sdd')).not.toHaveProperty('discards_completed');
    expect(byName.get('sdd')?.weighted_time_doing_ios_ms).toBe(11);
    expect(byName.get('sde')).toMatchObject({ discards_completed: 12, time_discarding_ms: 15 });
    expect(byName.get('sde')).not.toHaveProperty('flush_requests_completed');
    expect(byName.get('sdf')).toMatchObject({ time_discarding_ms: 15, flush_requests_completed: 16, time_flushing_ms: 17 });
    expect(Object.keys(byName.get('sdf') ?? {})).toHaveLength(20); // the 20 fields, nothing of the extra ones
  });

  it('keeps counters beyond 2^53 as the nearest double', () => {
    const dm = parseProcDiskstats(fixture('crafted/diskstats-mixed')).find((r) => r.device_name === 'dm-1');
    expect(dm?.reads_completed).toBe(18446744073709551615); // u64 max, rounds to 2^64
    expect(dm?.reads_completed).toBe(2 ** 64);
    expect(dm?.reads_merged).toBe(Number('9007199254740993'));
  });

  it('accepts tabs, CRLF line ends and a missing final newline', () => {
    const text = '8\t0\tsda\t1 2 3 4 5 6 7 8 9 10 11\r\n8 1 sda1 1 2 3 4 5 6 7 8 9 10 11';
    expect(parseProcDiskstats(text).map((r) => [r.device_name, r.reads_completed, r.weighted_time_doing_ios_ms])).toEqual([
      ['sda', 1, 11],
      ['sda1', 1, 11],
    ]);
  });

  it('returns [] for empty text, binary noise and non-strings', () => {
    expect(parseProcDiskstats('')).toEqual([]);
    expect(parseProcDiskstats(readFileSync(join(__dirname, '../__fixtures__/proc/crafted/binary-noise'), 'latin1'))).toEqual([]);
    for (const bad of [undefined, null, 42, {}, [], Buffer.from('8 0 sda 1 2 3 4 5 6 7 8 9 10 11')]) {
      expect(parseProcDiskstats(bad as unknown as string)).toEqual([]);
    }
  });

  it('drops a line whose counter is signed, fractional or in exponent form', () => {
    const base = '8 0 sda 1 2 3 4 5 6 7 8 9 10 ';
    expect(parseProcDiskstats(`${base}-1`)).toEqual([]);
    expect(parseProcDiskstats(`${base}1.5`)).toEqual([]);
    expect(parseProcDiskstats(`${base}1e3`)).toEqual([]);
    expect(parseProcDiskstats(`${base}1\u00002`)).toEqual([]);
    expect(parseProcDiskstats(`${base}11`)).toHaveLength(1);
  });
});
