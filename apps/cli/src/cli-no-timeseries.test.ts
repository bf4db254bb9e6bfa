import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { listFiles, onlyRunDir, runCliProcess } from './test-cli';

const FIXTURES = resolve(__dirname, '__fixtures__');
const FAKE_ENV = { MPI_RUN_BIN: join(FIXTURES, 'fake-mpirun') };

function timeseriesFiles(dir: string): string[] {
  return listFiles(dir).filter((f) => f.includes('_timeseries.'));
}

describe('commands that collect no time series', () => {
  let root: string;
  let results: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'mlps-cli-nots-'));
    results = join(root, 'results');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('--skip-timeseries: a run with metadata but no time-series files', async () => {
    const r = await runCliProcess(['exec', '--results-dir', results, '--skip-timeseries', '--', 'sh', '-c', 'echo hi']);
    expect(r.code).toBe(0);
    const runDir = onlyRunDir(join(results, 'training', 'exec', 'run'));
    expect(timeseriesFiles(results)).toEqual([]);
    const meta = JSON.parse(readFileSync(join(runDir, `training_${runDir.slice(-15)}_metadata.json`), 'utf8'));
    expect(meta.timeseries_data).toBeUndefined();
    expect(meta.timeseries_collection.enabled).toBe(false);
    expect(r.stderr).toContain('time series: not collected');
  });

  it('--what-if: prints the exact command lines and creates nothing', async () => {
    const data = join(root, 'data');
    const r = await runCliProcess([
      'training', 'run', '--engine', 'dlio', '--model', 'unet3d', '--num-accelerators', '4', '--hosts', 'node1:2', 'node2:2',
      '--data-dir', data, '--results-dir', results, '--what-if', '--oversubscribe', '--allow-run-as-root',
      '--mpi-params', '--bind-to none', '--params', 'dataset.num_files_train=400', 'reader.read_threads=8',
      '--dlio-bin-path', '/opt/dlio/bin',
    ], FAKE_ENV);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/fake-mpirun -n 4 -host node1:2,node2:2 --oversubscribe --allow-run-as-root --bind-to none \/opt\/dlio\/bin\/dlio_benchmark workload=unet3d_h100 /);
    expect(lines[0]).toContain(`++workload.dataset.data_folder=${data}`);
    expect(lines[0]).toContain('++workload.dataset.num_files_train=400 ++workload.reader.read_threads=8');
    expect(existsSync(results)).toBe(false);
    expect(existsSync(data)).toBe(false);
    expect(r.stderr).not.toContain('running the workload');
  });

  it.each([
    ['training datasize', ['training', 'datasize', '-m', 'unet3d', '-cm', '16', '-ma', '2']],
    ['training configview', ['training', 'configview', '-m', 'resnet50', '--num-accelerators', '4']],
    ['builtin what-if', ['training', 'run', '-m', 'unet3d', '--what-if']],
  ])('%s only prints: no "running the workload" stage, nothing created', async (_name, args) => {
    const r = await runCliProcess([...args, '--results-dir', results]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toBe('');
    expect(r.stderr).not.toContain('running the workload');
    expect(existsSync(results)).toBe(false);
  });

  it('training datagen runs DLIO (under MPI) and writes metadata and logs, but no time series', async () => {
    const data = join(root, 'data');
    const mpiLog = join(root, 'mpi.log');
    const r = await runCliProcess(
      ['training', 'datagen', '--engine', 'dlio', '--model', 'unet3d', '--num-processes', '2', '--data-dir', data, '--results-dir', results,
        '--dlio-bin-path', FIXTURES, '--allow-run-as-root'],
      { ...FAKE_ENV, FAKE_MPI_LOG: mpiLog },
    );
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(existsSync(join(data, 'train', 'img_0.npz'))).toBe(true);
    expect(readFileSync(mpiLog, 'utf8')).toMatch(/^mpirun -n 2 -host 127\.0\.0\.1:2 --allow-run-as-root \S+\/dlio_benchmark workload=unet3d_h100 /);
    const runDir = onlyRunDir(join(results, 'training', 'unet3d', 'datagen'));
    const dt = runDir.slice(-15);
    expect(timeseriesFiles(results)).toEqual([]);
    expect(listFiles(runDir)).toEqual(expect.arrayContaining([`training_${dt}_metadata.json`, 'training_datagen.stdout.log']));
    expect(readFileSync(join(runDir, 'training_datagen.stdout.log'), 'utf8')).toContain('++workload.workflow.generate_data=True');
  });

  it('training configview prints the configuration and writes nothing', async () => {
    const r = await runCliProcess(
      ['training', 'configview', '--model', 'resnet50', '--num-accelerators', '2', '--results-dir', results, '--params', 'reader.read_threads=4'],
      FAKE_ENV,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('resnet50');
    expect(r.stdout).toMatch(/read_threads\W+4/);
    expect(existsSync(results)).toBe(false);
  });

  it('datasize commands print figures and write nothing', async () => {
    const t = await runCliProcess(['training', 'datasize', '-m', 'unet3d', '-cm', '64', '-ma', '8', '-rd', results]);
    expect(t.code).toBe(0);
    // 500 steps x batch 7 x 8 accelerators = 28000 samples beats 5 x 64 GiB / 146.6 MB = 2344.
    expect(t.stdout).toContain('dataset.num_files_train=28000');
    const c = await runCliProcess(['checkpointing', 'datasize', '--model', 'llama3-8b', '-np', '8', '-cf', join(root, 'ck'), '-rd', results]);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('105.00 GiB');
    const k = await runCliProcess(['kvcache', 'datasize', '--model', 'llama3.1-8b', '--num-users', '10', '-rd', results]);
    expect(k.code).toBe(0);
    // Text like the other datasize commands (it printed JSON).
    expect(k.stdout).toBe(
      'model: llama3.1-8b, 10 user(s) × 8192 tokens of context\n' +
        'KV cache per token: 131072 bytes\n' +
        'Total KV cache: 10 GiB\n' +
        'GPU tier 16 GiB + CPU tier 32 GiB; storage tier needs: 0 GiB\n',
    );
    expect(existsSync(results)).toBe(false);
  });

  it('checkpointing run with DLIO collects time series into checkpointing/<model>/<datetime>/', async () => {
    const r = await runCliProcess(
      ['checkpointing', 'run', '--engine', 'dlio', '--model', 'llama3-8b', '-np', '8', '-cf', join(root, 'ck'), '--results-dir', results,
        '--dlio-bin-path', FIXTURES, '--oversubscribe', '--timeseries-interval', '0.1', '-q'],
      FAKE_ENV,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const runDir = onlyRunDir(join(results, 'checkpointing', 'llama3-8b'));
    const dt = runDir.slice(-15);
    expect(timeseriesFiles(runDir).sort()).toEqual([`checkpointing_${dt}_timeseries.json`, `checkpointing_${dt}_timeseries.jsonl`]);
    expect(readFileSync(join(runDir, 'checkpointing_run.stdout.log'), 'utf8')).toContain('++workload.checkpoint.checkpoint_folder=');
  });
});
