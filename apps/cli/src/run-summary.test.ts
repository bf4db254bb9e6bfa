// The end-of-run summary of the built binary: files, samples, hosts, skipped ticks, the collector's
// cadence (the interval error p99 of issue 5: how late samples start against the schedule) and per-host disk and CPU means.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeSeriesData } from '@mlps/timeseries';
import { onlyRunDir, runCliProcess } from './test-cli';

jest.setTimeout(120_000);

const root = mkdtempSync(join(tmpdir(), 'mlps-summary-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('a built-in checkpointing run ends with a summary naming the cadence p99 of its document', async () => {
  const results = join(root, 'results');
  const r = await runCliProcess([
    'checkpointing', 'run', '--model', 'llama3-8b', '--num-processes', '2', '--checkpoint-folder', join(root, 'ckpt'),
    '--scale', '0.002', '-ncw', '3', '-ncr', '3', '--timeseries-interval', '0.05', '--results-dir', results,
  ]);
  expect(r.code).toBe(0);
  const runDir = onlyRunDir(join(results, 'checkpointing', 'llama3-8b'));
  const docName = readdirSync(runDir).find((n) => n.endsWith('_timeseries.json')) as string;
  const data = parseTimeSeriesData(readFileSync(join(runDir, docName), 'utf8'));
  const p99 = data.interval_stats?.interval_error_ms?.p99;
  expect(typeof p99).toBe('number');

  expect(r.stderr).toContain(`  time series: ${join(runDir, docName)}`);
  expect(r.stderr).toMatch(new RegExp(`time series: ${data.num_samples} samples, hosts 1/1 collected \\(local\\), interval 0\\.05 s, skipped ticks \\d+`));
  const cadence = /\n {2}cadence: sample start vs schedule p99 (\d+\.\d\d) ms, mean \d+\.\d\d ms, max \d+\.\d\d ms\n/.exec(r.stderr);
  expect(cadence).not.toBeNull();
  expect(Number(cadence?.[1])).toBeCloseTo(p99 as number, 2);
  // The per-host row: samples, status, read and write MB/s, CPU %.
  expect(r.stderr).toMatch(new RegExp(`\\n {2}\\S+ +${data.num_samples} +0 +ok +\\d+\\.\\d\\d +\\d+\\.\\d\\d +\\d+\\.\\d\\n`));
});

test('at the --max-timeseries-samples cap the summary counts every sample taken (as the journal), not only those kept', async () => {
  const results = join(root, 'cap');
  const r = await runCliProcess(['exec', '--results-dir', results, '--max-timeseries-samples', '5', '--timeseries-interval', '0.1', '--', 'sleep', '1.5']);
  expect(r.code).toBe(0);
  const runDir = onlyRunDir(join(results, 'training', 'exec', 'run'));
  const names = readdirSync(runDir);
  const data = parseTimeSeriesData(readFileSync(join(runDir, names.find((n) => n.endsWith('_timeseries.json')) as string), 'utf8'));
  const journalLines = readFileSync(join(runDir, names.find((n) => n.endsWith('_timeseries.jsonl')) as string), 'utf8').trim().split('\n');
  // Journal v2: a header, a layout record per host shape, then one line per sample.
  const taken = journalLines.filter((line) => !line.startsWith('{"type":"header"') && !line.startsWith('{"type":"layout"')).length;
  expect(data.num_samples).toBeLessThanOrEqual(6); // the cap, plus the closing sample
  expect(taken).toBeGreaterThan(data.num_samples);
  expect(r.stderr).toContain(`time series: ${taken} samples (${data.num_samples} kept in the document at the --max-timeseries-samples cap; the journal has all)`);
  expect(r.stderr).toMatch(new RegExp(`\\n {2}\\S+ +${taken} +0 +ok `));
});
