import { runCli } from './program';

// The `mlpstorage` / `mlps` binary. The exit code is set rather than forced, so buffered output to pipes
// is flushed; a late unref'd timer makes sure a stray handle cannot keep the process alive.
void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, exitCode: 0 }).then((code) => {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 3000).unref();
});
