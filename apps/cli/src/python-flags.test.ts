import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Command, Option } from 'commander';
import { MULTI_LETTER_ALIASES } from './argv';
import { parseCommandLine } from './parse-only';
import { buildProgram } from './program';
import { splitCommandLine } from './history';
import { parseConfigYaml } from './python-args';

/**
 * Command lines of Python mlpstorage (its argparse parsers: mlpstorage_py/cli/*_args.py), each with the
 * values Python's `vars(args)` holds after parsing (and its `update_args`). Together they use every flag of
 * every program; each must parse here with the same meaning. Values are what Python stores: ints for
 * `type=int`, the enum's value for `--exec-type`, `closed` False for `--open`, `data_access_protocol` for
 * `--file`/`--object`, flattened `--params`, comma-separated `--hosts` split.
 */
const TABLE: Array<{ line: string; expect: Record<string, unknown> }> = [
  {
    line:
      'training datasize --model unet3d --client-host-memory-in-gb 128 --max-accelerators 16 --accelerator-type h100 ' +
      '--num-client-hosts 2 --hosts node1 node2 --exec-type mpi --mpi-bin mpiexec --oversubscribe --allow-run-as-root ' +
      '--mpi-params=--bind-to --data-dir /mnt/data --dlio-bin-path /opt/dlio --params dataset.num_files_train=400 ' +
      '--results-dir /r --loops 2 --config-file NONE --file --closed --debug --verbose --stream-log-level DEBUG ' +
      '--allow-invalid-params --what-if --verify-lockfile requirements.txt --skip-validation',
    expect: {
      program: 'training', command: 'datasize', model: 'unet3d', client_host_memory_in_gb: 128, max_accelerators: 16,
      accelerator_type: 'h100', num_client_hosts: 2, hosts: ['node1', 'node2'], exec_type: 'mpi', mpi_bin: 'mpiexec',
      oversubscribe: true, allow_run_as_root: true, mpi_params: ['--bind-to'], data_dir: '/mnt/data', dlio_bin_path: '/opt/dlio',
      params: ['dataset.num_files_train=400'], results_dir: '/r', loops: 2, data_access_protocol: 'file', closed: true,
      debug: true, verbose: true, stream_log_level: 'DEBUG', allow_invalid_params: true, what_if: true,
      verify_lockfile: 'requirements.txt', skip_validation: true, num_processes: 16,
    },
  },
  {
    line: 'training datasize -m resnet50 -cm 64 -ma 8 -g a100 -nc 1 -s 10.0.0.1 -et mpi -dd /d -dp /b -p a=1 b=2 -p c=3 -rd /r -c NONE --open -aip',
    expect: {
      model: 'resnet50', client_host_memory_in_gb: 64, max_accelerators: 8, accelerator_type: 'a100', num_client_hosts: 1,
      hosts: ['10.0.0.1'], exec_type: 'mpi', data_dir: '/d', dlio_bin_path: '/b', params: ['a=1', 'b=2', 'c=3'], results_dir: '/r',
      closed: false, allow_invalid_params: true,
    },
  },
  {
    line: 'training datagen --model cosmoflow --num-processes 8 --hosts node1,node2 --exec-type docker --data-dir /d --file',
    expect: { command: 'datagen', model: 'cosmoflow', num_processes: 8, hosts: ['node1', 'node2'], exec_type: 'docker', data_dir: '/d', data_access_protocol: 'file' },
  },
  {
    line: 'training datagen -m unet3d -np 4 -s h1:2 h2:2 -et mpi --mpi-params=-x --object',
    expect: { num_processes: 4, hosts: ['h1:2', 'h2:2'], mpi_params: ['-x'], data_access_protocol: 's3' },
  },
  {
    line:
      'training run --model unet3d --client-host-memory-in-gb 256 --num-accelerators 8 --accelerator-type h100 --num-client-hosts 2 ' +
      '--hosts node1:4 node2:4 --data-dir /mnt/lustre --params reader.read_threads=8 --timeseries-interval 5 ' +
      '--skip-timeseries --max-timeseries-samples 7200 --object s3 --stream-log-level warning',
    expect: {
      command: 'run', client_host_memory_in_gb: 256, num_accelerators: 8, num_processes: 8, hosts: ['node1:4', 'node2:4'],
      params: ['reader.read_threads=8'], timeseries_interval: 5, skip_timeseries: true, max_timeseries_samples: 7200,
      data_access_protocol: 's3', stream_log_level: 'WARNING',
    },
  },
  {
    line: 'training run -m resnet50 -cm 128 -na 16 -g a100 -nc 4 -dd /d --timeseries-interval 0.5 --file',
    expect: { num_accelerators: 16, accelerator_type: 'a100', num_client_hosts: 4, timeseries_interval: 0.5, exec_type: 'mpi', loops: 1 },
  },
  {
    line: 'training configview --num-accelerators 8 --model unet3d --data-dir /d --dlio-bin-path /b --params a=1 --file',
    expect: { command: 'configview', num_accelerators: 8, data_dir: '/d', params: ['a=1'] },
  },
  // Newer mlpstorage: -at for --accelerator-type, --param for --params.
  { line: 'training run -m unet3d -cm 64 -na 2 -at a100 --param x=1 --param=y=2 --file', expect: { accelerator_type: 'a100', params: ['x=1', 'y=2'] } },
  {
    line:
      'checkpointing datasize --client-host-memory-in-gb 512 --model llama3-70b --num-checkpoints-read 5 --num-checkpoints-write 6 ' +
      '--num-processes 64 --checkpoint-folder /ckpt --hosts n1 n2 --dlio-bin-path /b --params checkpoint.fsync=True ' +
      '--exec-type mpi --mpi-bin mpirun --oversubscribe --allow-run-as-root --mpi-params=--bind-to --file',
    expect: {
      program: 'checkpointing', command: 'datasize', client_host_memory_in_gb: 512, model: 'llama3-70b', num_checkpoints_read: 5,
      num_checkpoints_write: 6, num_processes: 64, checkpoint_folder: '/ckpt', hosts: ['n1', 'n2'], exec_type: 'mpi', mpi_bin: 'mpirun',
      oversubscribe: true, allow_run_as_root: true, params: ['checkpoint.fsync=True'],
    },
  },
  {
    line:
      'checkpointing run -cm 64 -m llama3-8b -ncr 1 -ncw 2 -np 8 -cf /ckpt -s 127.0.0.1 -dp /b -p x=1 -et docker ' +
      '--timeseries-interval 1 --skip-timeseries --max-timeseries-samples 10 -rd /r --loops 3 --closed --file',
    expect: {
      command: 'run', num_checkpoints_read: 1, num_checkpoints_write: 2, num_processes: 8, checkpoint_folder: '/ckpt', exec_type: 'docker',
      timeseries_interval: 1, skip_timeseries: true, max_timeseries_samples: 10, loops: 3, closed: true,
    },
  },
  {
    // vectordb: -s is the database address and -p its port, as in Python.
    line:
      'vectordb datagen -s 10.0.0.5 -p 19531 --config 10m_diskann --collection c1 --dimension 768 --num-shards 2 ' +
      '--vector-dtype FLOAT_VECTOR --num-vectors 1000 --distribution zipfian --batch-size 500 --chunk-size 2000 --force --file',
    expect: {
      program: 'vectordb', command: 'datagen', host: '10.0.0.5', port: 19531, config: '10m_diskann', collection: 'c1', dimension: 768,
      num_shards: 2, vector_dtype: 'FLOAT_VECTOR', num_vectors: 1000, distribution: 'zipfian', batch_size: 500, chunk_size: 2000, force: true,
      hosts: ['127.0.0.1'],
    },
  },
  {
    line:
      'vectordb run --host db.example --port 19532 --config cfg --collection c2 --num-query-processes 4 --batch-size 8 ' +
      '--report-count 10 --runtime 30 --timeseries-interval 2 --max-timeseries-samples 100 --file',
    expect: { host: 'db.example', port: 19532, num_query_processes: 4, batch_size: 8, report_count: 10, runtime: 30, timeseries_interval: 2 },
  },
  {
    line: 'vectordb run -s 10.0.0.5 -p 19530 --queries 1000 --skip-timeseries --file',
    expect: { host: '10.0.0.5', port: 19530, queries: 1000, runtime: null, hosts: ['127.0.0.1'] },
  },
  { line: 'vectordb run -s 10.0.0.5 --file', expect: { runtime: 60, queries: null } },
  {
    line:
      'kvcache run --model llama3.1-70b-instruct --num-users 50 --gpu-mem-gb 8 --cpu-mem-gb 64 --cache-dir /nvme --duration 120 ' +
      '--generation-mode fast --performance-profile throughput --seed 42 --kvcache-bin-path /opt/kv-cache.py --disable-multi-turn ' +
      '--disable-prefix-caching --enable-rag --rag-num-docs 5 --enable-autoscaling --autoscaler-mode predictive --exec-type mpi ' +
      '--num-processes 4 --hosts n1 n2 --mpi-bin mpiexec --oversubscribe --allow-run-as-root --mpi-params=--bind-to ' +
      '--timeseries-interval 1 --skip-timeseries --max-timeseries-samples 50 --file',
    expect: {
      program: 'kvcache', command: 'run', model: 'llama3.1-70b-instruct', num_users: 50, gpu_mem_gb: 8, cpu_mem_gb: 64, cache_dir: '/nvme',
      duration: 120, generation_mode: 'fast', performance_profile: 'throughput', seed: 42, kvcache_bin_path: '/opt/kv-cache.py',
      disable_multi_turn: true, disable_prefix_caching: true, enable_rag: true, rag_num_docs: 5, enable_autoscaling: true,
      autoscaler_mode: 'predictive', exec_type: 'mpi', num_processes: 4, hosts: ['n1', 'n2'], mpi_bin: 'mpiexec', oversubscribe: true,
      allow_run_as_root: true, mpi_params: ['--bind-to'], timeseries_interval: 1, skip_timeseries: true, max_timeseries_samples: 50,
    },
  },
  {
    line: 'kvcache run -m tiny-1b -nu 10 -d 5 -et docker -np 2 -s h1 --file',
    expect: { model: 'tiny-1b', num_users: 10, duration: 5, exec_type: 'docker', num_processes: 2, hosts: ['h1'], rag_num_docs: 10, autoscaler_mode: 'qos' },
  },
  {
    line: 'kvcache datasize --model mistral-7b --num-users 1000 --gpu-mem-gb 80 --cpu-mem-gb 512 --cache-dir /nvme --file',
    expect: { command: 'datasize', model: 'mistral-7b', num_users: 1000, gpu_mem_gb: 80, cpu_mem_gb: 512, cache_dir: '/nvme' },
  },
  {
    line: 'reports reportgen --output-dir /out --results-dir /r --loops 1 --file --debug --verbose --stream-log-level INFO --what-if',
    expect: { program: 'reports', command: 'reportgen', output_dir: '/out', results_dir: '/r', debug: true },
  },
  { line: 'history show --limit 5 --file', expect: { program: 'history', command: 'show', limit: 5 } },
  { line: 'history show -n 3 -i 7 --file', expect: { limit: 3, id: 7 } },
  { line: 'history show --id 9 --file', expect: { id: 9, limit: null } },
  { line: 'history rerun 12 --file', expect: { program: 'history', command: 'rerun' } },
  {
    line: 'lockfile generate -o req.txt --extra test --extra full --hashes --python-version 3.10 --pyproject p.toml --all --file',
    expect: { program: 'lockfile', command: 'generate', output: 'req.txt', extra: ['test', 'full'], hashes: true, python_version: '3.10', pyproject: 'p.toml', all: true },
  },
  {
    line: 'lockfile verify -l req.txt --skip torch --skip numpy --allow-missing --strict --file',
    expect: { command: 'verify', lockfile: 'req.txt', skip: ['torch', 'numpy'], allow_missing: true, strict: true },
  },
  { line: 'lockfile generate --output r.txt --file', expect: { output: 'r.txt', pyproject: 'pyproject.toml', all: false } },
  { line: 'lockfile verify --lockfile r.txt --file', expect: { lockfile: 'r.txt', allow_missing: false } },
];

