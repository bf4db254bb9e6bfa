// The storage-under-test resolution on fixture trees (a /proc and a /sys laid out as the kernel lays
// them out: partitions inside their disk's directory, class/block symlinks, slaves, loop backing files),
// the remote one-shot command run by a real `sh` against the same trees and against this machine, and
// the whole-run device figures.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeviceFiguresAccumulator,
  deviceGlobMatcher,
  gatherStorageFacts,
  parseMountinfo,
  parseStorageGatherOutput,
  resolveStorageUnderTest,
  storageDeviceSelector,
  storageGatherCommand,
  unescapeMountField,
  type StorageFacts,
} from './index';
import type { TimeSeriesSample } from '../types';

const MOUNTINFO = [
  '1 0 253:0 / / rw,relatime shared:1 - ext4 /dev/mapper/vg0-root rw',
  '22 1 0:22 / /dev/shm rw,nosuid shared:2 - tmpfs tmpfs rw,size=1024k',
  '30 1 9:0 / /mnt/raid\\040data rw,noatime - xfs /dev/md0 rw,attr2',
  '31 1 7:0 / /mnt/loop rw - ext4 /dev/loop0 rw',
  '32 1 0:50 / /mnt/nfs rw,relatime shared:9 - nfs4 server:/export\\040dir rw,vers=4.2',
  '33 1 0:23 / /mnt/stack rw - tmpfs tmpfs rw',
  '34 33 7:0 / /mnt/stack rw - ext4 /dev/loop0 rw',
  '35 1 0:60 / /mnt/btrfs rw - btrfs /dev/sdd rw',
  '36 1 0:70 / /mnt/lustre rw - lustre 10.0.0.1@tcp:/fs rw',
  'garbage line',
  '',
].join('\n');

let root: string;
let proc: string;
let sys: string;

/** A /sys/class/block entry: its directory under `devices/…` and the class symlink to it. */
function blockDevice(devicePath: string, files: Record<string, string>, links: { slaves?: string[] } = {}): void {
  const dir = join(sys, 'devices', devicePath);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), `${text}\n`);
  }
  if (links.slaves) {
    mkdirSync(join(dir, 'slaves'), { recursive: true });
    for (const s of links.slaves) symlinkSync(`../../${s}`, join(dir, 'slaves', s));
  }
  const name = devicePath.slice(devicePath.lastIndexOf('/') + 1);
  symlinkSync(join('..', '..', 'devices', devicePath), join(sys, 'class', 'block', name));
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mlps-storage-'));
  proc = join(root, 'proc');
  sys = join(root, 'sys');
  mkdirSync(join(proc, 'self'), { recursive: true });
  writeFileSync(join(proc, 'self', 'mountinfo'), MOUNTINFO);
  mkdirSync(join(sys, 'class', 'block'), { recursive: true });
  blockDevice('pci0000:00/nvme/nvme0/nvme0n1', { dev: '259:0' });
  blockDevice('pci0000:00/nvme/nvme0/nvme0n1/nvme0n1p1', { dev: '259:1', partition: '1' });
  blockDevice('pci0000:00/nvme/nvme0/nvme0n1/nvme0n1p2', { dev: '259:2', partition: '2' });
  blockDevice('virtual/block/dm-0', { dev: '253:0', 'dm/name': 'vg0-root' }, { slaves: ['nvme0n1p2'] });
  blockDevice('pci0000:00/ata1/sdb', { dev: '8:16' });
  blockDevice('pci0000:00/ata2/sdc', { dev: '8:32' });
  blockDevice('pci0000:00/ata3/sdd', { dev: '8:48' });
  blockDevice('virtual/block/md0', { dev: '9:0', 'md/level': 'raid1' }, { slaves: ['sdb', 'sdc'] });
  blockDevice('virtual/block/loop0', { dev: '7:0', 'loop/backing_file': '/var/images/a b.img' });
  blockDevice('virtual/block/zram0', { dev: '252:0' });
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const TARGETS = [
  { role: 'data' as const, path: '/srv/data' },
  { role: 'checkpoint' as const, path: '/mnt/raid data/ckpt' },
  { role: 'results' as const, path: '/mnt/loop/results' },
  { role: 'watch' as const, path: '/dev/shm/x' },
  { role: 'watch' as const, path: '/mnt/nfs/run' },
  { role: 'watch' as const, path: '/mnt/stack' },
  { role: 'watch' as const, path: '/mnt/btrfs/a' },
  { role: 'watch' as const, path: '/mnt/lustre/a' },
  { role: 'watch' as const, path: '/mnt/loopish' },
];

