import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCifsStats } from './proc/cifs';
import { parseLustreLliteStats } from './proc/lustre-llite';
import { parseNfsMountstats } from './proc/nfs-mountstats';
import { deriveRates } from './rates';
import { cifsShareRates, deriveNetfsRates, lustreRates, nfsMountRates } from './rates-netfs';
import type { TimeSeriesSample } from './types';

const fixture = (name: string): string => readFileSync(join(__dirname, '__fixtures__/netfs', name), 'utf8');

/** The capture with READ, WRITE, bytes and the transport moved on as a 10 s interval of traffic would. */
function later(text: string): string {
  return text
    .replace('\tage:\t13968', '\tage:\t13978')
    .replace('bytes:\t1207640230 0 0 0 1210214218 0 295483 0', 'bytes:\t1217640230 4096000 0 0 1220214218 4194304 295483 0')
    .replace('tcp 832 0 1 0 11 6428 6428 0 12154 0 24 26 5726', 'tcp 832 0 1 0 0 6628 6628 0 12554 50 24 26 5726')
    .replace('READ: 1298 1298 0 207680 1210292152 6 79386 79407', 'READ: 1398 1400 0 223680 1220292152 16 80386 80607')
    .replace('WRITE: 0 0 0 0 0 0 0 0', 'WRITE: 100 100 0 4210304 12800 2 3000 3500');
}

describe('nfsMountRates: nfsiostat figures', () => {
  const text = fixture('mountstats-procfs-nfs4-tcp-statvers1.1');
  const [before] = parseNfsMountstats(text);
  const [after] = parseNfsMountstats(later(text));

  it('op/s and rpc bklog from the transport, read and write lines from the per-op counters', () => {
    const r = nfsMountRates(before!, after!, 10)!;
    expect(r).toMatchObject({ mountPoint: '/mnt/nfs/test', device: '192.168.1.1:/srv/test', fstype: 'nfs4' });
    // 200 RPCs sent in 10 s; 50 backlog units over them.
    expect(r.opsPerSec).toBe(20);
    expect(r.rpcBacklog).toBe(0.25);
    // read: 100 ops, 16000 + 10000000 bytes, 2 retransmissions, 1000 ms RTT, 1200 ms exe, 10 ms queue.
    expect(r.read).toEqual({
      opsPerSec: 10,
      bytesPerSec: 1001600,
      kbPerOp: 10016000 / 1024 / 100,
      retrans: 2,
      retransPercent: 2,
      avgRttMs: 10,
      avgExeMs: 12,
      avgQueueMs: 0.1,
      errors: null,
    });
    expect(r.write).toMatchObject({ opsPerSec: 10, retrans: 0, avgRttMs: 30, avgExeMs: 35 });
    // Application bytes (page cache included) and what went over the wire.
    expect(r.appReadBytesPerSec).toBe(1000000);
    expect(r.appWriteBytesPerSec).toBe(409600);
    expect(r.serverReadBytesPerSec).toBe(1000000);
    expect(r.serverWriteBytesPerSec).toBe(419430.4);
    expect(Object.keys(r.ops)).toEqual(['READ', 'WRITE']);
  });

  it('a counter that went back (remount) or another export under the same mount point gives no rate', () => {
    expect(nfsMountRates(after!, before!, 10)).toBeNull();
    expect(nfsMountRates(before!, { ...after!, device: 'other:/x' }, 10)).toBeNull();
    expect(nfsMountRates(before!, after!, 0)).toBeNull();
  });

  it('deriveRates puts them under netfs.nfs by mount point, on the host clock', () => {
    const s = (ms: number, t: string, uptime: number): TimeSeriesSample => ({ timestamp: new Date(ms).toISOString(), timestamp_ms: ms, hostname: 'h', uptime_seconds: uptime, nfs: parseNfsMountstats(t) });
    const rates = deriveRates(s(1_000_000, text, 100), s(1_010_000, later(text), 110))!;
    expect(Object.keys(rates.netfs!.nfs)).toEqual(['/mnt/nfs/test']);
    expect(rates.netfs!.nfs['/mnt/nfs/test']!.read!.opsPerSec).toBe(10);
    const plain = deriveRates({ timestamp: 'a', timestamp_ms: 0, hostname: 'h' }, { timestamp: 'b', timestamp_ms: 1000, hostname: 'h' })!;
    expect(plain).not.toHaveProperty('netfs');
  });

  it('the errors column of newer kernels gives errors per interval', () => {
    const text2 = fixture('mountstats-procfs-nfs3-rdma-errors');
    const [a] = parseNfsMountstats(text2);
    const [b] = parseNfsMountstats(text2.replace('NULL: 16 16 0 640 384 320 11 331 0', 'NULL: 26 26 0 1040 624 330 21 351 3'));
    expect(nfsMountRates(a!, b!, 5)!.ops.NULL).toMatchObject({ opsPerSec: 2, errors: 3, avgRttMs: 1 });
  });
});