/**
 * Every flag of every Python program (`mlpstorage_py/cli/*_args.py`), by command: long and short
 * spellings. The test checks each spelling is an option of ours there (multi-letter short forms through
 * the alias table), so a flag cannot be dropped without this failing.
 */
const UNIVERSAL = ['--results-dir', '-rd', '--loops', '--config-file', '-c', '--file', '--object', '--open', '--closed', '--debug', '--verbose',
  '--stream-log-level', '--allow-invalid-params', '-aip', '--what-if', '--verify-lockfile', '--skip-validation'];
const MPI = ['--mpi-bin', '--oversubscribe', '--allow-run-as-root', '--mpi-params'];
const DLIO = ['--dlio-bin-path', '-dp', '--params', '-p'];
const HOSTS = ['--hosts', '-s'];
const TIMESERIES = ['--timeseries-interval', '--skip-timeseries', '--max-timeseries-samples'];
const TRAINING_CORE = [...HOSTS, '--model', '-m', '--exec-type', '-et', ...MPI, '--data-dir', '-dd', ...DLIO, ...UNIVERSAL];
const PYTHON_FLAGS: Record<string, string[]> = {
  'training datasize': [...TRAINING_CORE, '--client-host-memory-in-gb', '-cm', '--max-accelerators', '-ma', '--accelerator-type', '-g', '--num-client-hosts', '-nc'],
  'training datagen': [...TRAINING_CORE, '--num-processes', '-np'],
  'training run': [...TRAINING_CORE, '--client-host-memory-in-gb', '-cm', '--num-accelerators', '-na', '--accelerator-type', '-g', '--num-client-hosts', '-nc', ...TIMESERIES],
  'training configview': ['--num-accelerators', '-na', '--data-dir', '-dd', ...DLIO, ...UNIVERSAL],
  'checkpointing datasize': [...HOSTS, '--client-host-memory-in-gb', '-cm', '--model', '-m', '--num-checkpoints-read', '-ncr', '--num-checkpoints-write', '-ncw',
    '--num-processes', '-np', '--checkpoint-folder', '-cf', ...DLIO, '--exec-type', '-et', ...MPI, ...UNIVERSAL],
  'checkpointing run': [...HOSTS, '--client-host-memory-in-gb', '-cm', '--model', '-m', '--num-checkpoints-read', '-ncr', '--num-checkpoints-write', '-ncw',
    '--num-processes', '-np', '--checkpoint-folder', '-cf', ...DLIO, '--exec-type', '-et', ...MPI, ...UNIVERSAL, ...TIMESERIES],
  'vectordb datagen': ['--host', '-s', '--port', '-p', '--config', '--collection', '--dimension', '--num-shards', '--vector-dtype', '--num-vectors',
    '--distribution', '--batch-size', '--chunk-size', '--force', ...UNIVERSAL],
  'vectordb run': ['--host', '-s', '--port', '-p', '--config', '--collection', '--num-query-processes', '--batch-size', '--report-count', '--runtime',
    '--queries', ...UNIVERSAL, ...TIMESERIES],
  'kvcache datasize': ['--model', '-m', '--num-users', '-nu', '--gpu-mem-gb', '--cpu-mem-gb', '--cache-dir', ...UNIVERSAL],
  'kvcache run': ['--model', '-m', '--num-users', '-nu', '--gpu-mem-gb', '--cpu-mem-gb', '--cache-dir', ...UNIVERSAL, '--duration', '-d', '--generation-mode',
    '--performance-profile', '--seed', '--kvcache-bin-path', '--disable-multi-turn', '--disable-prefix-caching', '--enable-rag', '--rag-num-docs',
    '--enable-autoscaling', '--autoscaler-mode', '--exec-type', '-et', '--num-processes', '-np', ...HOSTS, ...MPI, ...TIMESERIES],
  'reports reportgen': ['--output-dir', ...UNIVERSAL],
  'history show': ['--limit', '-n', '--id', '-i', ...UNIVERSAL],
  'history rerun': [...UNIVERSAL],
  'lockfile generate': ['-o', '--output', '--extra', '--hashes', '--python-version', '--pyproject', '--all', ...UNIVERSAL],
  'lockfile verify': ['-l', '--lockfile', '--skip', '--allow-missing', '--strict', ...UNIVERSAL],
};

