// Preloaded (node --require) into a measured child: prints its peak RSS and CPU time on exit, on stderr.
process.on('exit', () => {
  const u = process.resourceUsage();
  process.stderr.write(`\nBENCH ${JSON.stringify({ maxRssMiB: u.maxRSS / 1024, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 })}\n`);
});
