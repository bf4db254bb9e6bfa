// Regression tests for the smaller faults a new user hit (issue 11), each through the built binary.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatMilliseconds } from '@mlps/timeseries';
import { onlyRunDir, runCliProcess, type CliResult } from './test-cli';
import { formatRunSummary } from './summary';

jest.setTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), 'mlps-faults-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function expectOneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toEqual([expect.stringMatching(pattern)]);
  expect(r.stdout).toBe('');
}

describe('--timeseries-interval', () => {
  it('1e9 is refused with one line and exit 2 (it flooded stderr with TimeoutOverflowWarning, even with -q)', async () => {
    const results = join(root, 'big');
    for (const extra of [[], ['-q']]) {
      const r = await runCliProcess(['exec', '-rd', results, '--timeseries-interval', '1e9', ...extra, '--', 'true']);
      expectOneLineError(r, /--timeseries-interval .*'1e9' is invalid\. must be at most 2147483 seconds/);
      expect(r.stderr).not.toContain('TimeoutOverflowWarning');
    }
    expect(existsSync(results)).toBe(false);
  });

  it.each(['0x10', '0b1', '0o7', 'Infinity', ' '])('%j is not a number of seconds (0x10 was read as 16)', async (value) => {
    const r = await runCliProcess(['exec', '-rd', join(root, 'hex'), '--timeseries-interval', value, '--', 'true']);
    expectOneLineError(r, /--timeseries-interval .* is invalid\. must be a decimal number of seconds greater than 0\./);
  });

  it('plain decimals still work: 0.5, .5, 5e-1, 2147483', async () => {
    for (const value of ['0.5', '.5', '5e-1', '2147483']) {
      const r = await runCliProcess(['exec', '-rd', join(root, `ok-${value}`), '--timeseries-interval', value, '-q', '--', 'true']);
      expect([value, r.code, r.stderr]).toEqual([value, 0, '']);
    }
  }, 180_000);
});

describe('end-of-run summary', () => {
  it("names the workload's own exit code (exec -- sh -c 'exit 7' printed 'workload: exit code 1')", async () => {
    const results = join(root, 'exit7');
    const r = await runCliProcess(['exec', '-rd', results, '--timeseries-interval', '0.1', '--', 'sh', '-c', 'exit 7']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\nworkload: {2}exit code 7, \d+\.\d s; mlpstorage exits 1\n/);
    const dir = onlyRunDir(join(results, 'training', 'exec', 'run'));
    const meta = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((n) => n.endsWith('_metadata.json'))!), 'utf8'));
    expect(meta.workload_exit_code).toBe(7);
  });

  it('never prints a negative zero cadence ("mean -0.00 ms")', () => {
    expect(formatMilliseconds(-0.001)).toBe('0.00 ms');
    expect(formatMilliseconds(-0)).toBe('0.00 ms');
    expect(formatMilliseconds(-0.3)).toBe('-0.30 ms');
    expect(formatMilliseconds(1.234)).toBe('1.23 ms');
    const lines = formatRunSummary({
      exitCode: 0,
      files: { runDir: '/r', document: '/r/d.json', journal: null, metadata: '/r/m.json' },
      data: {
        collection_interval_seconds: 1, start_time: null, end_time: null, num_samples: 0, samples_by_host: {}, collection_method: 'local',
        hosts_requested: [], hosts_collected: [],
        interval_stats: { skipped_ticks: 0, interval_error_ms: { mean: -0.0004, p50: 0, p99: -0.001, max: 0.002 } },
      } as never,
      runtimeSeconds: 1,
      warnings: 0,
    });
    expect(lines).toContain('  cadence: sample start vs schedule p99 0.00 ms, mean 0.00 ms, max 0.00 ms');
  });
});

