// `timeseries collect` file names: collections started in the same second into the same --output-dir
// never collide (the name moves to the next second, as run directories do), and the metadata's
// timeseries_data carries the per-host status like a benchmark run's.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeSeriesData } from '@mlps/timeseries';
import { runCliProcess } from './test-cli';

jest.setTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), 'mlps-collect-names-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('four collections started together into one directory all succeed with their own files', async () => {
  const out = join(root, 'same');
  const runs = await Promise.all(
    [0, 1, 2, 3].map(() => runCliProcess(['timeseries', 'collect', '--timeseries-interval', '0.2', '--output-dir', out, '-q', '--', 'true'])),
  );
  for (const r of runs) {
    expect(r.stderr).not.toMatch(/EEXIST|error/);
    expect(r.code).toBe(0);
  }
  // Each collection is a run with its own run directory <results-dir>/collect/<datetime>/.
  const runDirs = readdirSync(join(out, 'collect')).sort();
  expect(runDirs).toHaveLength(4);
  for (const runDir of runDirs) {
    const names = readdirSync(join(out, 'collect', runDir)).filter((n) => !n.endsWith('.log') && !n.endsWith('_cluster_info.json'));
    const stems = [...new Set(names.map((n) => n.replace(/_(timeseries\.jsonl?|metadata\.json)$/, '')))];
    expect(stems).toEqual([`collect_${runDir}`]);
    const stem = stems[0] as string;
    expect(stem).toMatch(/^collect_\d{8}_\d{6}$/);
    expect(names).toEqual(expect.arrayContaining([`${stem}_timeseries.json`, `${stem}_timeseries.jsonl`, `${stem}_metadata.json`]));
    const data = parseTimeSeriesData(readFileSync(join(out, 'collect', runDir, `${stem}_timeseries.json`), 'utf8'));
    expect(data.num_samples).toBeGreaterThanOrEqual(1);
    const meta = JSON.parse(readFileSync(join(out, 'collect', runDir, `${stem}_metadata.json`), 'utf8')) as {
      run_datetime: string;
      timeseries_data: { file: string; num_samples: number; interval_seconds: number; hosts_collected: string[]; host_status: Record<string, { status: string; samples: number }>; skipped_ticks: number };
    };
    expect(`collect_${meta.run_datetime}`).toBe(stem);
    expect(meta.timeseries_data.file).toBe(`${stem}_timeseries.json`);
    expect(meta.timeseries_data.num_samples).toBe(data.num_samples);
    expect(meta.timeseries_data.interval_seconds).toBe(0.2);
    const host = data.hosts_collected[0] as string;
    expect(meta.timeseries_data.hosts_collected).toEqual([host]);
    expect(meta.timeseries_data.host_status[host]).toMatchObject({ status: 'ok', samples: data.num_samples });
    // The same figure as interval_stats (a loaded machine may skip a tick at 0.2 s; that is reported, not hidden).
    expect(meta.timeseries_data.skipped_ticks).toBe((meta as unknown as { interval_stats: { skipped_ticks: number } }).interval_stats.skipped_ticks);
  }
});
