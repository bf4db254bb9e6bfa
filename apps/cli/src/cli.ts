import { runCli } from './program';
import { exitWhenIdle, installExitOnSignal } from './signals';

// The `mlpstorage` / `mlps` binary. SIGINT/SIGTERM are handled from the first instant to the last (see
// signals.ts): a Ctrl-C never kills it without its documented exit code, nor while a run finishes its files.
installExitOnSignal();
void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, exitCode: 0 }).then((code) => {
  exitWhenIdle(code);
});
