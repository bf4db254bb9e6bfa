import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliProcess } from './test-cli';

/**
 * `reports reportgen`, `history` and `lockfile` on results trees of real runs (tiny `exec` and built-in
 * `checkpointing` runs, capped at a few samples; the tree is removed afterwards, also on failure).
 */
let root: string;
let results: string;
let historyFile: string;
const env = (): NodeJS.ProcessEnv => ({ MLPS_HISTORY_FILE: historyFile });

function historyLines(): string[] {
  return readFileSync(historyFile, 'utf8').split('\n').filter((l) => l !== '');
}

function execRunDirs(): string[] {
  const parent = join(results, 'training', 'exec', 'run');
  return existsSync(parent) ? readdirSync(parent) : [];
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mlps-pyprog-'));
  results = join(root, 'results');
  historyFile = join(root, 'home', 'mlps_history');
  const a = await runCliProcess(['exec', '-rd', results, '--timeseries-interval', '0.2', '-q', '--loops', '2', '--', 'sh', '-c', 'sleep 0.4'], env());
  expect([a.code, a.stderr]).toEqual([0, '']);
  const b = await runCliProcess(
    ['checkpointing', 'run', '-m', 'llama3-8b', '-np', '2', '-cf', join(root, 'ckpt'), '--scale', '0.0005', '-ncw', '1', '-ncr', '1',
      '-rd', results, '-q', '--timeseries-interval', '0.2', '--closed', '--file'],
    env(),
  );
  expect(b.code).toBe(0);
  // The flag that is accepted and recorded but not honoured is named once, on one line.
  expect(b.stderr.split('\n').filter((l) => l.includes('not honoured'))).toEqual([
    'mlpstorage: warning: accepted and recorded in the metadata (args.not_honoured), not honoured by the built-in engine: --closed (mlps does not check the closed-division rules)',
  ]);
}, 120_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('--loops and the recorded args', () => {
  test('--loops 2 ran the workload twice, in two run directories', () => {
    expect(execRunDirs()).toHaveLength(2);
  });

  test('the metadata records args as Python vars(args), with not_honoured beside them', () => {
    const parent = join(results, 'checkpointing', 'llama3-8b');
    const dir = join(parent, readdirSync(parent)[0] as string);
    const meta = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('_metadata.json')) as string), 'utf8'));
    expect(meta.args).toMatchObject({
      program: 'checkpointing', command: 'run', model: 'llama3-8b', num_processes: 2, num_checkpoints_write: 1, closed: true,
      data_access_protocol: 'file', exec_type: 'mpi', hosts: ['127.0.0.1'], not_honoured: ['closed'],
    });
  });
});

describe('--loops stops at the first failure; --stream-log-level WARNING is quiet', () => {
  test('a failing workload with --loops 3 runs once and exits 1', async () => {
    const rd = join(root, 'loops-fail');
    const r = await runCliProcess(['exec', '-rd', rd, '--skip-timeseries', '--loops', '3', '--stream-log-level', 'warning', '--', 'sh', '-c', 'exit 3'], {
      MLPS_HISTORY_FILE: 'off',
    });
    expect(r.code).toBe(1);
    expect(readdirSync(join(rd, 'training', 'exec', 'run'))).toHaveLength(1);
    // Quiet: no progress lines, only the loop failure.
    expect(r.stderr).toBe('mlpstorage: benchmark failed in loop 1 of 3; not running the rest\n');
  });
});