function fixtureFacts(): StorageFacts {
  return gatherStorageFacts({ paths: TARGETS.map((t) => t.path), procRoot: proc, sysRoot: sys, resolvePaths: false });
}

describe('mountinfo', () => {
  test('octal escapes, optional fields, major:minor; bad lines skipped', () => {
    const m = parseMountinfo(MOUNTINFO);
    expect(m).toHaveLength(9);
    expect(m[2]).toMatchObject({ mountPoint: '/mnt/raid data', dev: '9:0', major: 9, minor: 0, fstype: 'xfs', source: '/dev/md0' });
    expect(m[4]).toMatchObject({ source: 'server:/export dir', fstype: 'nfs4', superOptions: 'rw,vers=4.2' });
    expect(unescapeMountField('a\\011b\\012c\\134d')).toBe('a\tb\nc\\d');
    expect(parseMountinfo('1 2 3\n\0\n- - -')).toEqual([]);
  });
});

describe('resolution over a fixture tree', () => {
  test('dm over an nvme partition, md raid, loop with its file, tmpfs, nfs, stacked, btrfs, lustre', () => {
    const r = resolveStorageUnderTest(TARGETS, fixtureFacts());
    expect(r[0]).toMatchObject({ role: 'data', mount_point: '/', fstype: 'ext4', source: '/dev/mapper/vg0-root', devices: ['dm-0'], network: false });
    expect(r[0]!.chain).toEqual([
      { device: 'dm-0', kind: 'dm', dev: '253:0', holder: null, dm_name: 'vg0-root' },
      { device: 'nvme0n1p2', kind: 'part', dev: '259:2', holder: 'dm-0' },
      { device: 'nvme0n1', kind: 'nvme', dev: '259:0', holder: 'nvme0n1p2' },
    ]);
    expect(r[1]).toMatchObject({ mount_point: '/mnt/raid data', fstype: 'xfs', devices: ['md0'] });
    expect(r[1]!.chain.map((l) => `${l.device}:${l.kind}<${l.holder ?? ''}`)).toEqual(['md0:md<', 'sdb:disk<md0', 'sdc:disk<md0']);
    expect(r[2]).toMatchObject({ mount_point: '/mnt/loop', devices: ['loop0'] });
    expect(r[2]!.chain).toEqual([{ device: 'loop0', kind: 'loop', dev: '7:0', holder: null, backing_file: '/var/images/a b.img' }]);
    expect(r[3]).toMatchObject({ mount_point: '/dev/shm', fstype: 'tmpfs', devices: [], chain: [], network: false });
    expect(r[3]!.error).toBeUndefined();
    expect(r[4]).toMatchObject({ mount_point: '/mnt/nfs', fstype: 'nfs4', source: 'server:/export dir', devices: [], network: true });
    // Two mounts on /mnt/stack: the later one (ext4 on loop0) hides the tmpfs.
    expect(r[5]).toMatchObject({ mount_point: '/mnt/stack', fstype: 'ext4', devices: ['loop0'] });
    // btrfs reports an anonymous 0:NN; its source names the device.
    expect(r[6]).toMatchObject({ fstype: 'btrfs', devices: ['sdd'] });
    expect(r[7]).toMatchObject({ fstype: 'lustre', network: true, devices: [] });
    // A prefix that is not a whole component is not that mount.
    expect(r[8]).toMatchObject({ mount_point: '/', devices: ['dm-0'] });
  });

  test('unreadable mounts and unknown devices say why, never throw', () => {
    const none = gatherStorageFacts({ paths: ['/x'], procRoot: join(root, 'nope'), sysRoot: join(root, 'nope'), resolvePaths: false });
    const [e] = resolveStorageUnderTest([{ role: 'data', path: '/x' }], none);
    expect(e).toMatchObject({ mount_point: null, devices: [] });
    expect(e!.error).toMatch(/cannot read .*mountinfo/);
    const facts = fixtureFacts();
    facts.blockDevices = facts.blockDevices.filter((d) => d.name !== 'loop0');
    const [l] = resolveStorageUnderTest([{ role: 'results', path: '/mnt/loop/r' }], facts);
    expect(l!.error).toBe('no block device 7:0 in /sys/class/block');
  });
});

