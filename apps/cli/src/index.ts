// Programmatic entry of the CLI (used by tests and embedders).
export { buildProgram, runCli, CLI_VERSION } from './program';
export { normalizeArgv, MULTI_LETTER_ALIASES } from './argv';
export { EXIT } from './context';
export type { CliContext } from './context';
export { formatRunSummary, summarizeHost, wholeDisks, HostRateAccumulator } from './summary';
export type { HostRateSummary, SummaryFiles, StreamedRunSummary } from './summary';
export { Progress, formatStatusLine, formatElapsed, useColor } from './progress';
export { DEFAULT_RESULTS_DIR, GROUPS } from './options';
export { parseCommandLine } from './parse-only';
export type { ParsedCommandLine } from './parse-only';
export { pythonArgs, parseConfigYaml, applyConfigFile } from './python-args';
export type { NotHonoured } from './python-args';
export { generateReports, runRow, timeseriesFigures } from './reportgen';
export type { ReportgenResult, RunRow } from './reportgen';
export { historyFilePath, appendHistoryEntry, readHistory, splitCommandLine, formatHistoryCommand } from './history';
export type { HistoryEntry } from './history';