describe('timeseries report and export inputs', () => {
  it('report of a JSON file that is not a document names the file (report package.json did not)', async () => {
    const pkg = resolve(__dirname, '..', 'package.json');
    expectOneLineError(
      await runCliProcess(['timeseries', 'report', pkg]),
      new RegExp(`^mlpstorage: error: ${pkg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not a valid time-series document: collection_interval_seconds: expected a finite number`),
    );
  });

  it('report and export of /dev/zero: one line, exit 2 (it was "internal error … scandir")', async () => {
    expectOneLineError(await runCliProcess(['timeseries', 'report', '/dev/zero']), /^mlpstorage: error: \/dev\/zero is neither a file nor a directory/);
    expectOneLineError(await runCliProcess(['timeseries', 'export', '/dev/zero', '--format', 'csv']), /^mlpstorage: error: \/dev\/zero is neither a file nor a directory/);
    expectOneLineError(await runCliProcess(['timeseries', 'recover', '/dev/zero']), /^mlpstorage: error: \/dev\/zero is neither a file nor a directory/);
  });

  it('export of a document the report rejects exits 2 and writes nothing (it wrote an empty CSV, exit 0)', async () => {
    const bad = join(root, 'bad_timeseries.json');
    writeFileSync(bad, JSON.stringify({ collection_interval_seconds: 1, samples_by_host: { a: [{ timestamp: 5 }] } }));
    const out = join(root, 'bad.csv');
    const exported = await runCliProcess(['timeseries', 'export', bad, '--format', 'csv', '-o', out]);
    expectOneLineError(exported, /bad_timeseries\.json is not a valid time-series document: start_time: expected an ISO-8601 string/);
    expect(existsSync(out)).toBe(false);
    expectOneLineError(await runCliProcess(['timeseries', 'report', bad]), /bad_timeseries\.json is not a valid time-series document: start_time/);
  });

  it('a directory holding several runs: report and export say which run they picked (the newest)', async () => {
    const results = join(root, 'runs');
    const first = await runCliProcess(['exec', '-rd', results, '--timeseries-interval', '0.1', '-q', '--', 'sleep', '0.3']);
    expect(first.code).toBe(0);
    const dir = onlyRunDir(join(results, 'training', 'exec', 'run'));
    // Three runs in one directory, as copying run files together leaves them.
    const many = join(root, 'many');
    mkdirSync(many);
    const stem = readdirSync(dir).find((n) => n.endsWith('_timeseries.json'))!.replace(/_timeseries\.json$/, '');
    for (const dt of ['20260101_000000', '20260102_000000', '20260103_000000']) {
      for (const suffix of ['_timeseries.json', '_timeseries.jsonl', '_metadata.json']) {
        cpSync(join(dir, stem + suffix), join(many, `training_${dt}${suffix}`));
      }
    }
    const report = await runCliProcess(['timeseries', 'report', many]);
    expect(report.code).toBe(0);
    expect(report.stderr).toBe(`mlpstorage: ${many} holds 3 runs; using the newest, training_20260103_000000_timeseries.json (give a run's file to choose another)\n`);
    const exported = await runCliProcess(['timeseries', 'export', many, '--format', 'jsonl']);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toContain(`${many} holds 3 runs; using the newest, training_20260103_000000_timeseries.json`);
    // One run: nothing to say.
    expect((await runCliProcess(['timeseries', 'report', dir])).stderr).toBe('');
  });
});

describe('configuration errors exit 2, as the README says', () => {
  it('a --data-dir that does not exist, or holds no dataset (they exited 1)', async () => {
    const results = join(root, 'cfg');
    expectOneLineError(
      await runCliProcess(['training', 'run', '--model', 'unet3d', '--data-dir', join(root, 'nope'), '-rd', results]),
      /--data-dir .*nope does not exist/,
    );
    mkdirSync(join(root, 'empty'));
    expectOneLineError(await runCliProcess(['training', 'run', '--model', 'unet3d', '--data-dir', join(root, 'empty'), '-rd', results]), /no unet3d dataset in/);
    expect(existsSync(results)).toBe(false);
  });

  it("'user@host:22' is refused as ambiguous (it silently meant 22 slots)", async () => {
    expectOneLineError(
      await runCliProcess(['exec', '--hosts', 'user@node1:22', '-rd', join(root, 'h'), '--', 'true']),
      /Invalid host entry 'user@node1:22': ':22' would mean 22 MPI slots, not SSH port 22.*--ssh-port.*'user@node1 slots=22'/,
    );
  });
});

describe('kvcache datasize', () => {
  it('prints text like the other datasize commands (it printed JSON)', async () => {
    const r = await runCliProcess(['kvcache', 'datasize', '--model', 'llama3.1-8b', '--num-users', '100', '-rd', join(root, 'kv')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'model: llama3.1-8b, 100 user(s) × 8192 tokens of context\n' +
        'KV cache per token: 131072 bytes\n' +
        'Total KV cache: 100 GiB\n' +
        'GPU tier 16 GiB + CPU tier 32 GiB; storage tier needs: 52 GiB\n',
    );
    expect(() => JSON.parse(r.stdout)).toThrow();
  });
});