describe('cifsShareRates: cifsiostat figures', () => {
  it('two real successive captures of sysstat (tests/root1 → root2)', () => {
    const [a] = parseCifsStats(fixture('cifs-sysstat-root1-smb1'));
    const [b] = parseCifsStats(fixture('cifs-sysstat-root2-smb1'));
    expect(cifsShareRates(a!, b!, 2)).toEqual({
      share: '\\\\addr\\SHARED',
      readBytesPerSec: 360,
      writeBytesPerSec: 61.5,
      readsPerSec: 3,
      writesPerSec: 1.5,
      opensPerSec: 0,
      closesPerSec: 0,
      smbsPerSec: 0,
    });
  });

  it('SMB3 counts creates as opens', () => {
    const [a] = parseCifsStats(fixture('cifs-linux-cifs-2020-smb3'));
    const b = { share: a!.share, stats: { ...a!.stats, creates: a!.stats.creates! + 10, read_bytes: a!.stats.read_bytes! + 1e6 } };
    expect(cifsShareRates(a!, b, 10)).toMatchObject({ opensPerSec: 1, readBytesPerSec: 1e5 });
    expect(cifsShareRates(b, a!, 10)).toBeNull();
  });
});

describe('lustreRates: llstat figures', () => {
  it('bytes and calls from read_bytes/write_bytes, events per second for the other counters', () => {
    const [a] = parseLustreLliteStats(fixture('llite-stats-hpe-2.x-usecs'));
    const [b] = parseLustreLliteStats(
      fixture('llite-stats-hpe-2.x-usecs')
        .replace('46318 samples [bytes] 1048576 1048576 48567943168', '46328 samples [bytes] 1048576 1048576 48578428928')
        .replace('open                      10271', 'open                      10291')
        .concat('fsync                     4 samples [regs]\n'),
    );
    const r = lustreRates(a!, b!, 10)!;
    expect(r).toMatchObject({ readBytesPerSec: 1048576, readCallsPerSec: 1, writeBytesPerSec: 0, writeCallsPerSec: 0 });
    expect(r.opsPerSec.open).toBe(2);
    // A counter printed for the first time had fired 0 times before.
    expect(r.opsPerSec.fsync).toBe(0.4);
    expect(lustreRates(b!, a!, 10)).toBeNull();
  });

  it('deriveNetfsRates: nothing without network filesystems; odd records are skipped, not thrown on', () => {
    expect(deriveNetfsRates({ timestamp: 'a', hostname: 'h' }, { timestamp: 'b', hostname: 'h' }, 1)).toBeNull();
    const odd = { timestamp: 'b', hostname: 'h', nfs: [null, 7, { mount_point: 3 }], cifs: 'x', lustre: [{}] } as unknown as TimeSeriesSample;
    expect(deriveNetfsRates(odd, odd, 1)).toEqual({ nfs: {}, cifs: {}, lustre: {} });
  });
});