describe('reports reportgen', () => {
  test('reads a run written by Python mlpstorage with DLIO (summary.json, no mlps files)', async () => {
    const tree = join(root, 'python-tree');
    const run = join(tree, 'training', 'unet3d', 'run', '20250101_120000');
    mkdirSync(run, { recursive: true });
    writeFileSync(
      join(run, 'training_20250101_120000_metadata.json'),
      JSON.stringify({ benchmark_type: 'training', model: 'unet3d', command: 'run', run_datetime: '20250101_120000', num_processes: 8,
        parameters: { dataset: { num_files_train: 400 } }, accelerator: 'h100', metrics: { train_au_percentage: [91.5] } }),
    );
    writeFileSync(join(run, 'summary.json'), JSON.stringify({ start: '2025-01-01T12:00:00', num_accelerators: 8, metric: { train_au_percentage: [91.5] } }));
    const r = await runCliProcess(['reports', 'reportgen', '-rd', tree], env());
    expect([r.code, r.stderr]).toEqual([0, '']);
    const rows = JSON.parse(readFileSync(join(tree, 'results.json'), 'utf8'));
    expect(rows).toEqual([
      {
        run_id: 'training_run_unet3d_20250101_120000', benchmark_type: 'training', model: 'unet3d', command: 'run', num_processes: 8,
        parameters: { dataset: { num_files_train: 400 } }, system_info: null, metrics: { train_au_percentage: [91.5] }, accelerator: 'h100',
        result_dir: run,
      },
    ]);
    const csv = readFileSync(join(tree, 'results.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('accelerator,benchmark_type,command,metrics.train_au_percentage,model,num_processes,parameters.dataset.num_files_train,result_dir,run_id,system_info');
    expect(csv[1]).toBe(`h100,training,run,[91.5],unet3d,8,400,${run},training_run_unet3d_20250101_120000,`);
  });

  test('writes results.json and results.csv with one row per run and its time-series figures; Python csv reads it', async () => {
    const out = join(root, 'report');
    const r = await runCliProcess(['reports', 'reportgen', '--results-dir', results, '--output-dir', out], env());
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(readdirSync(out).sort()).toEqual(['results.csv', 'results.json']);
    // A file where the output directory should be: one line, exit 2.
    const blocked = await runCliProcess(['reports', 'reportgen', '--results-dir', results, '--output-dir', join(out, 'results.csv')], env());
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toMatch(/^mlpstorage: error: cannot create the output directory .*\n$/);
    const ok = await runCliProcess(['reports', 'reportgen', '--results-dir', results], env());
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    const rows = JSON.parse(readFileSync(join(results, 'results.json'), 'utf8')) as Array<Record<string, any>>;
    expect(rows).toHaveLength(3);
    const byType = rows.map((row) => row.benchmark_type).sort();
    expect(byType).toEqual(['checkpointing', 'training', 'training']);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(expect.arrayContaining(['run_id', 'benchmark_type', 'model', 'command', 'num_processes', 'parameters', 'system_info', 'metrics']));
      expect(row.run_id).toBe(`${row.benchmark_type}_${row.command}_${row.model}_${row.result_dir.split('/').pop()}`);
      expect(row.timeseries.num_samples).toBeGreaterThanOrEqual(2);
      expect(row.timeseries.hosts).toBe(1);
      expect(row.timeseries.hosts_collected).toBe(1);
      expect(typeof row.timeseries.cpu_busy_percent_mean).toBe('number');
    }
    const ckpt = rows.find((row) => row.benchmark_type === 'checkpointing') as Record<string, any>;
    // 2 ranks wrote a checkpoint with fsync while sampling: some disk writes were seen.
    expect(ckpt.timeseries.disk_write_MBps_max).toBeGreaterThan(0);
    expect(ckpt.metrics).not.toBeNull();
    const csv = JSON.parse(
      execFileSync('python3', ['-c', 'import csv,json,sys; r=list(csv.DictReader(open(sys.argv[1]))); print(json.dumps(r))', join(results, 'results.csv')], {
        encoding: 'utf8',
      }),
    ) as Array<Record<string, string>>;
    expect(csv).toHaveLength(3);
    const header = Object.keys(csv[0] as object);
    expect(header).toEqual([...header].sort());
    expect(header).toEqual(expect.arrayContaining(['run_id', 'timeseries.num_samples', 'timeseries.disk_write_MBps_mean', 'timeseries.cpu_busy_percent_mean']));
    expect(csv.map((c) => c.run_id).sort()).toEqual(rows.map((row) => row.run_id).sort());
  }, 60_000);

  test('the streamed figures match `timeseries report`; a run whose document is gone is read from its journal', async () => {
    const parent = join(results, 'checkpointing', 'llama3-8b');
    const dir = join(parent, readdirSync(parent)[0] as string);
    const report = JSON.parse((await runCliProcess(['timeseries', 'report', dir, '--format', 'json'], { MLPS_HISTORY_FILE: 'off' })).stdout);
    const host = report.hosts[0];
    const rows = JSON.parse(readFileSync(join(results, 'results.json'), 'utf8')) as Array<Record<string, any>>;
    const row = rows.find((r) => r.result_dir === dir) as Record<string, any>;
    expect(row.timeseries.num_samples).toBe(report.numSamples);
    expect(row.timeseries.disk_write_MBps_mean).toBeCloseTo(host.disk.writeMBps.mean, 2);
    expect(row.timeseries.cpu_busy_percent_mean).toBeCloseTo(host.cpu.busy.mean, 1);
    // Without the document, the journal gives the same samples.
    const doc = readdirSync(dir).find((f) => f.endsWith('_timeseries.json')) as string;
    rmSync(join(dir, doc));
    const r = await runCliProcess(['reports', 'reportgen', '-rd', results, '--output-dir', join(root, 'report-journal')], env());
    expect(r.code).toBe(0);
    const again = (JSON.parse(readFileSync(join(root, 'report-journal', 'results.json'), 'utf8')) as Array<Record<string, any>>).find((x) => x.result_dir === dir);
    expect(again?.timeseries.from_journal).toBe(true);
    expect(again?.timeseries.num_samples).toBeGreaterThanOrEqual(row.timeseries.num_samples);
    expect(again?.timeseries.disk_write_MBps_mean).toBeCloseTo(row.timeseries.disk_write_MBps_mean, 1);
  }, 60_000);

  test('--config-file applies to reportgen too (results_dir from the YAML)', async () => {
    const yaml = join(root, 'reportgen.yaml');
    writeFileSync(yaml, `results_dir: ${join(root, 'python-tree')}\noutput_dir: ${join(root, 'from-yaml')}\nbogus: 1\n`);
    const r = await runCliProcess(['reports', 'reportgen', '-c', yaml, '-q'], { MLPS_HISTORY_FILE: 'off' });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("mlpstorage: warning: config file contains unknown parameter 'bogus', skipping\n");
    expect(JSON.parse(readFileSync(join(root, 'from-yaml', 'results.json'), 'utf8'))).toHaveLength(1);
  });

  test('a results directory that does not exist is one line, exit 2', async () => {
    const r = await runCliProcess(['reports', 'reportgen', '-rd', join(root, 'nope')], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mlpstorage: error: results directory not found: .*nope\n$/);
  });
});

describe('history (~/mlps_history, shared with mlpstorage)', () => {
  test('show lists every command but history itself, as "id : datetime : command"', async () => {
    const r = await runCliProcess(['history', 'show'], env());
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^1 : \d{8}_\d{6} : mlpstorage exec -rd \S+ --timeseries-interval 0\.2 -q --loops 2 -- sh -c 'sleep 0\.4'$/);
    expect(lines[1]).toMatch(/^2 : \d{8}_\d{6} : mlpstorage checkpointing run -m llama3-8b /);
    expect(lines.slice(2).every((l) => /reports reportgen/.test(l))).toBe(true);
    const n = historyLines().length;
    expect((await runCliProcess(['history', 'show', '-n', '1'], env())).stdout).toMatch(/^\d+ : \d{8}_\d{6} : mlpstorage reports reportgen/);
    expect((await runCliProcess(['history', 'show', '--id', '2'], env())).stdout).toMatch(/^2: mlpstorage checkpointing run /);
    expect(historyLines()).toHaveLength(n);
  });

  test("Python's shlex.split reads our recorded command back as the argv we ran", () => {
    const line = historyLines()[0] as string;
    const command = line.split(',').slice(2).join(',');
    const words = JSON.parse(execFileSync('python3', ['-c', 'import json,shlex,sys; print(json.dumps(shlex.split(sys.argv[1])))', command], { encoding: 'utf8' }));
    expect(words.slice(-3)).toEqual(['sh', '-c', 'sleep 0.4']);
  });

  test('rerun runs the recorded command again and is not recorded itself', async () => {
    const before = historyLines().length;
    const r = await runCliProcess(['history', 'rerun', '1'], env());
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^mlpstorage: rerunning 1: mlpstorage exec /);
    expect(execRunDirs()).toHaveLength(4);
    expect(historyLines()).toHaveLength(before);
  }, 60_000);

  test('an entry written by Python mlpstorage (script path first) reruns; unknown ids are exit 2', async () => {
    const next = historyLines().length + 1;
    appendFileSync(historyFile, `${next},20250101_120000,/usr/local/bin/mlpstorage lockfile verify --file\n`);
    const r = await runCliProcess(['history', 'rerun', String(next)], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/lockfile verify would check/);
    const missing = await runCliProcess(['history', 'show', '-i', '999'], env());
    expect([missing.code, missing.stderr]).toEqual([2, `mlpstorage: error: no command with ID 999 in ${historyFile}\n`]);
  });
});

