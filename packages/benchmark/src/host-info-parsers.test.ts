import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { findMountFor, parseCpuinfo, parseMemoryBytes, parseMounts, parseOsRelease, parseUptimeSeconds, splitSections } from './host-info-parsers';

describe('host info parsers', () => {
  it('parse this machine\'s real /proc files', () => {
    const cpu = parseCpuinfo(readFileSync('/proc/cpuinfo', 'utf8'));
    expect(cpu.count).toBe(require('node:os').cpus().length);
    expect(typeof cpu.model).toBe('string');
    const mem = parseMemoryBytes(readFileSync('/proc/meminfo', 'utf8'));
    expect(mem?.total_bytes).toBe(require('node:os').totalmem());
    const mounts = parseMounts(readFileSync('/proc/self/mounts', 'utf8'));
    expect(mounts.some((m) => m.mount_point === '/proc' && m.fs_type === 'proc')).toBe(true);
    expect(parseUptimeSeconds(readFileSync('/proc/uptime', 'utf8'))).toBeGreaterThan(0);
  });

  it('finds the innermost mount holding a path, not a sibling with the same prefix', () => {
    const mounts = parseMounts(
      ['/dev/vda1 / ext4 rw 0 0', '/dev/vdb /mnt/data xfs rw 0 0', '/dev/vdc /mnt/data2 xfs rw 0 0', 'tmpfs /mnt/my\\040dir tmpfs rw 0 0'].join('\n'),
    );
    expect(findMountFor('/mnt/data/train/x', mounts)?.device).toBe('/dev/vdb');
    expect(findMountFor('/mnt/data2', mounts)?.device).toBe('/dev/vdc');
    expect(findMountFor('/mnt/datax', mounts)?.device).toBe('/dev/vda1');
    expect(findMountFor('/mnt/my dir/f', mounts)?.fs_type).toBe('tmpfs');
  });

  it('reads PRETTY_NAME, else NAME VERSION', () => {
    expect(parseOsRelease('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(parseOsRelease('NAME=Alpine\nVERSION=3.20\n')).toBe('Alpine 3.20');
    expect(parseOsRelease('')).toBeNull();
  });

  it('splits marker sections', () => {
    expect(splitSections('noise\n@@mlps:kernel\n6.1.0\n@@mlps:hostname\nn1\n@@mlps:end\n')).toEqual({ kernel: '6.1.0', hostname: 'n1', end: '' });
  });

  it('never throw, whatever the input', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        parseCpuinfo(input);
        parseMemoryBytes(input);
        parseMounts(input);
        parseOsRelease(input);
        parseUptimeSeconds(input);
        return true;
      }),
    );
    fc.assert(fc.property(fc.string(), (s) => typeof splitSections(s) === 'object'));
  });
});
