// The workload's own I/O end to end: `timeseries collect -- sh -c 'dd …'` samples the process tree of the
// command with the host (`workload_io`), and what it reports matches the bytes dd wrote within 1 %, in the
// document and in the summary. The file is written under a temporary directory on the machine's own disk
// (page-cache writes are counted in write_bytes when dirtied) and removed afterwards.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeSeriesData } from '@mlps/timeseries';
import { listFiles, runCliProcess } from './test-cli';

jest.setTimeout(120_000);

const MIB = 1024 * 1024;
const root = mkdtempSync(join(tmpdir(), 'mlps-workload-io-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('collect -- dd: the workload I/O matches the bytes dd wrote within 1 %, while it ran and at its end', async () => {
  const out = join(root, 'out');
  const target = join(root, 'dd.out');
  // Four dd runs of 12 MiB under one shell, 0.2 s apart: a process tree that changes while sampled.
  const script = `for i in 1 2 3 4; do dd if=/dev/zero of=${target} bs=1M count=12 oflag=append conv=notrunc,fsync status=none; sleep 0.2; done`;
  const r = await runCliProcess(['timeseries', 'collect', '--results-dir', out, '--timeseries-interval', '0.1', '--name', 'wio', '--', 'sh', '-c', script]);
  expect(r.code).toBe(0);
  rmSync(target, { force: true });
  const doc = listFiles(out).find((n) => n.endsWith('_timeseries.json')) as string;
  const data = parseTimeSeriesData(readFileSync(join(out, doc), 'utf8'));
  const samples = Object.values(data.samples_by_host)[0] ?? [];
  const io = samples.map((s) => s.workload_io);
  expect(io.every((x) => x !== undefined)).toBe(true);
  const first = io[0]!;
  const last = io[io.length - 1]!;
  const written = 48 * MIB;
  expect(Math.abs(last.wchar - first.wchar - written) / written).toBeLessThan(0.01);
  expect(Math.abs(last.write_bytes - first.write_bytes - written) / written).toBeLessThan(0.01);
  // While it ran, its processes were seen and the bytes grew sample by sample.
  expect(Math.max(...io.map((x) => x!.processes))).toBeGreaterThanOrEqual(1);
  expect(io.some((x) => x!.wchar > first.wchar && x!.wchar < first.wchar + written)).toBe(true);
  // The end-of-run summary (on stderr, with the status lines) says it, in MB (10^6 bytes).
  const line = r.stderr.split('\n').find((l) => l.includes('workload I/O')) ?? '';
  expect(line).toMatch(/write (\d+\.\d) MB/);
  expect(Number(/write (\d+\.\d) MB/.exec(line)![1])).toBeCloseTo(written / 1e6, 0);
});
