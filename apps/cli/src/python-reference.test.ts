import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCliProcess } from './test-cli';

const FIXTURES = resolve(__dirname, '__fixtures__');
const READERS = join(FIXTURES, 'python_reference_readers.py');

/** Runs the Python readers (a mirror of mlpstorage's own, see the script) on a run directory. */
function readWithPython(runDir: string): Record<string, unknown> {
  try {
    return JSON.parse(execFileSync('python3', [READERS, runDir], { encoding: 'utf8' })) as Record<string, unknown>;
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? '';
    throw new Error(`python readers failed on ${runDir}: ${out || String(err)}`);
  }
}

function onlyRunDir(parent: string): string {
  const dirs = readdirSync(parent);
  expect(dirs).toHaveLength(1);
  return join(parent, dirs[0] as string);
}

describe("files of a real run load in Python mlpstorage's readers with every reference key", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'mlps-pyref-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('no --hosts: metadata, cluster info and document as the reference writes them; samples under 127.0.0.1', async () => {
    const results = join(root, 'r');
    const r = await runCliProcess(['exec', '-rd', results, '--timeseries-interval', '0.1', '-q', '--', 'sh', '-c', 'echo working; sleep 0.6']);
    expect(r.code).toBe(0);
    const runDir = onlyRunDir(join(results, 'training', 'exec', 'run'));
    const report = readWithPython(runDir);
    expect(report).toMatchObject({
      ok: true,
      benchmark_type: 'training',
      command: 'run',
      executed_command: "/usr/bin/sh -c 'echo working; sleep 0.6'",
      command_output_files: 1,
      args_program: 'exec',
      args_command: 'run',
      args_hosts: ['127.0.0.1'],
      args_results_dir: results,
      args_timeseries_interval: 0.1,
      system_info_num_hosts: 1,
      system_info_hostnames: [hostname()],
      cluster_info_num_hosts: 1,
      snapshots_method: 'local',
      samples_by_host: ['127.0.0.1'],
      sample_hostnames: [hostname()],
      hosts_requested: ['127.0.0.1'],
      hosts_collected: ['127.0.0.1'],
      collection_method: 'local',
      host_status_kept: true,
      interval_stats_kept: true,
    });
    expect(report.system_info_total_memory_bytes as number).toBeGreaterThan(0);
    expect(report.num_samples as number).toBeGreaterThanOrEqual(4);

    // Ours stays beside the reference's keys: exact times, host status, interval stats.
    const metaFile = readdirSync(runDir).find((f) => f.endsWith('_metadata.json')) as string;
    const meta = JSON.parse(readFileSync(join(runDir, metaFile), 'utf8')) as Record<string, unknown>;
    expect(meta.start_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number.isInteger(meta.start_time_ms)).toBe(true);
    expect((meta.end_time_ms as number) - (meta.start_time_ms as number)).toBeGreaterThanOrEqual(600);
    expect(meta.interval_stats).toMatchObject({ skipped_ticks: expect.any(Number) });
    expect(meta.timeseries_data).toMatchObject({ host_status: { '127.0.0.1': { status: 'ok' } } });
    expect(meta.cluster_information).toMatchObject({ start: { hosts: { '127.0.0.1': { source: 'local' } } } });

    // Sample and document times are in the reference form, with the exact milliseconds beside them.
    expect(report.document_timestamps_reference_form).toBe(true);
    const docFile = readdirSync(runDir).find((f) => f.endsWith('_timeseries.json')) as string;
    const doc = JSON.parse(readFileSync(join(runDir, docFile), 'utf8')) as { samples_by_host: Record<string, Array<Record<string, unknown>>> };
    expect((doc.samples_by_host['127.0.0.1'] ?? []).every((s) => Number.isInteger(s.timestamp_ms))).toBe(true);
  }, 60000);

  it('--hosts localhost: samples are filed under the name the user gave', async () => {
    const results = join(root, 'r');
    const r = await runCliProcess(['exec', '-rd', results, '--hosts', 'localhost', '--timeseries-interval', '0.1', '-q', '--', 'sleep', '0.3']);
    expect(r.code).toBe(0);
    const report = readWithPython(onlyRunDir(join(results, 'training', 'exec', 'run')));
    expect(report).toMatchObject({
      ok: true,
      args_hosts: ['localhost'],
      samples_by_host: ['localhost'],
      hosts_requested: ['localhost'],
      sample_hostnames: [hostname()],
    });
  }, 60000);

  it('training run (DLIO under MPI): num_processes, accelerator, override_parameters and the command as the reference records them', async () => {
    const results = join(root, 'r');
    const data = join(root, 'data');
    const r = await runCliProcess(
      ['training', 'run', '--engine', 'dlio', '--model', 'unet3d', '--num-accelerators', '2', '--accelerator-type', 'a100',
        '--data-dir', data, '--params', 'reader.read_threads=4', '--results-dir', results, '--dlio-bin-path', FIXTURES,
        '--allow-run-as-root', '--timeseries-interval', '0.1', '-q'],
      { MPI_RUN_BIN: join(FIXTURES, 'fake-mpirun') },
    );
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const runDir = onlyRunDir(join(results, 'training', 'unet3d', 'run'));
    const report = readWithPython(runDir);
    expect(report).toMatchObject({
      ok: true,
      benchmark_type: 'training',
      command: 'run',
      num_processes: 2,
      accelerator: 'a100',
      override_parameters: {
        'dataset.data_folder': data,
        'workflow.generate_data': 'False',
        'workflow.train': 'True',
        'reader.read_threads': '4',
      },
      command_output_files: 1,
      args_program: 'training',
      samples_by_host: ['127.0.0.1'],
    });
    expect(report.executed_command).toMatch(/fake-mpirun -n 2 .*dlio_benchmark workload=unet3d_a100 .*\+\+workload\.reader\.read_threads=4/);
    const metaFile = readdirSync(runDir).find((f) => f.endsWith('_metadata.json')) as string;
    const meta = JSON.parse(readFileSync(join(runDir, metaFile), 'utf8')) as Record<string, unknown>;
    expect(meta.parameters).toEqual({
      dataset: { data_folder: data },
      workflow: { generate_data: 'False', train: 'True' },
      reader: { read_threads: '4' },
    });
  }, 60000);
});
