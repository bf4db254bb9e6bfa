// Result, output, checkpoint and dataset folders that cannot be created on a pseudo file system (/proc
// answers ENOENT to every mkdir, which sent Node's recursive mkdir into an endless loop at full CPU):
// one line naming the folder, exit 2, promptly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli } from './test-cli';

jest.setTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), 'mlps-pseudo-fs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const NOPE = '/proc/mlps-no-such-dir';

it.each([
  ['collect --output-dir', () => ['timeseries', 'collect', '--output-dir', NOPE, '--', 'true'], /cannot create results directory \/proc\/mlps-no-such-dir/],
  ['run --results-dir', () => ['exec', '--results-dir', NOPE, '--', 'true'], /cannot create results directory \/proc\/mlps-no-such-dir/],
  ['checkpointing --checkpoint-folder', () => ['checkpointing', 'run', '-m', 'llama3-8b', '-np', '1', '-cf', NOPE, '--scale', '0.001', '-rd', join(root, 'r')], /checkpoint folder \/proc\/mlps-no-such-dir/],
  ['training datagen --data-dir', () => ['training', 'datagen', '-m', 'unet3d', '-dd', NOPE, '--scale', '0.001', '-rd', join(root, 'r')], /dataset folder \/proc\/mlps-no-such-dir/],
])('%s under /proc: one line, exit 2, no hang', async (_name, args, pattern) => {
  const cli = startCli(args());
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 20_000);
  const r = await cli.done;
  clearTimeout(timer);
  expect(r.signal).toBeNull();
  expect(r.code).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
});
