// Preload (`node -r report-maxrss.cjs …`): at exit, writes this process's peak resident set size (KB, from
// getrusage) to $MLPS_MAXRSS_FILE, so a test or bench can measure a CLI run's memory as its own process.
'use strict';
const { writeFileSync } = require('node:fs');
process.on('exit', () => {
  const file = process.env.MLPS_MAXRSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
