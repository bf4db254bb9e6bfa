/**
 * `mlpstorage` (argparse) has multi-letter short options such as `-rd` and `-cm`; commander allows one
 * letter after a single dash, so these are rewritten to their long form before parsing. Only exact tokens
 * (or `-rd=value`) before `--` are rewritten, so option values and workload arguments are never touched.
 */
export const MULTI_LETTER_ALIASES: Readonly<Record<string, string>> = {
  '-rd': '--results-dir',
  '-cm': '--client-host-memory-in-gb',
  '-na': '--num-accelerators',
  '-np': '--num-processes',
  '-ma': '--max-accelerators',
  '-nc': '--num-client-hosts',
  '-dd': '--data-dir',
  '-dp': '--dlio-bin-path',
  '-cf': '--checkpoint-folder',
  '-ncr': '--num-checkpoints-read',
  '-ncw': '--num-checkpoints-write',
  '-nu': '--num-users',
  '-aip': '--allow-invalid-params',
  '-et': '--exec-type',
  // Newer mlpstorage spells --accelerator-type -at (older: -g, which works too) and keeps --param for --params.
  '-at': '--accelerator-type',
  '--param': '--params',
};

/** Rewrites the multi-letter aliases of {@link MULTI_LETTER_ALIASES} to long options. */
export function normalizeArgv(args: readonly string[]): string[] {
  const out: string[] = [];
  let passthrough = false;
  for (const arg of args) {
    if (passthrough) {
      out.push(arg);
      continue;
    }
    if (arg === '--') {
      passthrough = true;
      out.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const long = MULTI_LETTER_ALIASES[flag];
    out.push(long ? (eq > 0 ? `${long}${arg.slice(eq)}` : long) : arg);
  }
  return out;
}
