import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nfsSource, parseNfsMountstats } from './nfs-mountstats';

const fixture = (name: string): string => readFileSync(join(__dirname, '../__fixtures__/netfs', name), 'utf8');

describe('parseNfsMountstats on real captures', () => {
  it('statvers=1.1, NFSv4 over tcp with the 13-field xprt line and 8-field per-op lines (prometheus/procfs)', () => {
    const mounts = parseNfsMountstats(fixture('mountstats-procfs-nfs4-tcp-statvers1.1'));
    // rootfs, sysfs, proc and ext4 are skipped: one NFS mount.
    expect(mounts).toHaveLength(1);
    const m = mounts[0]!;
    expect(Object.keys(m)).toEqual(['device', 'mount_point', 'fstype', 'statvers', 'mountaddr', 'age', 'bytes', 'events', 'xprt', 'per_op']);
    expect(m).toMatchObject({ device: '192.168.1.1:/srv/test', mount_point: '/mnt/nfs/test', fstype: 'nfs4', statvers: 1.1, mountaddr: '192.168.1.1', age: 13968 });
    expect(m.bytes).toEqual({
      read_bytes: 1207640230, write_bytes: 0, direct_read_bytes: 0, direct_write_bytes: 0,
      total_read_bytes: 1210214218, total_write_bytes: 0, read_pages: 295483, write_pages: 0,
    });
    // Same values procfs's own test expects for this capture.
    expect(m.events).toMatchObject({ inode_revalidate: 52, dnode_revalidate: 226, vfs_open: 1, vfs_lookup: 13, vfs_access: 398, vfs_read_pages: 331, vfs_write_pages: 47, vfs_flush: 77, vfs_file_release: 77, pnfs_write: 0 });
    expect(Object.keys(m.events!)).toHaveLength(27);
    expect(m.xprt).toEqual([
      { protocol: 'tcp', port: 832, bind_count: 0, connect_count: 1, connect_time: 0, idle_time: 11, sends: 6428, recvs: 6428, bad_xids: 0, req_u: 12154, bklog_u: 0, max_slots: 24, sending_u: 26, pending_u: 5726 },
    ]);
    expect(Object.keys(m.per_op)).toEqual(['NULL', 'READ', 'WRITE', 'ACCESS']);
    expect(m.per_op.READ).toEqual({ ops: 1298, transmissions: 1298, major_timeouts: 0, bytes_sent: 207680, bytes_received: 1210292152, queue_ms: 6, rtt_ms: 79386, execute_ms: 79407 });
    // A 20-digit counter (a wrapped queue time) becomes the nearest double, not a wrong magnitude.
    expect(m.per_op.ACCESS!.queue_ms).toBe(18446743919241604546);
  });

  it('statvers=1.1, NFSv3 over rdma with the 9th per-op errors column (prometheus/procfs)', () => {
    const [m] = parseNfsMountstats(fixture('mountstats-procfs-nfs3-rdma-errors'));
    expect(m).toMatchObject({ device: '<nfsserver>:<nfsmount>', mount_point: '<mountpoint>', fstype: 'nfs', mountaddr: '172.16.40.20', age: 1270876 });
    const x = m!.xprt[0]!;
    expect(x).toMatchObject({ protocol: 'rdma', port: 0, bind_count: 0, connect_count: 5808, connect_time: 62, idle_time: 0, sends: 494490723, recvs: 494490687, bad_xids: 36, req_u: 10032963746, bklog_u: 1282789 });
    // rdma prints no slot counters; its own follow the ten generic ones.
    expect(x.max_slots).toBeUndefined();
    expect(x).toMatchObject({ read_chunk_count: 107150285, write_chunk_count: 1226637531, reply_chunk_count: 2673889, reply_waits_for_send: 96 });
    expect(Object.keys(x)).toHaveLength(1 + 27);
    expect(m!.per_op.NULL).toEqual({ ops: 16, transmissions: 16, major_timeouts: 0, bytes_sent: 640, bytes_received: 384, queue_ms: 320, rtt_ms: 11, execute_ms: 331, errors: 0 });
  });

  it('statvers=1.0, NFSv3 over tcp with the 10-field xprt line and 25 events (TACC tacc_stats)', () => {
    const [m] = parseNfsMountstats(fixture('mountstats-tacc-nfs3-tcp-statvers1.0'));
    expect(m).toMatchObject({ device: 'ifs10G.blah.blah.blah.com:/ifs', mount_point: '/ifs', fstype: 'nfs', statvers: 1, age: 1309110 });
    expect(Object.keys(m!.events!)).toHaveLength(25);
    expect(m!.events!.jukebox_delay).toBe(0);
    expect(m!.events!.pnfs_read).toBeUndefined();
    expect(m!.xprt).toEqual([{ protocol: 'tcp', port: 766, bind_count: 1, connect_count: 1, connect_time: 0, idle_time: 0, sends: 172670997, recvs: 172670964, bad_xids: 33, req_u: 3451662215, bklog_u: 293843845166 }]);
    expect(Object.keys(m!.per_op)).toHaveLength(12);
    expect(m!.per_op.WRITE).toEqual({ ops: 22095837, transmissions: 22095838, major_timeouts: 0, bytes_sent: 676314934552, bytes_received: 3534070784, queue_ms: 212745097913, rtt_ms: 103711782, execute_ms: 212850213433 });
    expect(m!.per_op.WRITE!.errors).toBeUndefined();
  });

  it('this machine: mountstats without NFS gives no mounts, and the source no key and no error', () => {
    const text = readFileSync('/proc/self/mountstats', 'utf8');
    const errors: Record<string, string> = {};
    if (!/ with fstype nfs4? /.test(text)) {
      expect(parseNfsMountstats(text)).toEqual([]);
      expect(nfsSource.build([text], errors)).toBeUndefined();
    }
    expect(errors).toEqual({});
    expect(nfsSource.build([undefined], errors)).toBeUndefined();
    expect(errors).toEqual({});
  });
});

