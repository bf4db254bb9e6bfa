#!/usr/bin/env node
// Cost of one sample: our TimeSeriesCollector against a Python sampler written like mlpstorage's, each in
// its own child process, one after the other: ours at 1 s, ours at 0.1 s, python at 1 s, python at 0.1 s.
// Prints figures and ratios; asserts nothing.
//
// Usage: node bench/sample-cost/run.mjs [--seconds 30] [--journal]
//   --seconds N   length of each run (default 30)
//   --journal     also run ours with a journal file (flushed every tick)
// Needs the built package (npm run build) or MLPS_TIMESERIES_ENTRY pointing at a bundle of it.
//
// Figures:
//   CPU/sample      user+system CPU of the whole process over the run ÷ samples (process.cpuUsage, getrusage);
//                   "2nd half": the same over the second half of the run only (steady state, after the
//                   one-time JIT compilation that a 30-sample run cannot amortise)
//   RSS             resident set at the start and at the end of the run
//   retained/sample ours: heap + ArrayBuffer growth after GC ÷ samples (in brackets: the second half's
//                   growth ÷ its samples, i.e. without the one-time layout and JIT code); python: deep
//                   getsizeof of the samples list
//   interval error  |Δt − interval| between consecutive sample starts: p50 / p99 / max, ms
//   drift           last start − (first start + k × interval), k = ticks elapsed, ms
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const at = process.argv.indexOf('--seconds');
const seconds = at < 0 ? 30 : Number(process.argv[at + 1]);
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error(`--seconds needs a positive number, got ${process.argv[at + 1]}`);
  process.exit(2);
}
const withJournal = process.argv.includes('--journal');
const entry = process.env.MLPS_TIMESERIES_ENTRY ?? join(here, '..', '..', 'packages', 'timeseries', 'dist', 'index.js');
if (!existsSync(entry)) {
  console.error(`${entry} not found: build first (npm run build) or set MLPS_TIMESERIES_ENTRY`);
  process.exit(2);
}

const runs = [
  { label: 'ours', cmd: process.execPath, args: ['--expose-gc', join(here, 'ours.mjs'), '--interval', '1'] },
  { label: 'ours', cmd: process.execPath, args: ['--expose-gc', join(here, 'ours.mjs'), '--interval', '0.1'] },
  ...(withJournal
    ? [
        { label: 'ours+journal', cmd: process.execPath, args: ['--expose-gc', join(here, 'ours.mjs'), '--interval', '1', '--journal'] },
        { label: 'ours+journal', cmd: process.execPath, args: ['--expose-gc', join(here, 'ours.mjs'), '--interval', '0.1', '--journal'] },
      ]
    : []),
  { label: 'python', cmd: 'python3', args: [join(here, 'python_sampler.py'), '--interval', '1'] },
  { label: 'python', cmd: 'python3', args: [join(here, 'python_sampler.py'), '--interval', '0.1'] },
];

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

function timing(result) {
  const starts = result.startsMs;
  const indices = result.indices;
  const ms = result.interval * 1000;
  const errors = [];
  for (let i = 1; i < starts.length; i++) {
    const ticks = indices[i] - indices[i - 1]; // > 1 only when ours skipped an overrun tick
    errors.push(Math.abs(starts[i] - starts[i - 1] - ticks * ms));
  }
  errors.sort((a, b) => a - b);
  const last = starts.length - 1;
  const drift = last > 0 ? starts[last] - (starts[0] + (indices[last] - indices[0]) * ms) : NaN;
  return { p50: pct(errors, 50), p99: pct(errors, 99), max: errors[errors.length - 1] ?? NaN, drift };
}

