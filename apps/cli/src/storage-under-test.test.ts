// The storage under test, end to end (issue 12 "Done when"): `mlpstorage checkpointing run` with its
// checkpoint folder and results directory on a file system the test makes — ext4 on a loop device, ext4
// on a zram device, and tmpfs — must name that device (or "no block device") as the storage under test in
// the metadata, the run summary, `timeseries report` and `reports reportgen`, with MB/s that account for
// the bytes the run wrote within 2 %.
//
// Needs root (mount, losetup, zram hot_add). Cleanup runs in afterAll, and, should this process be killed
// first, a detached watchdog that waits for this process to go away undoes what is still there (it only
// touches the test's own mount point, the loop devices backed by its own file and its own zram device).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { runCliProcess, type CliResult } from './test-cli';
import { describeWithTools } from '../../../scripts/test-tools.cjs';

jest.setTimeout(180_000);

const GiB = 1024 ** 3;
// llama3-8b is 105 GiB a checkpoint; at this scale one checkpoint is ~56 MB, two are written.
const SCALE = '0.0005';
const LOCAL = '127.0.0.1';

/** The run directory of the checkpointing run under `results`. */
function runDirOf(results: string): string {
  const parent = join(results, 'checkpointing', 'llama3-8b');
  const dirs = readdirSync(parent);
  if (dirs.length !== 1) throw new Error(`expected one run in ${parent}: ${dirs.join(', ')}`);
  return join(parent, dirs[0] as string);
}

function fileEnding(dir: string, suffix: string): string {
  const name = readdirSync(dir).find((n) => n.endsWith(suffix));
  if (name === undefined) throw new Error(`no *${suffix} in ${dir}`);
  return join(dir, name);
}

