import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeSeriesData, readJournalWithReport } from '@mlps/timeseries';
import { startCli, waitFor } from './test-cli';

function journalLines(parent: string): number {
  if (!existsSync(parent)) return 0;
  for (const d of readdirSync(parent)) {
    const f = join(parent, d, `training_${d}_timeseries.jsonl`);
    // The header and one line per sample (journal v2 layout lines describe shapes, not samples).
    if (existsSync(f)) return readFileSync(f, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{"type":"layout"')).length;
  }
  return 0;
}

describe('interrupted runs', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'mlps-cli-sig-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s stops the workload, finishes complete files and exits %d', async (signal, expected) => {
    const results = join(root, 'results');
    const parent = join(results, 'training', 'exec', 'run');
    const marker = join(root, 'workload-finished');
    const cli = startCli(['exec', '--results-dir', results, '--timeseries-interval', '0.1', '--', 'sh', '-c', `sleep 60; touch ${marker}`]);
    // Header plus a few samples: collection is running and the workload is in its sleep.
    await waitFor(() => journalLines(parent) >= 4, 20000, 'journal samples');
    const t0 = Date.now();
    cli.child.kill(signal);
    const r = await cli.done;
    expect(r.code).toBe(expected);
    expect(Date.now() - t0).toBeLessThan(15000);
    expect(existsSync(marker)).toBe(false);
    expect(r.stderr).toContain(`received ${signal}`);
    const runDir = join(parent, readdirSync(parent)[0] as string);
    const dt = runDir.slice(-15);
    const doc = parseTimeSeriesData(readFileSync(join(runDir, `training_${dt}_timeseries.json`), 'utf8'));
    expect(doc.num_samples).toBeGreaterThanOrEqual(3);
    expect(doc.end_time).not.toBeNull();
    const meta = JSON.parse(readFileSync(join(runDir, `training_${dt}_metadata.json`), 'utf8'));
    expect(meta).toMatchObject({ exit_code: expected, interrupted_by: signal });
    expect(meta.timeseries_data.num_samples).toBe(doc.num_samples);
    expect(meta.cluster_information.end).not.toBeNull();
    expect(meta.commands[0].signal).toBe(signal);
  });

  it('SIGKILL leaves a journal that readJournal recovers', async () => {
    const results = join(root, 'results');
    const parent = join(results, 'training', 'exec', 'run');
    const cli = startCli(['exec', '--results-dir', results, '--timeseries-interval', '0.05', '-q', '--', 'sleep', '60']);
    await waitFor(() => journalLines(parent) >= 11, 20000, 'journal samples');
    cli.child.kill('SIGKILL');
    await cli.done;
    const runDir = join(parent, readdirSync(parent)[0] as string);
    const dt = runDir.slice(-15);
    expect(existsSync(join(runDir, `training_${dt}_timeseries.json`))).toBe(false);
    const written = journalLines(parent) - 1;
    const report = await readJournalWithReport(join(runDir, `training_${dt}_timeseries.jsonl`));
    const host = report.data.hosts_requested[0] as string;
    // Every complete line is recovered; at most the one being written when killed is lost.
    expect(report.data.samples_by_host[host]?.length).toBeGreaterThanOrEqual(written - 1);
    expect(report.data.samples_by_host[host]?.length).toBeGreaterThanOrEqual(10);
    expect(report.data.collection_method).toBe('local');
    // The orphaned workload (own process group) is ours to clean up.
    const meta = readdirSync(runDir);
    expect(meta.some((f) => f.endsWith('_metadata.json'))).toBe(false);
  });

  // A signal after one loop's files are finished must not cut the next loop's: each run owns the signals
  // until its files are written (once, the first loop left an exit-at-once listener that ended loop 2 with
  // no document and no metadata).
  it('--loops 2: SIGINT in the second loop stops it and still finishes its files, exit 130', async () => {
    const results = join(root, 'results');
    const parent = join(results, 'training', 'exec', 'run');
    const marker = join(root, 'first-loop-done');
    // The first loop returns at once, the second sleeps until interrupted.
    const script = `if [ -e ${marker} ]; then sleep 60; else touch ${marker}; fi`;
    const cli = startCli(['exec', '--loops', '2', '--results-dir', results, '--timeseries-interval', '0.1', '--', 'sh', '-c', script]);
    const secondRunSamples = (): number => {
      if (!existsSync(parent)) return 0;
      const dirs = readdirSync(parent).sort();
      if (dirs.length < 2) return 0;
      const f = join(parent, dirs[1] as string, `training_${dirs[1]}_timeseries.jsonl`);
      return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{"type":"layout"')).length : 0;
    };
    await waitFor(() => secondRunSamples() >= 4, 20000, 'the second loop collecting');
    cli.child.kill('SIGINT');
    const r = await cli.done;
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 130, signal: null });
    expect(r.stderr).toContain('received SIGINT');
    const dirs = readdirSync(parent).sort();
    expect(dirs).toHaveLength(2);
    const metaOf = (d: string): Record<string, unknown> => JSON.parse(readFileSync(join(parent, d, `training_${d}_metadata.json`), 'utf8'));
    expect(metaOf(dirs[0] as string)).toMatchObject({ exit_code: 0, interrupted_by: null });
    const second = dirs[1] as string;
    expect(metaOf(second)).toMatchObject({ exit_code: 130, interrupted_by: 'SIGINT' });
    const doc = parseTimeSeriesData(readFileSync(join(parent, second, `training_${second}_timeseries.json`), 'utf8'));
    expect(doc.num_samples).toBeGreaterThanOrEqual(4);
    expect(doc.end_time).not.toBeNull();
  });
});