describe('the remote one-shot command', () => {
  test('run by sh on the fixture tree, it gathers exactly what the local gatherer reads', () => {
    const paths = TARGETS.map((t) => t.path);
    const out = execFileSync('sh', ['-c', storageGatherCommand(paths, { procRoot: proc, sysRoot: sys })], { encoding: 'utf8' });
    const remote = parseStorageGatherOutput(out, paths);
    const local = gatherStorageFacts({ paths, procRoot: proc, sysRoot: sys });
    expect(remote.errors).toEqual({});
    expect(remote.mounts).toEqual(local.mounts);
    expect(remote.blockDevices).toEqual(local.blockDevices);
    expect(remote.realPaths).toEqual(local.realPaths);
    expect(resolveStorageUnderTest(TARGETS, remote)).toEqual(resolveStorageUnderTest(TARGETS, local));
  });

  test('on this machine, quoting odd paths (quotes, spaces, a symlink), it agrees with the local gatherer', () => {
    const odd = join(root, "it's a dir");
    mkdirSync(odd, { recursive: true });
    symlinkSync(odd, join(root, 'link'));
    const paths = [process.cwd(), join(root, 'link', 'not yet'), odd, '/'];
    const out = execFileSync('sh', ['-c', storageGatherCommand(paths)], { encoding: 'utf8' });
    const remote = parseStorageGatherOutput(out, paths);
    const local = gatherStorageFacts({ paths });
    expect(remote.realPaths[join(root, 'link', 'not yet')]).toBe(join(odd, 'not yet'));
    expect(remote.realPaths).toEqual(local.realPaths);
    expect(remote.mounts).toEqual(local.mounts);
    expect(remote.blockDevices).toEqual(local.blockDevices);
    const targets = paths.map((path) => ({ role: 'watch' as const, path }));
    expect(resolveStorageUnderTest(targets, remote)).toEqual(resolveStorageUnderTest(targets, local));
  });

  test('a cut-short or foreign output gives errors, not a throw', () => {
    expect(parseStorageGatherOutput('', ['/a']).errors).toMatchObject({ output: expect.any(String), mountinfo: expect.any(String), block: expect.any(String) });
    const half = parseStorageGatherOutput('@@mlps:mountinfo\n1 0 8:0 / / rw - ext4 /dev/sda rw\n@@mlps:block\ndev sda 8:0\npart\n', ['/a']);
    expect(half.mounts).toHaveLength(1);
    expect(half.blockDevices).toEqual([{ name: 'sda', dev: '8:0', partition: false, parent: null, slaves: [], backingFile: null, dmName: null }]);
    expect(half.errors.output).toMatch(/cut short/);
  });
});

function sample(ms: number, uptime: number, disks: Array<[string, number, number, number, number]>): TimeSeriesSample {
  return {
    timestamp: new Date(ms).toISOString(),
    timestamp_ms: ms,
    hostname: 'h',
    uptime_seconds: uptime,
    diskstats: disks.map(([device_name, reads, sectorsRead, writes, sectorsWritten]) => ({
      device_name,
      reads_completed: reads,
      reads_merged: 0,
      sectors_read: sectorsRead,
      time_reading_ms: reads * 2,
      writes_completed: writes,
      writes_merged: 0,
      sectors_written: sectorsWritten,
      time_writing_ms: writes * 3,
      ios_in_progress: 0,
      time_doing_ios_ms: uptime * 500,
      weighted_time_doing_ios_ms: 0,
    })),
  } as TimeSeriesSample;
}

