/**
 * `npm test` on a machine without the system tools (issue 11): the helpers in scripts/test-tools.cjs skip
 * exactly the suites whose tools are missing, record why, and fail them instead under CI=true. Checked for
 * real: jest runs a small suite as the unprivileged user `nobody` with a PATH that holds only node.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeWithTools } from '../../../scripts/test-tools.cjs';

const REPO = resolve(__dirname, '..', '..', '..');
const HELPER = join(REPO, 'scripts', 'test-tools.cjs');
const JEST = require.resolve('jest/bin/jest');

// Spelled so that this file itself does not count as a user of these tools when `npm test` scans the suites.
const WITH = 'WithTools';
const FIXTURE_TEST = `const { describe${WITH}, it${WITH} } = require(${JSON.stringify(HELPER)});
describe${WITH}(['chromium'], 'report in a browser', () => {
  beforeAll(() => { throw new Error('a skipped suite must not run its hooks'); });
  it('one', () => {});
  it('two', () => {});
});
it${WITH}(['python3'], 'loads in Python', () => {});
it${WITH}(['root'], 'mounts a tmpfs', () => {});
it('needs nothing', () => {});
`;

interface JestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: Array<{ assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>;
}

describeWithTools(['root'], 'npm test without the system tools, as a non-root user', () => {
  let work: string;
  let bin: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'mlps-provision-'));
    chmodSync(work, 0o777);
    // A package laid out as the monorepo's, so toolUsers() finds the suite the way npm test does.
    const src = join(work, 'packages', 'demo', 'src');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'tools.test.ts'), FIXTURE_TEST);
    bin = join(work, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Runs `node args` as nobody with PATH=<only node>; the environment is only what is given here. */
  function asNobody(args: string[], env: Record<string, string>): { status: number | null; stderr: string } {
    const r = spawnSync('runuser', ['-u', 'nobody', '--', 'env', '-i', `PATH=${bin}`, 'HOME=/nonexistent', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'node', ...args], {
      cwd: work,
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: r.status, stderr: r.stderr };
  }

  function runJest(name: string, env: Record<string, string>): JestJson {
    const out = join(work, `${name}.json`);
    const config = JSON.stringify({ rootDir: work, testMatch: ['<rootDir>/packages/**/*.test.ts'], transform: {}, cacheDirectory: join(work, 'cache') });
    const r = asNobody([JEST, '--config', config, '--ci', '--json', `--outputFile=${out}`], { MLPS_TEST_SKIPS_FILE: join(work, `${name}-skips.jsonl`), ...env });
    if (r.status === null) throw new Error(`jest as nobody did not finish: ${r.stderr}`);
    return JSON.parse(readFileSync(out, 'utf8')) as JestJson;
  }

  it('skips exactly the suites whose tools are missing, counts them as skipped and records why', () => {
    const result = runJest('skip', {});
    expect(result.numPassedTests).toBe(1);
    expect(result.numFailedTests).toBe(0);
    expect(result.numPendingTests).toBe(4);
    const skips = readFileSync(join(work, 'skip-skips.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(skips).toEqual([
      expect.objectContaining({ file: expect.stringMatching(/tools\.test\.ts$/), suite: 'report in a browser', missing: ['chromium'], how: expect.stringContaining('apt-get install chromium') }),
      expect.objectContaining({ test: 'loads in Python', missing: ['python3'], how: expect.stringContaining('apt-get install python3') }),
      expect.objectContaining({ test: 'mounts a tmpfs', missing: ['root'], how: expect.stringContaining('as root') }),
    ]);
  });

  it('under CI=true a missing tool is a failure that names it, never a skip', () => {
    const result = runJest('ci', { CI: 'true' });
    expect(result.numPendingTests).toBe(0);
    expect(result.numPassedTests).toBe(1);
    expect(result.numFailedTests).toBe(3);
    const failures = result.testResults.flatMap((t) => t.assertionResults).filter((a) => a.status === 'failed');
    expect(failures.map((f) => f.failureMessages.join('\n'))).toEqual([
      expect.stringMatching(/CI=true and this suite needs chromium \(Debian package chromium/),
      expect.stringMatching(/CI=true and this suite needs python3 \(Debian package python3/),
      expect.stringMatching(/CI=true and this suite needs root \(run as root: sudo npm test/),
    ]);
  });

  it('npm test says, one line per tool, what it skips and how to get it; under CI=true that they fail', () => {
    const script = `require(${JSON.stringify(HELPER)}).provisionTestTools(${JSON.stringify(work)})`;
    const plain = asNobody(['-e', script], {});
    expect(plain.status).toBe(0);
    expect(plain.stderr.trim().split('\n')).toEqual([
      'mlps: missing chromium (Debian package chromium: apt-get install chromium, as root); skipping what needs it in: packages/demo/src/tools.test.ts',
      'mlps: missing python3 (Debian package python3: apt-get install python3, as root); skipping what needs it in: packages/demo/src/tools.test.ts',
      'mlps: missing root (run as root: sudo npm test); skipping what needs it in: packages/demo/src/tools.test.ts',
    ]);
    const ci = asNobody(['-e', script], { CI: 'true' });
    expect(ci.stderr).toMatch(/^mlps: missing chromium .*; CI=true, so these fail: packages\/demo\/src\/tools\.test\.ts$/m);
    expect(ci.stderr).not.toMatch(/skipping/);
  });
});