describe('kvcache run (what-if: the exact command line)', () => {
  test('the optional features go to kv-cache.py, and -np runs it under MPI over --hosts', async () => {
    const r = await runCliProcess(
      ['kvcache', 'run', '-m', 'tiny-1b', '--what-if', '-q', '-rd', results, '--kvcache-bin-path', '/opt/kv-cache.py', '--disable-multi-turn',
        '--disable-prefix-caching', '--enable-rag', '--rag-num-docs', '3', '--enable-autoscaling', '--autoscaler-mode', 'predictive',
        '-et', 'mpi', '-np', '2', '--hosts', 'h1', 'h2', '--oversubscribe', '--mpi-params=-x FOO=1'],
      env(),
    );
    expect([r.code, r.stderr]).toEqual([0, '']);
    const line = r.stdout.trim().split('\n').pop() as string;
    expect(line).toMatch(/^mpirun -n 2 -host h1:1,h2:1 --oversubscribe -x FOO=1 python3 \/opt\/kv-cache\.py --model tiny-1b /);
    expect(line).toMatch(/ --disable-multi-turn --disable-prefix-caching --enable-rag --rag-num-docs 3 --enable-autoscaling --autoscaler-mode predictive$/);
  });

  test('without -np it is one local process, and MPI flags are named as not honoured', async () => {
    const r = await runCliProcess(['kvcache', 'run', '--what-if', '-q', '-rd', results, '--oversubscribe'], env());
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').pop()).toMatch(/^python3 kv-cache\.py --model llama3\.1-8b /);
    expect(r.stderr).toBe(
      'mlpstorage: warning: accepted and recorded in the metadata (args.not_honoured), not honoured by mlps: --oversubscribe (kvcache runs under MPI only with --num-processes and --exec-type mpi)\n',
    );
  });
});

