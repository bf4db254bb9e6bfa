import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliProcess } from './test-cli';

describe('invalid arguments exit 2 with one line naming the option and the value', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'mlps-cli-err-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const base = (): string[] => ['exec', '--results-dir', join(root, 'r')];
  const cases: Array<[string, () => string[], RegExp]> = [
    ['interval 0', () => [...base(), '--timeseries-interval', '0', '--', 'true'], /--timeseries-interval.*'0'/],
    ['interval negative', () => [...base(), '--timeseries-interval=-1', '--', 'true'], /--timeseries-interval.*'-1'/],
    ['interval not a number', () => [...base(), '--timeseries-interval', 'abc', '--', 'true'], /--timeseries-interval.*'abc'/],
    ['interval NaN', () => [...base(), '--timeseries-interval', 'NaN', '--', 'true'], /--timeseries-interval.*'NaN'/],
    ['max samples 0', () => [...base(), '--max-timeseries-samples', '0', '--', 'true'], /--max-timeseries-samples.*'0'/],
    ['max samples 1.5', () => [...base(), '--max-timeseries-samples', '1.5', '--', 'true'], /--max-timeseries-samples.*'1\.5'/],
    ['overflow', () => [...base(), '--timeseries-overflow', 'drop', '--', 'true'], /--timeseries-overflow.*'drop'/],
    ['bad host', () => [...base(), '--hosts', 'bad host!', '--', 'true'], /--hosts.*'bad host!'/],
    ['bad host slots', () => [...base(), '--hosts', 'node1:0', '--', 'true'], /--hosts.*'node1:0'/],
    ['ssh port', () => [...base(), '--ssh-port', '70000', '--', 'true'], /--ssh-port.*'70000'/],
    ['ssh timeout', () => [...base(), '--ssh-timeout', '0', '--', 'true'], /--ssh-timeout.*'0'/],
    ['ssh policy', () => [...base(), '--ssh-strict-host-key-checking', 'maybe', '--', 'true'], /--ssh-strict-host-key-checking.*'maybe'/],
    ['unknown model', () => ['training', 'run', '--model', 'gpt5', '-rd', join(root, 'r')], /--model.*'gpt5'/],
    ['unknown llm', () => ['checkpointing', 'run', '--model', 'llama9', '-np', '8', '-cf', '/tmp/x', '-rd', join(root, 'r')], /--model.*'llama9'/],
    ['unknown kvcache model', () => ['kvcache', 'run', '--model', 'nope', '-rd', join(root, 'r')], /--model.*'nope'/],
    ['bad params', () => ['training', 'run', '--model', 'unet3d', '--params', 'novalue', '-rd', join(root, 'r')], /--params.*'novalue'/],
    ['unknown option', () => [...base(), '--frobnicate', '--', 'true'], /--frobnicate/],
    ['run interval on training', () => ['training', 'run', '--model', 'unet3d', '--timeseries-interval', '-5', '-rd', join(root, 'r')], /--timeseries-interval.*'-5'/],
    ['interval empty', () => [...base(), '--timeseries-interval', '', '--', 'true'], /--timeseries-interval.*'' is invalid/],
    ['interval below the 0.01 s floor', () => [...base(), '--timeseries-interval', '0.005', '--', 'true'], /--timeseries-interval.*'0\.005'.*at least 0\.01/],
    ['max samples 2.5', () => [...base(), '--max-timeseries-samples', '2.5', '--', 'true'], /--max-timeseries-samples.*'2\.5'/],
    ['host unclosed v6 bracket', () => [...base(), '--hosts', '[::1', '--', 'true'], /--hosts.*'\[::1'/],
    ['host slots not a number', () => [...base(), '--hosts', 'host:abc', '--', 'true'], /--hosts.*'host:abc'/],
    ['host empty after user', () => [...base(), '--hosts', 'a@', '--', 'true'], /--hosts.*'a@'/],
    ['host empty before slots', () => [...base(), '--hosts', ':3', '--', 'true'], /--hosts.*':3'/],
    ['hosts empty string', () => [...base(), '--hosts', '', '--', 'true'], /--hosts.*'' is invalid.*no host given/],
    ['num accelerators 0', () => ['training', 'run', '--model', 'unet3d', '--num-accelerators', '0', '-rd', join(root, 'r')], /--num-accelerators.*'0'/],
    ['ssh port 0', () => [...base(), '--ssh-port', '0', '--', 'true'], /--ssh-port.*'0'/],
    ['ssh port not a number', () => [...base(), '--ssh-port', 'x', '--', 'true'], /--ssh-port.*'x'/],
    ['unknown subcommand', () => ['training', 'frobnicate'], /unknown command 'frobnicate'/],
    ['unknown program', () => ['frobnicate'], /unknown command 'frobnicate'/],
    ['training run without --model', () => ['training', 'run', '-rd', join(root, 'r')], /required option '-m, --model <model>' not specified/],
    ['checkpointing run without --model', () => ['checkpointing', 'run', '-rd', join(root, 'r')], /required option '-m, --model <model>' not specified/],
  ];

  it.each(cases)('%s', async (_name, args, pattern) => {
    const r = await runCliProcess(args());
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mlpstorage: /);
    expect(lines[0]).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(root, 'r'))).toBe(false);
  });

  it('a missing dlio_benchmark is one line naming it and --dlio-bin-path, exit 2, nothing created', async () => {
    const r = await runCliProcess(['training', 'run', '--engine', 'dlio', '--model', 'unet3d', '-rd', join(root, 'r'), '--dlio-bin-path', join(root, 'nowhere')], {
      MPI_RUN_BIN: '/bin/true',
      PATH: '/usr/bin:/bin',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`mlpstorage: error: dlio_benchmark not found in ${join(root, 'nowhere')} or PATH; install it or point at it with --dlio-bin-path or PATH\n`);
    expect(existsSync(join(root, 'r'))).toBe(false);
  });

  it('a missing mpirun names MPI_RUN_BIN', async () => {
    const r = await runCliProcess(['training', 'run', '--engine', 'dlio', '--model', 'unet3d', '-rd', join(root, 'r')], { PATH: '/usr/bin:/bin', MPI_RUN_BIN: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('mlpstorage: error: mpirun not found in PATH; install it or point at it with --mpi-bin or the MPI_RUN_BIN environment variable or PATH\n');
  });

  it('a program without its command is a usage error (2)', async () => {
    const r = await runCliProcess(['training']);
    expect(r.code).toBe(2);
  });
});

describe('help', () => {
  it('mlpstorage --help lists the programs and shows the option groups', async () => {
    const r = await runCliProcess(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['training', 'checkpointing', 'vectordb', 'kvcache', 'Time-Series Collection:', 'SSH:', 'Exit codes']) {
      expect(r.stdout).toContain(word);
    }
  });

  it.each([
    ['training', 'run'],
    ['checkpointing', 'run'],
    ['vectordb', 'run'],
    ['kvcache', 'run'],
    ['exec'],
  ])('%s %s --help shows the Time-Series Collection and SSH groups', async (...cmd: string[]) => {
    const r = await runCliProcess([...cmd.filter(Boolean), '--help']);
    expect(r.code).toBe(0);
    const ts = r.stdout.indexOf('Time-Series Collection:');
    const ssh = r.stdout.indexOf('SSH:');
    expect(ts).toBeGreaterThan(0);
    expect(ssh).toBeGreaterThan(0);
    const tsBlock = r.stdout.slice(ts, r.stdout.indexOf('\n\n', ts));
    for (const o of ['--timeseries-interval <seconds>', '--skip-timeseries', '--max-timeseries-samples <n>', '--timeseries-overflow <policy>']) {
      expect(tsBlock).toContain(o);
    }
    const sshBlock = r.stdout.slice(ssh, r.stdout.indexOf('\n\n', ssh) === -1 ? undefined : r.stdout.indexOf('\n\n', ssh));
    for (const o of ['--ssh-username', '--ssh-port', '--ssh-identity', '--ssh-timeout', '--ssh-strict-host-key-checking']) {
      expect(sshBlock).toContain(o);
    }
  });

  it.each([
    ['training', 'run'],
    ['timeseries', 'collect'],
  ])('%s %s --help lists the collection options and the live view in the Time-Series Collection group', async (...cmd: string[]) => {
    const r = await runCliProcess([...cmd, '--help']);
    expect(r.code).toBe(0);
    const ts = r.stdout.indexOf('Time-Series Collection:');
    expect(ts).toBeGreaterThan(0);
    const end = r.stdout.indexOf('\n\n', ts);
    const block = r.stdout.slice(ts, end === -1 ? undefined : end);
    for (const o of ['--timeseries-interval <seconds>', '--max-timeseries-samples <n>', '--timeseries-overflow <policy>', '--serve <port>', '--serve-host <address>']) {
      expect(block).toContain(o);
    }
  });

  it('datagen has no Time-Series Collection group (it never collects)', async () => {
    const r = await runCliProcess(['training', 'datagen', '--help']);
    expect(r.stdout).not.toContain('Time-Series Collection:');
  });
});
