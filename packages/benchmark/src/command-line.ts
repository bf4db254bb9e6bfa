/**
 * Display form of an argv: what `--what-if` prints and what the logs record. Each argument is quoted for a
 * POSIX shell only when it needs it, so the line can be pasted back into a shell and means the same argv.
 * It is never executed through a shell.
 */
export function formatCommandLine(argv: readonly string[]): string {
  return argv.map(quoteArgument).join(' ');
}

const SAFE_ARGUMENT = /^[A-Za-z0-9_\-+=.,/:@%^]+$/;

/** Quotes one argument for a POSIX shell, leaving plain words as they are. */
export function quoteArgument(arg: string): string {
  if (arg.length > 0 && SAFE_ARGUMENT.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