describe('--engine dlio passes --exec-type on as mlpstorage does', () => {
  const dlio = (...extra: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    runCliProcess(['training', 'run', '--engine', 'dlio', '-m', 'unet3d', '-na', '2', '-g', 'h100', '-dd', join(root, 'd'), '--what-if', '-q', '-rd', results, ...extra], env());

  test('-et mpi (default): DLIO under mpirun; -et docker: dlio_benchmark run directly, no warning', async () => {
    const mpi = await dlio('-et', 'mpi');
    expect([mpi.code, mpi.stderr]).toEqual([0, '']);
    expect(mpi.stdout).toMatch(/^mpirun -n 2 -host 127\.0\.0\.1:2 dlio_benchmark workload=unet3d_h100 /m);
    const docker = await dlio('-et', 'docker', '--object');
    expect([docker.code, docker.stderr]).toEqual([0, '']);
    expect(docker.stdout).toMatch(/^dlio_benchmark workload=unet3d_h100 /m);
    expect(docker.stdout).not.toMatch(/mpirun/);
  });

  test('the built-in engine names --exec-type docker and the MPI flags in its one warning line', async () => {
    const r = await runCliProcess(
      ['training', 'datasize', '-m', 'unet3d', '-cm', '16', '-ma', '2', '-g', 'h100', '-et', 'docker', '--oversubscribe', '-q', '-rd', results],
      env(),
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'mlpstorage: warning: accepted and recorded in the metadata (args.not_honoured), not honoured by mlps: --exec-type docker (mlps does not launch containers); --oversubscribe (the built-in engine runs in-process, without MPI)\n',
    );
  });
});

describe('lockfile', () => {
  test.each([
    [['lockfile', 'generate', '--all'], /lockfile generate would pin the Python packages of pyproject\.toml .*pnpm-lock\.yaml/],
    [['lockfile', 'verify', '-l', 'req.txt', '--strict'], /lockfile verify would check .* pinned in req\.txt; that does not apply here/],
  ])('%j says in one line what it would check and why it does not apply, exit 2', async (args, message) => {
    const r = await runCliProcess(args, env());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});
