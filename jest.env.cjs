// Loaded by every package's jest (jest.preset.cjs `setupFiles`): tests, and the CLI processes they start,
// never append to the user's command history (~/mlps_history); history tests set MLPS_HISTORY_FILE.
if (process.env.MLPS_HISTORY_FILE === undefined) process.env.MLPS_HISTORY_FILE = 'off';
