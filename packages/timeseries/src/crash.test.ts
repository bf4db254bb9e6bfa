/**
 * Crash safety (DESIGN §3, §6): a collector killed with SIGKILL mid-run loses at most the sample being
 * written; everything it had flushed is recovered from the journal.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledEntry } from './__fixtures__/bundle-entry';
import { readJournalWithReport } from './journal';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlps-crash-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('recovers every flushed sample after SIGKILL of a collector sampling every 0.05 s', async () => {
  const journal = join(dir, 'killed_timeseries.jsonl');
  const child = spawn(process.execPath, [join(__dirname, '__fixtures__', 'children', 'collect-until-killed.cjs')], {
    env: { ...process.env, MLPS_TIMESERIES_ENTRY: bundledEntry(), MLPS_JOURNAL: journal },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let reported = 0;
  let started = false;
  let stderr = '';
  let buffered = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error(`child did not start collecting: ${stderr}`)), 15_000);
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'started' && !started) {
          started = true;
          // Collect for about a second, then kill without warning.
          setTimeout(() => {
            child.kill('SIGKILL');
            clearTimeout(guard);
            resolve();
          }, 1000);
        }
        const m = /^flushed (\d+)$/.exec(line);
        if (m) reported = Number(m[1]);
      }
    });
  });
  expect(await exited).toBe('SIGKILL');
  expect(stderr).toBe('');
  expect(reported).toBeGreaterThanOrEqual(5);

  const report = await readJournalWithReport(journal);
  const hosts = report.data.hosts_requested;
  expect(hosts).toHaveLength(1);
  const samples = report.data.samples_by_host[hosts[0] as string] ?? [];
  // Every sample the child had flushed is there; at most the one in flight at the kill is missing, so
  // the journal can only hold what was reported plus the samples taken since the last report.
  expect(samples.length).toBeGreaterThanOrEqual(reported);
  expect(samples.length).toBeLessThanOrEqual(reported + 2);
  expect(report.badLines).toBe(0);
  for (const s of samples) {
    expect(s.diskstats?.length).toBeGreaterThan(0);
    expect(s.vmstat).toBeDefined();
  }
  // Consecutive ticks, none lost in the middle: timestamps advance on the 50 ms grid.
  const times = samples.map((s) => s.timestamp_ms as number);
  for (let i = 1; i < times.length; i++) {
    const gap = (times[i] as number) - (times[i - 1] as number);
    expect(gap).toBeGreaterThan(0);
    expect(gap).toBeLessThan(1000);
  }
  expect(report.data.collection_interval_seconds).toBe(0.05);
});
