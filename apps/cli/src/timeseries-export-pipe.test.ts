// `mlpstorage timeseries export … | head`: a reader that stops early is not an error (no EPIPE line, exit 0).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, runCliProcess } from './test-cli';

jest.setTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), 'mlps-export-pipe-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test.each(['csv', 'openmetrics', 'jsonl'])('export --format %s into a pipe closed after one line', async (format) => {
  const results = join(root, format);
  const c = await runCliProcess(['timeseries', 'collect', '--duration', '1.5s', '--timeseries-interval', '0.1', '--output-dir', results, '-q']);
  expect(c.code).toBe(0);
  const out = join(results, 'collect', readdirSync(join(results, 'collect'))[0] as string);
  // Far more than a pipe buffer (64 KiB) is exported, so the writer meets the closed pipe.
  const script = `"${process.execPath}" "${CLI_PATH}" timeseries export "${out}" --format ${format} | head -n 1; echo "exit=\${PIPESTATUS[0]}" >&2`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  expect(r.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/EPIPE|error/);
  expect(r.stderr).toContain('exit=0');
});
