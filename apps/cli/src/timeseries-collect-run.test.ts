// `timeseries collect` runs on the Benchmark lifecycle, like `exec`: signals reach the command's whole
// process group (a second one kills), SIGTERM/SIGINT exit 143/130 with complete files, the periodic status
// line is printed, and a host that cannot connect is a warning line in stderr and in the metadata.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeSeriesData } from '@mlps/timeseries';
import { runCliProcess, startCli, waitFor } from './test-cli';

jest.setTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), 'mlps-collect-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function runDirOf(results: string): string | null {
  const parent = join(results, 'collect');
  if (!existsSync(parent)) return null;
  const dirs = readdirSync(parent);
  return dirs.length === 1 ? join(parent, dirs[0] as string) : null;
}

function journalLines(results: string): number {
  const dir = runDirOf(results);
  if (dir === null) return 0;
  const f = join(dir, `collect_${dir.slice(-15)}_timeseries.jsonl`);
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l.trim() !== '').length : 0;
}

/** Processes whose command line is exactly `args` (e.g. a sleep with a duration no one else uses). */
function processesRunning(args: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim().endsWith(args) && !l.includes('sh -c'));
}

describe('timeseries collect on the run lifecycle', () => {
  it('SIGINT twice returns quickly: the shell and its sleep both stop, exit 130, files complete', async () => {
    const results = join(root, 'int');
    const cli = startCli(['timeseries', 'collect', '--results-dir', results, '--timeseries-interval', '0.1', '--', 'sh', '-c', 'sleep 20; echo done']);
    await waitFor(() => journalLines(results) >= 4, 20_000, 'journal samples');
    const t0 = Date.now();
    cli.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 100));
    cli.child.kill('SIGINT');
    const r = await cli.done;
    // The old collect signalled only `sh`, which waited for its `sleep 20`.
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(r.code).toBe(130);
    expect(r.stdout).not.toContain('done');
    expect(r.stderr).toContain('received SIGINT');
    const dir = runDirOf(results) as string;
    const dt = dir.slice(-15);
    const doc = parseTimeSeriesData(readFileSync(join(dir, `collect_${dt}_timeseries.json`), 'utf8'));
    expect(doc.num_samples).toBeGreaterThanOrEqual(3);
    const meta = JSON.parse(readFileSync(join(dir, `collect_${dt}_metadata.json`), 'utf8'));
    expect(meta).toMatchObject({ benchmark_type: 'collect', exit_code: 130, interrupted_by: 'SIGINT' });
    expect(meta.timeseries_data.journal_file).toBe(`collect_${dt}_timeseries.jsonl`);
  });

  // Ctrl-C held down: signals reach the CLI in every phase, also the last milliseconds of its exit, where Node
  // restores the default action before the real exit (the "SIGINT twice" flake: killed by SIGINT, code null).
  // Before the fix every run of this test ended killed by SIGINT; it must always be 130 with complete files.
  it('a SIGINT every 2 ms until the process is gone: exit 130, never killed, files complete, two warning lines', async () => {
    const results = join(root, 'held');
    const cli = startCli(['timeseries', 'collect', '--results-dir', results, '--timeseries-interval', '0.1', '--', 'sh', '-c', 'sleep 20; echo done']);
    await waitFor(() => journalLines(results) >= 4, 20_000, 'journal samples');
    let closed = false;
    void cli.done.then(() => (closed = true));
    let sent = 0;
    while (!closed) {
      try {
        cli.child.kill('SIGINT');
        sent++;
      } catch {
        // Gone between the check and the kill.
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    const r = await cli.done;
    expect(sent).toBeGreaterThanOrEqual(2);
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 130, signal: null });
    expect(r.stdout).not.toContain('done');
    // The first signal stops the workload, the second kills it; more add no lines.
    expect(r.stderr.split('\n').filter((l) => l.includes('received SIGINT'))).toEqual([
      'mlpstorage: warning: received SIGINT: stopping the workload and finishing the result files',
      "mlpstorage: warning: received SIGINT again: the workload's processes get SIGKILL; the result files are still finished",
    ]);
    const dir = runDirOf(results) as string;
    const dt = dir.slice(-15);
    const doc = parseTimeSeriesData(readFileSync(join(dir, `collect_${dt}_timeseries.json`), 'utf8'));
    expect(doc.num_samples).toBeGreaterThanOrEqual(3);
    const meta = JSON.parse(readFileSync(join(dir, `collect_${dt}_metadata.json`), 'utf8'));
    expect(meta).toMatchObject({ benchmark_type: 'collect', exit_code: 130, interrupted_by: 'SIGINT' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.includes('.tmp-'))).toEqual([]);
  });

  it('SIGTERM exits 143 and leaves no sleep running', async () => {
    const results = join(root, 'term');
    const marker = '23.4567';
    const cli = startCli(['timeseries', 'collect', '--results-dir', results, '--timeseries-interval', '0.1', '-q', '--', 'sh', '-c', `sleep ${marker}; echo done`]);
    await waitFor(() => journalLines(results) >= 4 && processesRunning(`sleep ${marker}`).length === 1, 20_000, 'the sleep running');
    cli.child.kill('SIGTERM');
    const r = await cli.done;
    expect(r.code).toBe(143);
    expect(r.stdout).not.toContain('done');
    expect(processesRunning(`sleep ${marker}`)).toEqual([]);
    const dir = runDirOf(results) as string;
    expect(existsSync(join(dir, `collect_${dir.slice(-15)}_metadata.json`))).toBe(true);
  });

  it('prints the periodic status line as exec does, and --output-dir is an alias of --results-dir', async () => {
    const results = join(root, 'status');
    const r = await runCliProcess(['timeseries', 'collect', '--output-dir', results, '--timeseries-interval', '0.2', '--', 'sleep', '1.5'], {
      MLPS_STATUS_INTERVAL: '0.3',
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^mlpstorage: \[00:0\d\] samples: \S+=\d+ \| hosts ok 1, partial 0, failed 0$/m);
    expect(r.stderr).toMatch(/^mlpstorage: running the workload/m);
    expect(runDirOf(results)).not.toBeNull();
    const both = await runCliProcess(['timeseries', 'collect', '--output-dir', join(root, 'a'), '--results-dir', join(root, 'b'), '--', 'true']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^mlpstorage: error: --output-dir is an alias of --results-dir/);
  });

  it('a host that cannot connect is a warning line, in the metadata too; good and error samples are counted apart', async () => {
    const results = join(root, 'hosts');
    const r = await runCliProcess([
      'timeseries', 'collect', '--results-dir', results, '--hosts', 'localhost', 'no-such-host.invalid',
      '--ssh-timeout', '3', '--timeseries-interval', '0.2', '--', 'sleep', '1',
    ]);
    expect(r.code).toBe(0);
    const warning = r.stderr.split('\n').filter((l) => l.includes('host no-such-host.invalid: cannot connect ('));
    expect(warning).toHaveLength(1);
    expect(warning[0]).toMatch(/^mlpstorage: warning: time-series: host no-such-host.invalid: cannot connect \(.+\)/);
    expect(r.stderr).toMatch(/hosts 1\/2 collected/);
    expect(r.stderr).toMatch(/time series: (\d+) samples \((\d+) good, (\d+) error samples\)/);
    const dir = runDirOf(results) as string;
    const dt = dir.slice(-15);
    const meta = JSON.parse(readFileSync(join(dir, `collect_${dt}_metadata.json`), 'utf8'));
    expect(meta.warnings.some((w: string) => w.includes('host no-such-host.invalid: cannot connect'))).toBe(true);
    const doc = parseTimeSeriesData(readFileSync(join(dir, `collect_${dt}_timeseries.json`), 'utf8'));
    const bad = doc.samples_by_host['no-such-host.invalid'] ?? [];
    const good = doc.samples_by_host.localhost ?? [];
    expect(bad.length).toBeGreaterThanOrEqual(3);
    // num_samples keeps the reference's meaning (every sample in the document); the new keys split it.
    expect(meta.timeseries_data.num_samples).toBe(bad.length + good.length);
    expect(meta.timeseries_data.num_error_samples).toBe(bad.length);
    expect(meta.timeseries_data.num_good_samples).toBe(good.length);
    expect(doc.host_status?.['no-such-host.invalid']).toMatchObject({ status: 'failed', good_samples: 0, error_samples: bad.length });
  });
});
