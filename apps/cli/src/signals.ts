// The `mlpstorage` binary's signal policy: SIGINT/SIGTERM always end it with 130/143, at every instant of
// its life, and never while a run is finishing its result files.
//
// Why a process-wide listener: Node restores the default action of a signal (a kill with no exit status)
// whenever its last listener is removed, and again when the process ends normally, where it closes every
// handle ~10 ms before the real exit (longer on a loaded machine, with a big heap). A Ctrl-C pressed twice
// could land in either gap. So the binary keeps one listener installed from its start until the process is
// gone, and ends with an explicit `process.exit`, which keeps the handlers installed to the last instant.
import { EXIT } from './context';

let runsFinishingFiles = 0;

/** The documented exit code of an interrupt: 130 (SIGINT), 143 (SIGTERM). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT;
}

/**
 * Marks a benchmark run in progress until the returned release is called: meanwhile the process-wide
 * listener leaves SIGINT/SIGTERM to the run's own handlers (they stop the workload, a second signal kills it
 * with SIGKILL, the files are finished and the run resolves 130/143). Call it just before `Benchmark.run()`
 * and release in the same continuation that sees `run()` settle, so no signal falls between the two.
 */
export function holdSignalsForRun(): () => void {
  runsFinishingFiles++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    runsFinishingFiles--;
  };
}

/**
 * Installs, for the life of the process, the listener that ends it on SIGINT/SIGTERM with 130/143 whenever
 * no run holds the signals (before a run starts, while its summary prints, while the process exits).
 * For the binary only: an embedder that calls `runCli` in-process keeps its own signal policy.
 */
export function installExitOnSignal(): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    if (runsFinishingFiles > 0) return;
    process.exit(signalExitCode(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Ends the process with `code` once its event loop is empty (every pipe flushed, every file closed), with an
 * explicit exit rather than Node's normal teardown, which first restores the default signal actions. A late
 * unref'd timer makes sure a stray handle cannot keep the process alive.
 */
export function exitWhenIdle(code: number, strayHandleGraceMs = 3000): void {
  process.exitCode = code;
  process.once('beforeExit', () => process.exit(code));
  setTimeout(() => process.exit(code), strayHandleGraceMs).unref();
}