describe('whole-run device figures', () => {
  test('first-to-last deltas on the uptime clock: MB/s, IOPS, request size, await, util', () => {
    const acc = new DeviceFiguresAccumulator((d) => d === 'loop0');
    acc.add(sample(1_000_000, 100, [['loop0', 0, 0, 0, 0], ['vda', 5, 5, 5, 5]]));
    acc.add(sample(1_005_000, 105, [['loop0', 10, 80, 100, 20480]]));
    // The wall clock jumped (NTP); the uptime clock says 10 s.
    acc.add(sample(1_050_000, 110, [['loop0', 10, 80, 200, 40960]]));
    const [r] = acc.result();
    expect(r!.device).toBe('loop0');
    const f = r!.figures!;
    expect(f.seconds).toBe(10);
    expect(f.writeBytes).toBe(40960 * 512);
    expect(f.writeMBps).toBeCloseTo((40960 * 512) / 10 / 1e6, 9);
    expect(f.writeIops).toBe(20);
    expect(f.writeAvgRequestKiB).toBe(102.4);
    expect(f.writeAwaitMs).toBe(3);
    expect(f.readAvgRequestKiB).toBe(4);
    expect(f.utilPercent).toBeCloseTo(50, 9);
    expect(acc.result()).toHaveLength(1);
  });

  test('a counter going back (device re-created) restarts the span; one sample gives no figures', () => {
    const acc = new DeviceFiguresAccumulator(() => true);
    acc.add(sample(0, 10, [['zram0', 0, 0, 100, 1000]]));
    acc.add(sample(1000, 11, [['zram0', 0, 0, 0, 0]]));
    acc.add(sample(2000, 12, [['zram0', 0, 0, 10, 100], ['nbd0', 1, 1, 1, 1]]));
    const byName = Object.fromEntries(acc.result().map((r) => [r.device, r.figures]));
    expect(byName.zram0!.writeBytes).toBe(100 * 512);
    expect(byName.nbd0).toBeNull();
  });

  test('--devices globs and the storage-under-test selection', () => {
    const m = deviceGlobMatcher('nvme*n1, dm-?,sd[b-c],loop[!0]');
    expect(['nvme0n1', 'nvme12n1', 'dm-3', 'sdb', 'sdc', 'loop1'].every(m)).toBe(true);
    expect(['nvme0n1p1', 'dm-10', 'sdd', 'loop0', 'vda'].some(m)).toBe(false);
    expect(deviceGlobMatcher('')('vda')).toBe(false);
    const s = storageDeviceSelector({ entries: [{ devices: ['loop0'] }, { devices: ['loop0', 'vda'] }] as never });
    expect(s.selected).toBe('storage-under-test');
    expect(['loop0', 'vda', 'zram0'].map(s.select)).toEqual([true, true, false]);
    expect(storageDeviceSelector({ entries: [], devicesGlob: 'zram*' }).selected).toBe('glob');
    expect(storageDeviceSelector({ entries: undefined }).selected).toBe('none');
  });
});

describe('the document key', () => {
  test('writeTimeSeriesDocument puts storage_under_test after the reference keys; the loader keeps it and checks its shape', async () => {
    const { writeTimeSeriesDocument, parseTimeSeriesData } = await import('../index');
    const { readFileSync } = await import('node:fs');
    const sut = { h1: resolveStorageUnderTest([{ role: 'results', path: '/mnt/loop/r' }], fixtureFacts()) };
    const doc = {
      collection_interval_seconds: 1,
      start_time: '2026-01-01T00:00:00Z',
      end_time: '2026-01-01T00:00:01Z',
      num_samples: 0,
      samples_by_host: { h1: [] },
      collection_method: 'local' as const,
      hosts_requested: ['h1'],
      hosts_collected: [],
    };
    const file = join(root, 'doc.json');
    await writeTimeSeriesDocument(file, doc, { storageUnderTest: sut });
    const text = readFileSync(file, 'utf8');
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual([...Object.keys(doc), 'storage_under_test']);
    expect(parseTimeSeriesData(text).storage_under_test).toEqual(sut);
    expect(() => parseTimeSeriesData({ ...doc, storage_under_test: { h1: [{ devices: [3] }] } })).toThrow(
      'storage_under_test.h1[0].devices[0]: expected a string',
    );
  });
});

