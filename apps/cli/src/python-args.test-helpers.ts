// Test helper (not a test): re-exports for the flag-table test.
export { parseConfigYaml } from './python-args';
export { splitCommandLine as splitCommandLineForTest } from './history';
