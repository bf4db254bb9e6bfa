import { readFileSync } from 'node:fs';
import { deviceOf, readDeviceCounters, readHostMemory } from './host-memory';

describe('host facts read with the timeseries parsers', () => {
  it('reads MemTotal, MemAvailable and Cached of this host in bytes', async () => {
    const memory = await readHostMemory();
    const total = /^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
    expect(memory?.memTotalBytes).toBe(Number(total) * 1024);
    expect(memory!.memAvailableBytes).toBeGreaterThan(0);
    expect(memory!.memAvailableBytes).toBeLessThanOrEqual(memory!.memTotalBytes);
    expect(await readHostMemory('/nonexistent')).toBeNull();
  });

  it('finds the block device of a file system by major:minor and reads its sector counters', async () => {
    const root = await deviceOf('/');
    expect(root).not.toBeNull();
    const counters = await readDeviceCounters(root!);
    // Where / is on a block device (vda on this machine; not in an overlay container), it has read something.
    if (root!.major !== 0) {
      expect(counters).not.toBeNull();
      expect(counters!.name).toMatch(/^\w+/);
      expect(counters!.readBytes).toBeGreaterThan(0);
      expect(counters!.readBytes % 512).toBe(0);
    }
    expect(await readDeviceCounters({ major: 99999, minor: 0 })).toBeNull();
  });
});
