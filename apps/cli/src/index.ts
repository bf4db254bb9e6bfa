// Programmatic entry of the CLI (used by tests and embedders).
export { buildProgram, runCli, CLI_VERSION } from './program';
export { normalizeArgv, MULTI_LETTER_ALIASES } from './argv';
export { EXIT } from './context';
export type { CliContext } from './context';
export { formatRunSummary, summarizeHost, wholeDisks } from './summary';
export type { HostRateSummary, SummaryFiles } from './summary';
export { Progress, formatStatusLine, formatElapsed, useColor } from './progress';
export { DEFAULT_RESULTS_DIR, GROUPS } from './options';