function leaf(path: string): Command {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  let cmd: Command = buildProgram({ stdout: sink, stderr: sink, env: {}, exitCode: 0 });
  for (const name of path.split(' ')) {
    const next = cmd.commands.find((c) => c.name() === name);
    if (!next) throw new Error(`no command ${path}`);
    cmd = next;
  }
  return cmd;
}

function hasFlag(cmd: Command, flag: string): boolean {
  const spelled = MULTI_LETTER_ALIASES[flag] ?? flag;
  return cmd.options.some((o: Option) => o.long === spelled || o.short === spelled);
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mlps-pyflags-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('every Python mlpstorage flag', () => {
  test.each(Object.keys(PYTHON_FLAGS))('%s has every flag of the Python parser', (path) => {
    const cmd = leaf(path);
    const missing = (PYTHON_FLAGS[path] ?? []).filter((f) => !hasFlag(cmd, f));
    expect(missing).toEqual([]);
  });

  test('the table uses every flag of every program', () => {
    const used = new Set(TABLE.flatMap((t) => t.line.split(/\s+/).filter((w) => w.startsWith('-')).map((w) => w.split('=')[0] as string)));
    const all = new Set(Object.values(PYTHON_FLAGS).flat());
    expect([...all].filter((f) => !used.has(f)).sort()).toEqual([]);
  });

  test.each(TABLE.map((t) => [t.line, t.expect] as const))('%s', (line, expect_) => {
    const config = join(root, 'empty.yaml');
    writeFileSync(config, '# no overrides\n');
    const argv = splitCommandLine(line).map((w) => (w === 'NONE' ? config : w));
    const parsed = parseCommandLine(argv);
    for (const [key, value] of Object.entries(expect_)) {
      if (key === 'config_file') continue;
      expect([key, parsed.args[key]]).toEqual([key, value]);
    }
  });

  test('vectordb -s/-p are the database host and port; time-series hosts are --hosts only', () => {
    const a = parseCommandLine(['vectordb', 'run', '-s', '10.0.0.5', '-p', '19531', '--hosts', 'n1', 'n2']).args;
    expect([a.host, a.port, a.hosts]).toEqual(['10.0.0.5', 19531, ['n1', 'n2']]);
    const b = parseCommandLine(['vectordb', 'run', '-s', '10.0.0.5']).args;
    expect(b.hosts).toEqual(['127.0.0.1']);
  });

  test('--open and --closed exclude each other, as --file and --object (exit-2 errors)', () => {
    expect(() => parseCommandLine(['training', 'datasize', '-m', 'unet3d', '--open', '--closed'])).toThrow(/cannot be used with/);
    expect(() => parseCommandLine(['training', 'datasize', '-m', 'unet3d', '--file', '--object'])).toThrow(/cannot be used with/);
    expect(() => parseCommandLine(['training', 'run', '-m', 'unet3d', '-et', 'podman'])).toThrow(/podman/);
  });

  test('flags not honoured are named and recorded under args.not_honoured', () => {
    const p = parseCommandLine(['checkpointing', 'run', '-m', 'llama3-8b', '-np', '8', '-cf', '/c', '--closed', '--object', '-et', 'docker', '--verify-lockfile', 'r.txt', '--skip-validation']);
    expect(p.notHonoured.map((n) => n.flag)).toEqual(['--object s3', '--closed', '--verify-lockfile', '--skip-validation', '--exec-type docker']);
    expect(p.args.not_honoured).toEqual(['object', 'closed', 'verify_lockfile', 'skip_validation', 'exec_type']);
    expect(parseCommandLine(['checkpointing', 'run', '-m', 'llama3-8b', '-np', '8', '-cf', '/c', '--open', '--file']).args.not_honoured).toEqual([]);
  });
});

describe('--config-file/-c (YAML overrides applied after the command line, as mlpstorage)', () => {
  test('overrides CLI values, splits hosts, turns a params mapping into key=value, skips null', () => {
    const file = join(root, 'over.yaml');
    writeFileSync(
      file,
      [
        '# mlpstorage argument names',
        'num_accelerators: 4',
        "hosts: 'n1,n2'",
        'params:',
        '  dataset.num_files_train: 400',
        '  reader.read_threads: 2',
        'data_dir: /from/yaml   # a comment',
        'timeseries_interval: 0.5',
        'skip_timeseries: yes',
        'num_client_hosts: ~',
        'mpi_params: [--bind-to, none]',
      ].join('\n'),
    );
    const a = parseCommandLine(['training', 'run', '-m', 'unet3d', '-na', '8', '-nc', '3', '-c', file]).args;
    expect(a).toMatchObject({
      num_accelerators: 4,
      num_processes: 4,
      hosts: ['n1', 'n2'],
      params: ['dataset.num_files_train=400', 'reader.read_threads=2'],
      data_dir: '/from/yaml',
      timeseries_interval: 0.5,
      skip_timeseries: true,
      num_client_hosts: 3,
      mpi_params: ['--bind-to', 'none'],
    });
  });

  test('a bad value is refused through the same parsers, naming the file and key', () => {
    const file = join(root, 'bad.yaml');
    writeFileSync(file, 'num_accelerators: 0\n');
    expect(() => parseCommandLine(['training', 'run', '-m', 'unet3d', '-c', file])).toThrow(/bad\.yaml: num_accelerators: .*at least 1/);
    writeFileSync(file, 'accelerator_type: tpu\n');
    expect(() => parseCommandLine(['training', 'run', '-m', 'unet3d', '-c', file])).toThrow(/accelerator_type/);
    writeFileSync(file, 'a: &x 1\n');
    expect(() => parseCommandLine(['training', 'run', '-m', 'unet3d', '-c', file])).toThrow(/line 1: anchors/);
    expect(() => parseCommandLine(['training', 'run', '-m', 'unet3d', '-c', join(root, 'missing.yaml')])).toThrow(/cannot read: ENOENT/);
  });

  test('the YAML subset parser reads scalars, lists and one-level mappings', () => {
    expect(
      parseConfigYaml(['a: 1', 'b: 2.5', "c: 'x y'", 'd: "q#r"', 'e: [1, two, "3"]', 'f:', '  - g', '  - 7', 'h: off', 'i: null', '---'].join('\n'), 't'),
    ).toEqual({ a: 1, b: 2.5, c: 'x y', d: 'q#r', e: [1, 'two', '3'], f: ['g', 7], h: false, i: null });
  });
});