/** Starts a watchdog that runs `script` once this process is gone (killed before its afterAll). */
function watchdog(script: string): ChildProcess {
  const child = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${script}`], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

function stopWatchdog(child: ChildProcess | null): void {
  if (child?.pid !== undefined) {
    try {
      process.kill(child.pid);
    } catch {
      // Already gone.
    }
  }
}

function sh(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

interface RunOutcome {
  run: CliResult;
  runDir: string;
  metadata: Record<string, any>;
  /** Bytes the benchmark wrote (its own result file). */
  bytesWritten: number;
}

async function checkpointingRun(mnt: string): Promise<RunOutcome> {
  const results = join(mnt, 'results');
  const run = await runCliProcess([
    'checkpointing', 'run', '--model', 'llama3-8b', '--num-processes', '1', '--checkpoint-folder', join(mnt, 'ckpt'),
    '-ncw', '2', '-ncr', '0', '--scale', SCALE, '--timeseries-interval', '1', '--results-dir', results,
  ]);
  if (run.code !== 0) throw new Error(`checkpointing run exited ${run.code}: ${run.stderr}`);
  const runDir = runDirOf(results);
  const metadata = JSON.parse(readFileSync(fileEnding(runDir, '_metadata.json'), 'utf8')) as Record<string, any>;
  const res = JSON.parse(readFileSync(fileEnding(runDir, '_results.json'), 'utf8')) as { write: { bytes: number } };
  return { run, runDir, metadata, bytesWritten: res.write.bytes };
}

/** `written MB` in a device line of the summary or the text report (`loop3: write 105.2 MB/s (112.7 MB)`). */
function deviceLine(text: string, device: string): { mbps: number; mb: number } {
  const m = new RegExp(`\\b${device}: write ([0-9.]+) MB/s \\(([0-9.]+) MB\\)`).exec(text);
  if (m === null) throw new Error(`no line for ${device} in:\n${text}`);
  return { mbps: Number(m[1]), mb: Number(m[2]) };
}

/** Everything a block-device run must show, from one run on `device` mounted at `mnt`. */
async function expectDeviceIsStorageUnderTest(mnt: string, device: string, kind: string): Promise<void> {
  const { run, runDir, metadata, bytesWritten } = await checkpointingRun(mnt);
  expect(bytesWritten).toBeGreaterThan(0.05 * GiB);
  const within2 = (bytes: number): void => expect(Math.abs(bytes - bytesWritten) / bytesWritten).toBeLessThanOrEqual(0.02);

  // Metadata: every role on this host, each on the device.
  const sut = metadata.storage_under_test[LOCAL] as Array<Record<string, any>>;
  expect(sut.map((e) => e.role).sort()).toEqual(['checkpoint', 'results']);
  for (const e of sut) {
    expect(e).toMatchObject({ mount_point: mnt, fstype: 'ext4', source: `/dev/${device}`, devices: [device], network: false });
    expect(e.chain[0]).toMatchObject({ device, kind, holder: null });
  }
  // The time-series document carries the same, after the reference's keys.
  const doc = JSON.parse(readFileSync(fileEnding(runDir, '_timeseries.json'), 'utf8')) as Record<string, unknown>;
  expect(doc.storage_under_test).toEqual(metadata.storage_under_test);
  expect(Object.keys(doc).indexOf('storage_under_test')).toBeGreaterThan(Object.keys(doc).indexOf('hosts_collected'));

  // The run summary leads with it (before the time-series totals) and its MB account for the bytes written.
  const summary = run.stderr + run.stdout;
  expect(summary.indexOf('Storage under test')).toBeGreaterThan(-1);
  expect(summary.indexOf('Storage under test')).toBeLessThan(summary.indexOf('\ntime series: '));
  expect(summary).toContain(`checkpoint ${join(mnt, 'ckpt')} on ${mnt} (ext4, /dev/${device}) → ${device} (${kind}`);
  within2(deviceLine(summary, device).mb * 1e6);

  // `timeseries report`: text leads with it; JSON's MB/s × seconds is the bytes written.
  const text = await runCliProcess(['timeseries', 'report', runDir]);
  expect(text.code).toBe(0);
  expect(text.stdout.indexOf('Storage under test')).toBeLessThan(text.stdout.indexOf(`${LOCAL} (`));
  within2(deviceLine(text.stdout, device).mb * 1e6);
  const json = await runCliProcess(['timeseries', 'report', runDir, '--format', 'json']);
  const figures = JSON.parse(json.stdout).storage[0].devices.find((d: { device: string }) => d.device === device).figures;
  within2(figures.writeMBps * figures.seconds * 1e6);
  within2(figures.writeBytes);
  expect(figures.writeIops).toBeGreaterThan(0);
  expect(figures.writeAvgRequestKiB).toBeGreaterThan(4);
  expect(figures.utilPercent).toBeGreaterThan(0);

  // reportgen: the storage figures first in the run's timeseries block.
  const out = join(mnt, 'reportgen');
  const rg = await runCliProcess(['reports', 'reportgen', '--results-dir', join(mnt, 'results'), '--output-dir', out]);
  expect(rg.code).toBe(0);
  const row = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Array<Record<string, any>>)[0]!;
  expect(Object.keys(row.timeseries)[0]).toBe('storage_devices');
  expect(row.timeseries.storage_devices).toEqual([`${LOCAL}:${device}`]);
  within2(row.timeseries.storage_under_test[LOCAL].devices[device].write_bytes);
  expect(readFileSync(join(out, 'results.csv'), 'utf8')).toContain('timeseries.storage_write_MBps');
}

function makeExt4(device: string, mnt: string): void {
  // No lazy init: ext4lazyinit would write the inode tables in the background, during the run.
  sh('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', device]);
  mkdirSync(mnt, { recursive: true });
  sh('mount', ['-t', 'ext4', device, mnt]);
}

describeWithTools(['root', 'loop-device', 'mkfs.ext4'], 'storage under test: ext4 on a loop device', () => {
  let root = '';
  let mnt = '';
  let backing = '';
  let loop: string | null = null;
  let guard: ChildProcess | null = null;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'mlps-sut-loop-'));
    mnt = join(root, 'mnt');
    backing = join(root, 'backing.img');
    guard = watchdog(
      `umount ${JSON.stringify(mnt)} 2>/dev/null; for d in $(losetup -n -O NAME -j ${JSON.stringify(backing)} 2>/dev/null); do losetup -d "$d"; done; rm -rf ${JSON.stringify(root)}`,
    );
    writeFileSync(backing, '');
    truncateSync(backing, 512 * 1024 * 1024);
    loop = sh('losetup', ['--find', '--show', backing]);
    makeExt4(loop, mnt);
  });

  afterAll(() => {
    if (mnt && existsSync(mnt)) {
      try {
        sh('umount', [mnt]);
      } catch {
        // Not mounted.
      }
    }
    if (loop) {
      try {
        sh('losetup', ['--detach', loop]);
      } catch {
        // Already detached.
      }
    }
    if (root) rmSync(root, { recursive: true, force: true });
    stopWatchdog(guard);
  });

  test('checkpointing run: the loop device is the storage under test in metadata, summary, report and reportgen; MB within 2 % of the bytes written', async () => {
    await expectDeviceIsStorageUnderTest(mnt, basename(loop as string), 'loop');
  });

  test('timeseries collect --watch-path names the device; --devices picks others instead', async () => {
    const device = basename(loop as string);
    const out = join(root, 'collect-out');
    const MiB = 1024 * 1024;
    const r = await runCliProcess([
      'timeseries', 'collect', '--output-dir', out, '--name', 'dd', '--watch-path', mnt, '--',
      'dd', 'if=/dev/zero', `of=${join(mnt, 'dd.bin')}`, 'bs=1M', 'count=32', 'oflag=direct', 'status=none',
    ]);
    expect(r.code).toBe(0);
    const runDir = join(out, 'collect', readdirSync(join(out, 'collect'))[0] as string);
    const metadata = JSON.parse(readFileSync(fileEnding(runDir, '_metadata.json'), 'utf8')) as Record<string, any>;
    // collect records only what it is told to watch (its run directory holds the collector's own files).
    expect(metadata.storage_under_test[LOCAL]).toEqual([expect.objectContaining({ role: 'watch', path: mnt, devices: [device] })]);
    const written = deviceLine(r.stderr + r.stdout, device).mb * 1e6;
    expect(Math.abs(written - 32 * MiB) / (32 * MiB)).toBeLessThanOrEqual(0.02);
    const picked = await runCliProcess(['timeseries', 'report', runDir, '--devices', 'nomatch*,zz?']);
    expect(picked.stdout).toContain("devices matching 'nomatch*,zz?' (--devices)");
    expect(picked.stdout).toContain("no device matches 'nomatch*,zz?'");
    expect(picked.stdout).not.toMatch(new RegExp(`\\b${device}: write`));
  });
});

describeWithTools(['root', 'zram', 'mkfs.ext4'], 'storage under test: ext4 on a zram device', () => {
  let root = '';
  let mnt = '';
  let zram: string | null = null;
  let guard: ChildProcess | null = null;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'mlps-sut-zram-'));
    mnt = join(root, 'mnt');
    const id = readFileSync('/sys/class/zram-control/hot_add', 'utf8').trim();
    zram = `zram${id}`;
    guard = watchdog(`if umount ${JSON.stringify(mnt)} 2>/dev/null || ! grep -q ' ${mnt} ' /proc/self/mounts; then echo ${id} > /sys/class/zram-control/hot_remove; fi; rm -rf ${JSON.stringify(root)}`);
    writeFileSync(`/sys/block/${zram}/disksize`, String(512 * 1024 * 1024));
    makeExt4(`/dev/${zram}`, mnt);
  });

  afterAll(() => {
    try {
      sh('umount', [mnt]);
    } catch {
      // Not mounted.
    }
    if (zram !== null) {
      try {
        writeFileSync('/sys/class/zram-control/hot_remove', zram.slice(4));
      } catch {
        // Busy or gone; the watchdog does not retry (the id may be someone else's by then).
      }
    }
    if (root) rmSync(root, { recursive: true, force: true });
    stopWatchdog(guard);
  });

  test('checkpointing run: the zram device is the storage under test, MB within 2 % of the bytes written', async () => {
    await expectDeviceIsStorageUnderTest(mnt, zram as string, 'zram');
  });
});

describeWithTools(['root'], 'storage under test: tmpfs', () => {
  let root = '';
  let mnt = '';
  let guard: ChildProcess | null = null;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'mlps-sut-tmpfs-'));
    mnt = join(root, 'mnt');
    mkdirSync(mnt);
    guard = watchdog(`umount ${JSON.stringify(mnt)} 2>/dev/null; rm -rf ${JSON.stringify(root)}`);
    sh('mount', ['-t', 'tmpfs', '-o', 'size=512m', 'tmpfs', mnt]);
  });

  afterAll(() => {
    try {
      sh('umount', [mnt]);
    } catch {
      // Not mounted.
    }
    if (root) rmSync(root, { recursive: true, force: true });
    stopWatchdog(guard);
  });

  test('checkpointing run on tmpfs: no block device, said in metadata, summary and report, with the workload process I/O instead', async () => {
    const { run, runDir, metadata, bytesWritten } = await checkpointingRun(mnt);
    for (const e of metadata.storage_under_test[LOCAL] as Array<Record<string, any>>) {
      expect(e).toMatchObject({ mount_point: mnt, fstype: 'tmpfs', devices: [], chain: [], network: false });
      expect(e.error).toBeUndefined();
    }
    const summary = run.stderr + run.stdout;
    expect(summary).toContain(`checkpoint ${join(mnt, 'ckpt')} on ${mnt} (tmpfs, tmpfs): no block device`);
    const report = await runCliProcess(['timeseries', 'report', runDir]);
    expect(report.stdout).toContain(`results `);
    expect(report.stdout).toContain(`on ${mnt} (tmpfs, tmpfs): no block device`);
    // The workload's own process I/O stands in for the device: its write() calls moved the bytes it wrote.
    const m = /workload process I\/O: write\(\) [0-9.]+ MB\/s \(([0-9.]+) MB\)/.exec(summary);
    expect(m).not.toBeNull();
    expect(Math.abs(Number(m![1]) * 1e6 - bytesWritten) / bytesWritten).toBeLessThanOrEqual(0.02);
    expect(report.stdout).toMatch(/workload process I\/O: write\(\)/);
  });
});