describe('parseNfsMountstats on odd input', () => {
  const head = 'device srv:/x mounted on /mnt with fstype nfs statvers=1.1\n';

  it('udp transports (no connect fields), several xprt lines (nconnect) and unknown transports', () => {
    const [m] = parseNfsMountstats(`${head}\txprt:\tudp 1 2 3 4 5 6 7 8 9 10\n\txprt:\tudp 1 2 3 4 5 6 7\n\txprt:\tsctp 1 2 3\n\txprt:\ttcp 1 2\n`);
    expect(m!.xprt).toEqual([
      { protocol: 'udp', port: 1, bind_count: 2, sends: 3, recvs: 4, bad_xids: 5, req_u: 6, bklog_u: 7, max_slots: 8, sending_u: 9, pending_u: 10 },
      { protocol: 'udp', port: 1, bind_count: 2, sends: 3, recvs: 4, bad_xids: 5, req_u: 6, bklog_u: 7 },
    ]);
  });

  it('drops a malformed line on its own and keeps the rest of the mount', () => {
    const text = `${head}\tbytes:\t1 2 x 4 5 6 7 8\n\tage:\t5\n\tper-op statistics\n\t  READ: 1 2 3 4 5 6 7\n\t WRITE: 1 2 3 4 5 6 7 8\n\t__proto__: 1 2 3 4 5 6 7 8\n`;
    const [m] = parseNfsMountstats(text);
    expect(m!.bytes).toBeUndefined();
    expect(m!.age).toBe(5);
    expect(Object.keys(m!.per_op)).toEqual(['WRITE']);
  });

  it('per-op lines count only after "per-op statistics", and a new device ends the mount', () => {
    const text = `${head}\t  READ: 1 2 3 4 5 6 7 8\n\tper-op statistics\n\t  READ: 9 9 9 9 9 9 9 9\ndevice tmpfs mounted on /tmp with fstype tmpfs\n\t  WRITE: 1 2 3 4 5 6 7 8\n`;
    const mounts = parseNfsMountstats(text);
    expect(mounts).toHaveLength(1);
    expect(mounts[0]!.per_op).toEqual({ READ: { ops: 9, transmissions: 9, major_timeouts: 9, bytes_sent: 9, bytes_received: 9, queue_ms: 9, rtt_ms: 9, execute_ms: 9 } });
  });

  it('a truncated device line or another filesystem gives nothing', () => {
    expect(parseNfsMountstats('device srv:/x mounted on /mnt with fstype\n')).toEqual([]);
    expect(parseNfsMountstats('device srv:/x mounted BAD /mnt with fstype nfs\n')).toEqual([]);
    expect(parseNfsMountstats('device srv:/x mounted on /mnt with fstype nfsd statvers=1.1\n\tage:\t1\n')).toEqual([]);
    expect(parseNfsMountstats(42 as unknown as string)).toEqual([]);
  });
});
