import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeSeriesData, readJournal } from '@mlps/timeseries';
import { listFiles, onlyRunDir, runCliProcess } from './test-cli';

// A real workload: writes and syncs real files for about 1.5 s while the host is sampled every 0.2 s.
const WORKLOAD = (dir: string): string[] => [
  'sh',
  '-c',
  `dd if=/dev/zero of=${dir}/data.bin bs=1M count=32 conv=fsync status=none && echo wrote && sleep 1.5 && ls ${dir}`,
];

describe('mlpstorage exec run: result files', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'mlps-cli-run-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes the document, journal and metadata with the right names and contents', async () => {
    const results = join(root, 'results');
    const work = join(root, 'work');
    require('node:fs').mkdirSync(work);
    const r = await runCliProcess([
      'exec',
      '--results-dir',
      results,
      '--name',
      'unet3d',
      '--timeseries-interval',
      '0.2',
      '--data-dir',
      work,
      '--',
      ...WORKLOAD(work),
    ]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('wrote');

    const runDir = onlyRunDir(join(results, 'training', 'unet3d', 'run'));
    const datetime = runDir.slice(-15);
    expect(datetime).toMatch(/^\d{8}_\d{6}$/);
    expect(listFiles(runDir)).toEqual(
      [
        `training_${datetime}_metadata.json`,
        `training_${datetime}_timeseries.json`,
        `training_${datetime}_timeseries.jsonl`,
        'training_cluster_info.json',
        'training_run.stderr.log',
        'training_run.stdout.log',
      ].sort(),
    );
    // No temporary files left by the atomic writes.
    expect(listFiles(runDir).some((f) => f.includes('.tmp'))).toBe(false);

    const doc = parseTimeSeriesData(readFileSync(join(runDir, `training_${datetime}_timeseries.json`), 'utf8'));
    expect(doc.collection_method).toBe('local');
    expect(doc.hosts_requested).toHaveLength(1);
    const host = doc.hosts_requested[0] as string;
    expect(doc.hosts_collected).toEqual([host]);
    const samples = doc.samples_by_host[host] ?? [];
    expect(samples.length).toBeGreaterThanOrEqual(5);
    expect(doc.num_samples).toBe(samples.length);
    expect(doc.collection_interval_seconds).toBe(0.2);
    // The reference's form (Python strptime '%Y-%m-%dT%H:%M:%SZ'), the exact time beside it.
    expect(samples[0]?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number.isInteger(samples[0]?.timestamp_ms)).toBe(true);
    expect(Math.floor(samples[0]!.timestamp_ms! / 1000) * 1000).toBe(Date.parse(samples[0]!.timestamp));
    expect(samples[0]?.diskstats?.length).toBeGreaterThan(0);
    expect(doc.host_status?.[host]?.status).toBe('ok');

    const journal = await readJournal(join(runDir, `training_${datetime}_timeseries.jsonl`));
    expect(journal.samples_by_host[host]?.map((s) => s.timestamp)).toEqual(samples.map((s) => s.timestamp));

    const meta = JSON.parse(readFileSync(join(runDir, `training_${datetime}_metadata.json`), 'utf8'));
    expect(meta).toMatchObject({
      benchmark_type: 'training',
      command: 'run',
      model: 'unet3d',
      run_datetime: datetime,
      run_result_output: runDir,
      exit_code: 0,
      workload_exit_code: 0,
      interrupted_by: null,
      timeseries_data: {
        file: `training_${datetime}_timeseries.json`,
        journal_file: `training_${datetime}_timeseries.jsonl`,
        num_samples: doc.num_samples,
        interval_seconds: 0.2,
        hosts_collected: [host],
        collection_method: 'local',
      },
    });
    expect(meta.timeseries_data.host_status[host].samples).toBe(samples.length);
    expect(meta.runtime).toBeGreaterThan(1);
    expect(meta.commands[0].argv.slice(1)).toEqual(WORKLOAD(work).slice(1));
    // Cluster snapshots at start and end, with the mount of the data dir.
    for (const phase of ['start', 'end']) {
      const snap = meta.cluster_information[phase];
      const h = snap.hosts['127.0.0.1'];
      expect(h.source).toBe('local');
      expect(h.cpu_count).toBe(require('node:os').cpus().length);
      expect(h.memory.total_bytes).toBe(require('node:os').totalmem());
      expect(h.kernel).toBe(require('node:os').release());
      expect(h.mounts[0].path).toBe(work);
      expect(h.mounts[0].mount.mount_point).toMatch(/^\//);
    }
    expect(meta.cluster_information.end.hosts['127.0.0.1'].uptime_seconds).toBeGreaterThan(
      meta.cluster_information.start.hosts['127.0.0.1'].uptime_seconds,
    );
    // The summary names the files and the per-host rates.
    expect(r.stderr).toContain(join(runDir, `training_${datetime}_timeseries.json`));
    expect(r.stderr).toMatch(/read MB\/s\s+write MB\/s\s+CPU %/);
    expect(r.stderr).toMatch(new RegExp(`${host.replace(/[.]/g, '\\.')}\\s+${samples.length}\\s+0\\s+ok`));
  });

  it('puts each run in its own directory, also within the same second', async () => {
    const results = join(root, 'results');
    const args = ['exec', '--results-dir', results, '--skip-timeseries', '-q', '--', 'true'];
    const [a, b] = await Promise.all([runCliProcess(args), runCliProcess(args)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const dirs = require('node:fs').readdirSync(join(results, 'training', 'exec', 'run')) as string[];
    expect(dirs).toHaveLength(2);
    for (const d of dirs) expect(existsSync(join(results, 'training', 'exec', 'run', d, `training_${d}_metadata.json`))).toBe(true);
  });

  it('a failing workload still leaves complete files and exits 1', async () => {
    const results = join(root, 'results');
    const r = await runCliProcess(['exec', '--results-dir', results, '--timeseries-interval', '0.1', '--', 'sh', '-c', 'sleep 0.5; echo bad >&2; exit 7']);
    expect(r.code).toBe(1);
    const runDir = onlyRunDir(join(results, 'training', 'exec', 'run'));
    const dt = runDir.slice(-15);
    const doc = parseTimeSeriesData(readFileSync(join(runDir, `training_${dt}_timeseries.json`), 'utf8'));
    expect(doc.num_samples).toBeGreaterThanOrEqual(3);
    const meta = JSON.parse(readFileSync(join(runDir, `training_${dt}_metadata.json`), 'utf8'));
    expect(meta.exit_code).toBe(1);
    expect(meta.workload_exit_code).toBe(7);
    expect(meta.timeseries_data.num_samples).toBe(doc.num_samples);
    expect(readFileSync(join(runDir, 'training_run.stderr.log'), 'utf8')).toBe('bad\n');
  });
});
