// Child process for the crash test: collects every 0.05 s into a journal and reports each tick it has
// handed to the kernel on stdout, until the parent kills it with SIGKILL.
'use strict';
const { TimeSeriesCollector } = require(process.env.MLPS_TIMESERIES_ENTRY);

let stored = 0;
const collector = new TimeSeriesCollector({
  intervalSeconds: 0.05,
  journalPath: process.env.MLPS_JOURNAL,
  sampler: undefined,
});
// Report after the collector's own tick work (sample appended and flushed), on the next turn.
const timer = setInterval(() => {
  const n = collector.stats.samples;
  if (n !== stored) {
    stored = n;
    process.stdout.write(`flushed ${n}\n`);
  }
}, 5);
void timer;
collector.start();
process.stdout.write('started\n');