describe('reports lead with the storage under test', () => {
  test('text, Markdown and HTML show it before the host tables; tmpfs says no block device; --devices picks instead', async () => {
    const { buildReport, renderReportText, renderReportMarkdown, renderReportHtml } = await import('../report/index');
    const facts = fixtureFacts();
    const storage = {
      h1: resolveStorageUnderTest([{ role: 'checkpoint', path: '/mnt/loop/ckpt' }, { role: 'results', path: '/dev/shm/r' }], facts),
    };
    const samples = [
      sample(1_000_000, 100, [['loop0', 0, 0, 0, 0], ['vda', 0, 0, 0, 0]]),
      sample(1_010_000, 110, [['loop0', 0, 0, 100, 204800], ['vda', 50, 400, 0, 0]]),
    ];
    const data = {
      collection_interval_seconds: 10,
      start_time: samples[0]!.timestamp,
      end_time: samples[1]!.timestamp,
      num_samples: 2,
      samples_by_host: { h1: samples },
      collection_method: 'local' as const,
      hosts_requested: ['h1'],
      hosts_collected: ['h1'],
      storage_under_test: storage,
    };
    const text = renderReportText(buildReport(data));
    const sut = text.indexOf('Storage under test');
    expect(sut).toBeGreaterThan(0);
    expect(sut).toBeLessThan(text.indexOf('h1 (h): 2 samples'));
    expect(text).toContain('checkpoint /mnt/loop/ckpt on /mnt/loop (ext4, /dev/loop0) → loop0 (loop, file /var/images/a b.img)');
    expect(text).toMatch(/loop0: write 10\.49 MB\/s \(104\.9 MB\), read 0 MB\/s/);
    expect(text).toContain('results /dev/shm/r on /dev/shm (tmpfs, tmpfs): no block device');
    expect(text).not.toMatch(/vda: write/);
    expect(renderReportMarkdown(buildReport(data))).toMatch(/## Storage under test[\s\S]*loop0: write 10\.49[\s\S]*## h1/);
    const html = renderReportHtml(data);
    expect(html.indexOf('<div id="storage">')).toBeLessThan(html.indexOf('<div id="charts">'));
    expect(html).toContain('<td>loop0</td><td>10.49</td>');
    const picked = renderReportText(buildReport(data, { devicesGlob: 'vd*' }));
    expect(picked).toContain("devices matching 'vd*' (--devices)");
    expect(picked).toMatch(/vda: write 0 MB\/s \(0 MB\), read 0\.020 MB\/s/);
    expect(picked).not.toMatch(/loop0: write/);
    const tmpfsOnly = renderReportText(buildReport({ ...data, storage_under_test: { h1: [storage.h1[1]!] } }));
    expect(tmpfsOnly).toContain("no block device to measure; the workload's process I/O was not sampled");
  });
});

describe('the command riding on another', () => {
  test("after another command's sections (the start snapshot's), the output parses the same; only its own end completes it", () => {
    const paths = ['/tmp'];
    const own = execFileSync('sh', ['-c', storageGatherCommand(paths)], { encoding: 'utf8' });
    const snapshotLike = '@@mlps:hostname\nh1\n@@mlps:mounts\n/dev/x / ext4 rw 0 0\n@@mlps:end\n';
    expect(parseStorageGatherOutput(snapshotLike + own, paths)).toEqual(parseStorageGatherOutput(own, paths));
    const cut = own.slice(0, own.indexOf('@@mlps:paths'));
    expect(parseStorageGatherOutput(snapshotLike + cut, paths).errors.output).toMatch(/cut short/);
  });
});

describe('a host that did not answer', () => {
  test('its entries say why; no "no block device" claim is made for it', async () => {
    const { storageSummaryLines, StorageSummaryBuilder } = await import('../report/index');
    const { unavailableStorageFacts } = await import('./index');
    const entries = resolveStorageUnderTest([{ role: 'watch', path: '/data' }], unavailableStorageFacts('no answer: timeout'));
    const lines = storageSummaryLines(new StorageSummaryBuilder({ storage: { h2: entries } }).result());
    expect(lines).toEqual(['Storage under test (whole run; MB = 10^6 bytes):', '  h2:', '    watch /data mount unknown [no answer: timeout]']);
  });
});
