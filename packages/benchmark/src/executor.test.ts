import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { isMlpsError } from '@mlps/timeseries';
import { CommandExecutor } from './executor';
import { resolveProgram } from './program-lookup';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Alive and not a zombie (an orphan may wait for a reaper that this container's init does not run). */
function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until `done()` holds or `timeoutMs` passed (then the caller's assertion fails with its own message).
 * Waits for an outcome instead of a fixed sleep: a loaded 2-core CI machine may take longer than any sleep
 * to schedule a signalled process's exit, while a process that was never signalled stays alive however long.
 */
async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!done() && Date.now() - t0 < timeoutMs) await sleep(20);
}

/** The complete lines of `file` (a shell's `echo` may have created it and not yet written). */
function completeLines(file: string): string[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l !== '');
}

describe('CommandExecutor', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlps-exec-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs argv without a shell, streams output to console and log files, returns the exit code', async () => {
    const out = capture();
    const err = capture();
    const ex = new CommandExecutor({ output: { stdout: out.stream, stderr: err.stream } });
    const code = await ex.execute(['sh', '-c', 'echo "$1"; echo oops >&2; exit 3', 'sh', '$(touch pwned); x'], {
      logDir: dir,
      logPrefix: 'training_run',
    });
    expect(code).toBe(3);
    expect(out.text()).toBe('$(touch pwned); x\n');
    expect(err.text()).toBe('oops\n');
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(readFileSync(join(dir, 'training_run.stdout.log'), 'utf8')).toBe('$(touch pwned); x\n');
    expect(readFileSync(join(dir, 'training_run.stderr.log'), 'utf8')).toBe('oops\n');
    expect(ex.records[0]).toMatchObject({ exit_code: 3, signal: null, stdout_log: 'training_run.stdout.log', what_if: false });
    expect(ex.records[0]?.duration_seconds).toBeGreaterThanOrEqual(0);
  });

  it('keeps output out of the console when echo is off, but still in the logs', async () => {
    const out = capture();
    const ex = new CommandExecutor({ echo: false, output: { stdout: out.stream, stderr: out.stream } });
    expect(await ex.execute(['sh', '-c', 'echo hidden'], { logDir: dir, logPrefix: 'x' })).toBe(0);
    expect(out.text()).toBe('');
    expect(readFileSync(join(dir, 'x.stdout.log'), 'utf8')).toBe('hidden\n');
  });

  it('what-if prints the exact command line and runs nothing', async () => {
    const out = capture();
    const ex = new CommandExecutor({ whatIf: true, output: { stdout: out.stream, stderr: out.stream } });
    const marker = join(dir, 'ran');
    expect(await ex.execute(['touch', marker, 'a b'])).toBe(0);
    expect(out.text()).toBe(`touch ${marker} 'a b'\n`);
    expect(existsSync(marker)).toBe(false);
    expect(ex.records[0]?.what_if).toBe(true);
  });

  it('forwards an interrupt to the whole process group and reports 128 + signal', async () => {
    const out = capture();
    const ex = new CommandExecutor({ output: { stdout: out.stream, stderr: out.stream } });
    // The shell's child `sleep` must die too: the signal goes to the group, not just the shell.
    const pidFile = join(dir, 'sleep.pid');
    const running = ex.execute(['sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`]);
    await until(() => completeLines(pidFile).length === 1);
    const sleepPid = Number(completeLines(pidFile)[0]);
    expect(sleepPid).toBeGreaterThan(1);
    expect(processAlive(sleepPid)).toBe(true);
    const t0 = Date.now();
    ex.interrupt('SIGTERM');
    expect(await running).toBe(143);
    // The shell waits for nothing: it ended with its `sleep 30`, not 30 s later.
    expect(Date.now() - t0).toBeLessThan(5000);
    await until(() => !processAlive(sleepPid), 5000);
    expect(processAlive(sleepPid)).toBe(false);
    expect(ex.records[0]?.signal).toBe('SIGTERM');
    // After an interrupt nothing new starts.
    expect(await ex.execute(['touch', join(dir, 'later')])).toBe(143);
    expect(existsSync(join(dir, 'later'))).toBe(false);
  });

  it('escalates to SIGKILL on a second interrupt for workloads that ignore the first', async () => {
    const ex = new CommandExecutor({ echo: false });
    const ready = join(dir, 'ready');
    const running = ex.execute(['sh', '-c', `trap '' TERM; touch ${ready}; while :; do sleep 0.05; done`]);
    await until(() => existsSync(ready));
    ex.interrupt('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    ex.interrupt('SIGTERM');
    expect(await running).toBe(137);
  });

  it('stopRunning stops what is still running with its process group: SIGTERM, then SIGKILL after the grace', async () => {
    const ex = new CommandExecutor({ echo: false });
    const pids = join(dir, 'pids');
    // One command that honours SIGTERM (with a child), one that ignores it.
    const polite = ex.execute(['sh', '-c', `sleep 30 & echo $! >> ${pids}; wait`]);
    const stubborn = ex.execute(['sh', '-c', `trap '' TERM; sleep 30 & echo $! >> ${pids}; while :; do sleep 0.05; done`]);
    await until(() => completeLines(pids).length === 2);
    expect(ex.runningCount).toBe(2);
    const t0 = Date.now();
    expect(await ex.stopRunning(300)).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await polite).toBe(143);
    expect(await stubborn).toBe(137);
    expect(ex.runningCount).toBe(0);
    const sleeps = completeLines(pids).map(Number);
    expect(sleeps).toHaveLength(2);
    await until(() => sleeps.every((pid) => !processAlive(pid)), 5000);
    expect(sleeps.filter(processAlive)).toEqual([]);
    expect(await ex.stopRunning()).toBe(0);
  });

  it('a process that exits (crashes) while commands run takes their process groups with it', async () => {
    const dist = join(__dirname, '..', 'dist', 'index.cjs');
    if (!existsSync(dist)) throw new Error(`@mlps/benchmark not built: ${dist} (run the build first)`);
    const pids = join(dir, 'pids');
    const script = [
      `const { CommandExecutor } = require(${JSON.stringify(dist)});`,
      'const ex = new CommandExecutor({ echo: false });',
      `void ex.execute(['sh', '-c', 'sleep 30 & echo $! >> ${pids}; echo $$ >> ${pids}; wait']);`,
      `const t = setInterval(() => { try { if (require('node:fs').readFileSync(${JSON.stringify(pids)}, 'utf8').split('\\n').length > 2) { clearInterval(t); throw new Error('the run crashed'); } } catch (e) { if (e.message === 'the run crashed') throw e; } }, 20);`,
    ].join('\n');
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toContain('the run crashed');
    expect(r.status).toBe(1);
    const started = completeLines(pids).map(Number);
    expect(started).toHaveLength(2);
    await until(() => started.every((pid) => !processAlive(pid)), 5000);
    expect(started.filter(processAlive)).toEqual([]);
  });
});

describe('resolveProgram', () => {
  it('finds programs in search dirs before PATH, and names the option when missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlps-prog-'));
    try {
      const prog = join(dir, 'dlio_benchmark');
      writeFileSync(prog, '#!/bin/sh\n');
      chmodSync(prog, 0o755);
      expect(resolveProgram('dlio_benchmark', { searchDirs: [dir] })).toBe(prog);
      expect(resolveProgram('sh')).toMatch(/\/sh$/);
      let err: unknown;
      try {
        resolveProgram('dlio_benchmark', { hint: { option: '--dlio-bin-path' }, env: { PATH: '/nonexistent' } });
      } catch (e) {
        err = e;
      }
      expect(isMlpsError(err) && err.code).toBe('PROGRAM_NOT_FOUND');
      expect((err as Error).message).toBe('dlio_benchmark not found in PATH; install it or point at it with --dlio-bin-path or PATH');
      expect((err as Error).message).not.toContain('\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