const results = [];
for (const run of runs) {
  const interval = run.args[run.args.indexOf('--interval') + 1];
  process.stderr.write(`sample-cost: ${run.label} at ${interval} s for ${seconds} s …\n`);
  const child = spawnSync(run.cmd, [...run.args, '--seconds', String(seconds)], {
    encoding: 'utf8',
    env: { ...process.env, MLPS_TIMESERIES_ENTRY: entry },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) {
    console.error(`${run.label} failed (${child.error?.message ?? `exit ${child.status}`}):\n${child.stderr}`);
    process.exit(1);
  }
  const line = child.stdout.trim().split('\n').pop();
  const result = JSON.parse(line);
  results.push({ ...result, timing: timing(result) });
}

const f = (n, d = 3) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const mb = (b) => (b / 1048576).toFixed(1);
console.log(`\nsample-cost: ${seconds} s per run, ${new Date().toISOString()}, node ${process.version}\n`);
console.log(
  'run            interval  samples  CPU/sample ms (2nd half)  RSS start→end MB  retained/sample B (2nd half)  interval err p50/p99/max ms  drift ms',
);
for (const r of results) {
  console.log(
    `${r.label.padEnd(14)} ${String(r.interval).padStart(6)} s ${String(r.samples).padStart(8)} ${`${f(r.cpuMsPerSample)} (${f(r.cpuMsPerSampleSecondHalf)})`.padStart(25)}` +
      ` ${`${mb(r.rssStartBytes)}→${mb(r.rssEndBytes)}`.padStart(17)}` +
      ` ${(typeof r.retainedBytesPerSampleSecondHalf === 'number' ? `${f(r.retainedBytesPerSample, 0)} (${f(r.retainedBytesPerSampleSecondHalf, 0)})` : f(r.retainedBytesPerSample, 0)).padStart(29)}` +
      ` ${`${f(r.timing.p50)}/${f(r.timing.p99)}/${f(r.timing.max)}`.padStart(28)} ${f(r.timing.drift, 2).padStart(9)}`,
  );
}
for (const r of results.filter((x) => x.label.startsWith('ours'))) {
  const e = r.schedulerStartErrorMs;
  console.log(
    `${r.label} at ${r.interval} s: start error vs due time p50 ${f(e?.p50)} p99 ${f(e?.p99)} max ${f(e?.max)} ms;` +
      ` ${r.skippedTicks} skipped; stop() CPU ${f(r.stopCpuMs, 1)} ms`,
  );
}

console.log('\nratios ours / python (lower is better for ours)');
for (const interval of [1, 0.1]) {
  const ours = results.find((r) => r.label === 'ours' && r.interval === interval);
  const py = results.find((r) => r.label === 'python' && r.interval === interval);
  if (!ours || !py) continue;
  console.log(
    `  at ${interval} s: CPU/sample ${f(ours.cpuMsPerSample / py.cpuMsPerSample, 2)}×,` +
      ` retained/sample ${f(ours.retainedBytesPerSample / py.retainedBytesPerSample, 3)}×,` +
      ` interval err p99 ${f(ours.timing.p99 / py.timing.p99, 2)}×,` +
      ` |drift| ${f(Math.abs(ours.timing.drift) / Math.abs(py.timing.drift), 3)}×`,
  );
}

console.log('\ngoals (issue 2): CPU/sample ≤ 0.8 ms at 1 s, ≤ 0.6 ms at 0.1 s and below python; retained ≤ 4096 B/sample; p99 ≤ 2 ms; zero drift');
for (const interval of [1, 0.1]) {
  const ours = results.find((r) => r.label === 'ours' && r.interval === interval);
  const py = results.find((r) => r.label === 'python' && r.interval === interval);
  if (!ours) continue;
  const cpuGoal = interval === 1 ? 0.8 : 0.6;
  const verdict = (ok) => (ok ? 'met' : 'MISSED');
  console.log(
    `  at ${interval} s: CPU ${f(ours.cpuMsPerSample)} ms ${verdict(ours.cpuMsPerSample <= cpuGoal && (!py || ours.cpuMsPerSample < py.cpuMsPerSample))}` +
      ` (2nd half ${f(ours.cpuMsPerSampleSecondHalf)} ms ${verdict(ours.cpuMsPerSampleSecondHalf <= cpuGoal && (!py || ours.cpuMsPerSampleSecondHalf < py.cpuMsPerSampleSecondHalf))});` +
      ` retained ${f(ours.retainedBytesPerSample, 0)} B ${verdict(ours.retainedBytesPerSample <= 4096)};` +
      ` p99 ${f(ours.timing.p99)} ms ${verdict(ours.timing.p99 <= 2)};` +
      // Zero drift: the last start is off its grid point by no more than one tick's own start error.
      ` drift ${f(ours.timing.drift, 2)} ms ${verdict(Math.abs(ours.timing.drift) <= ours.timing.max + 0.5)}`,
  );
}
