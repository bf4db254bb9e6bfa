// The closing sample, end to end: `timeseries collect -- dd …` with the default 10 s interval and a dd
// that takes well under a second. Without a sample at stop() the document would end at the first sample
// and show no I/O at all; with it, the bytes dd wrote are in the counters to within 2 %.
// dd writes to a loop device of its own (a sparse file under a temporary directory), so no other
// writer on this machine adds to the counters. Needs root and loop devices: skipped with the reason
// otherwise (it passed without running), a failure under CI=true.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseTimeSeriesData, type TimeSeriesSample } from '@mlps/timeseries';
import { listFiles, runCliProcess } from './test-cli';
import { describeWithTools } from '../../../scripts/test-tools.cjs';

jest.setTimeout(120_000);

const MIB = 1024 * 1024;
const WRITE_MIB = 32;

function sectorsWritten(sample: TimeSeriesSample | undefined, device: string): number {
  const record = sample?.diskstats?.find((d) => d.device_name === device) as Record<string, unknown> | undefined;
  const value = record?.['sectors_written'];
  if (typeof value !== 'number') throw new Error(`no diskstats for ${device} in ${JSON.stringify(sample?.timestamp)}`);
  return value;
}

describeWithTools(['root', 'loop-device'], 'the closing sample end to end', () => {
  let root: string;
  let loopDevice: string | null = null;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'mlps-closing-'));
    const backing = join(root, 'backing.img');
    writeFileSync(backing, '');
    truncateSync(backing, 2 * WRITE_MIB * MIB);
    loopDevice = execFileSync('losetup', ['--find', '--show', backing], { encoding: 'utf8' }).trim();
  });

  afterAll(() => {
    if (loopDevice) {
      try {
        execFileSync('losetup', ['--detach', loopDevice]);
      } catch {
        // Already detached.
      }
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test(`collect -- dd of ${WRITE_MIB} MiB at the default 10 s interval reports the bytes within 2 %`, async () => {
    const device = loopDevice as string;
    const out = join(root, 'out');
    const r = await runCliProcess([
      'timeseries', 'collect', '--output-dir', out, '--name', 'dd', '--',
      'dd', 'if=/dev/zero', `of=${device}`, 'bs=1M', `count=${WRITE_MIB}`, 'oflag=direct', 'status=none',
    ]);
    expect(r.code).toBe(0);
    const doc = listFiles(out).find((n) => n.endsWith('_timeseries.json')) as string;
    const data = parseTimeSeriesData(readFileSync(join(out, doc), 'utf8'));
    const samples = Object.values(data.samples_by_host)[0] ?? [];
    // The sample at start and the closing one: dd was over long before the next tick was due.
    expect(samples).toHaveLength(2);
    const name = basename(device);
    const bytes = (sectorsWritten(samples[1], name) - sectorsWritten(samples[0], name)) * 512;
    expect(Math.abs(bytes - WRITE_MIB * MIB) / (WRITE_MIB * MIB)).toBeLessThanOrEqual(0.02);
  });
});
