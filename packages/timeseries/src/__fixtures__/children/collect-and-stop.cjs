// Child process for "nothing keeps the process alive after stop()": collects locally, stops, and then
// simply falls off the end. The parent fails the test if this process does not exit by itself.
'use strict';
const { TimeSeriesCollector } = require(process.env.MLPS_TIMESERIES_ENTRY);
const fs = require('node:fs');

const journalPath = process.env.MLPS_JOURNAL || undefined;
const collector = new TimeSeriesCollector({ intervalSeconds: 0.05, journalPath });
collector.start();
setTimeout(() => {
  collector.stop().then((samples) => {
    process.stdout.write(`${JSON.stringify({ samples: samples.length, running: collector.isRunning })}\n`);
    // Handles still open now would keep the process alive; report them for the parent's assertion.
    const handles = process._getActiveHandles().filter((h) => h !== process.stdout && h !== process.stderr && h !== process.stdin);
    process.stdout.write(`${JSON.stringify({ handles: handles.map((h) => (h && h.constructor ? h.constructor.name : typeof h)) })}\n`);
    void fs;
  });
}, 400);
