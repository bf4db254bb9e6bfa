#!/usr/bin/env node
// What one sample costs: our TimeSeriesCollector (the built package, with its journal on, as the CLI runs
// it) against a Python sampler written the way MLCommons mlpstorage samples, run SIDE BY SIDE: for each
// interval (1 s, 0.1 s) the children start together (a ready/go handshake on their stdin) and measure the
// same window; then the idle baselines of both runtimes, likewise side by side. Rounds are interleaved
// (round 2 runs the intervals in the other order); each round is printed, then the medians, the ratios
// and a markdown table with the goals of issue 9. Asserts nothing; exit 0 unless a child failed.
//
// Usage: node bench/sample-cost/run.mjs [--seconds N] [--rounds 2] [--no-baseline] [--self-check]
//   --seconds N     length of every window in seconds (2…600; each window is N − interval/2, so it ends
//                   between two ticks). Default: 120 s at 1 s and 30 s at 0.1 s, so that each holds 120 or
//                   more samples: 30 samples at 1 s measure mostly a collector's start-up (its first
//                   sample, V8 compiling, the memory reducer's GCs in the first seconds), not sampling
//   --rounds N      rounds (default 2, 1…20); the figures printed last are the medians over rounds
//   --no-baseline   skip the idle baselines (net CPU is then not printed)
//   --self-check    only check the allocation meter on known allocations (see alloc-meter.mjs), then exit
// Needs the built package (`node scripts/run.mjs build`; or MLPS_TIMESERIES_ENTRY = its dist/index.js) and
// python3. Writes only the journals, in a temporary directory removed at exit (also on Ctrl-C / SIGTERM):
// at most ~3 KB × 6000 samples per window with --seconds 600 at 0.1 s.
//
// The children of one window:
//   ours          ours.mjs: a real TimeSeriesCollector (public API only: intervalSeconds, journalPath,
//                 maxSamples, start, stats, stop) writing its journal, after a 1 s warm-up collector (kept
//                 referenced, and V8's memory reducer waited out: see ours.mjs and the README)
//   python        python_sampler.py: mlpstorage's collect_timeseries_sample path (open/read/parse each
//                 /proc file per sample, dataclass records → dicts via asdict, samples kept in a list, a
//                 thread waiting Event.wait(interval) after each sample), after 10 warm-up samples
//   python-dicts  the same reads parsed straight into plain dicts (the sampler earlier versions of this
//                 bench used): a leaner, stricter yardstick than the reference itself, shown beside it
//   idle          each runtime waking on the same schedule doing nothing (ours: the package loaded and a
//                 drift-free setTimeout chain; python: the same thread and Event.wait loop)
//
// Figures (per child, per window):
//   CPU/sample       user+system CPU of the whole process over the window ÷ samples taken in it (ours:
//                    process.cpuUsage, every thread; python: resource.getrusage(RUSAGE_SELF)). "2nd half":
//                    the same over the second half only (the steady state: at 1 s a collector's one-time
//                    start weighs on 30 samples). Ours excludes the bench's own forced GC at the midpoint
//                    (measured around it and subtracted).
//   net              CPU/sample − the same runtime's idle CPU per tick (median over rounds): what sampling
//                    adds to a process that merely wakes up (on this VM a wake-up alone costs ~ms)
//   retained/sample  ours: heap (code spaces apart: V8's compiled code, printed apart in KB) + ArrayBuffer
//                    growth after forced GCs ÷ samples, over the window and over
//                    the second half (the steady-state slope, without the first layout); python: deep
//                    sys.getsizeof of the samples list ÷ samples
//   alloc/tick       ours: bytes allocated on the V8 heap per tick over the second half, from v8.GCProfiler:
//                    (usedHeapSize at end − at start) + Σ over GCs (before − after), after a full GC at the
//                    start; plus scavenges and mark-compacts per 100 ticks. ArrayBuffer contents (off-heap)
//                    are not counted. Checked on known allocations by --self-check; good to ~±200 B/tick.
//   journal/sample   ours: journal file size at the end of the window ÷ samples (2nd half: its growth ÷ the
//                    second half's samples, without the header and first layout)
//   schedule         ours: tick start − due time p50/p99/max (the collector's stats), skipped ticks;
//                    python: |period − interval| p50/p99/max; both: drift = last sample − (first + k ×
//                    interval), k = ticks elapsed
//   shape changes    ours: how often the disk/interface set of this machine changed between samples of the
//                    window (another process adding network interfaces): each costs a new layout, so a
//                    window with changes is flagged
// Goals (issue 9, "Done when"): CPU/sample ≤ 0.7× python at 0.1 s and ≤ 1.0× at 1 s; retained ≤ 1.5 KB per
// sample; allocated ≤ 2 KB per tick; journal ≤ 3 KB per sample.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const USAGE = 'usage: node bench/sample-cost/run.mjs [--seconds N] [--rounds 2] [--no-baseline] [--self-check]';
const INTERVALS = [1, 0.1];
/** Default window per interval (seconds): at least 120 samples each. */
const DEFAULT_WINDOW_SECONDS = { 1: 120, 0.1: 30 };
const GOALS = {
  cpuRatio: { 1: 1.0, 0.1: 0.7 },
  retainedBytes: 1536,
  allocatedBytes: 2048,
  journalBytes: 3072,
};

function fail(message) {
  console.error(`sample-cost: ${message}`);
  process.exit(2);
}

function parseOptions(argv) {
  const options = { seconds: null, rounds: 2, baseline: true, selfCheck: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--no-baseline') options.baseline = false;
    else if (flag === '--self-check') options.selfCheck = true;
    else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (flag === '--seconds' || flag === '--rounds') {
      const text = argv[++i];
      const value = Number(text);
      if (flag === '--seconds' && !(Number.isFinite(value) && value >= 2 && value <= 600)) {
        fail(`--seconds needs a number from 2 to 600, got ${text ?? 'nothing'}`);
      }
      if (flag === '--rounds' && !(Number.isInteger(value) && value >= 1 && value <= 20)) {
        fail(`--rounds needs an integer from 1 to 20, got ${text ?? 'nothing'}`);
      }
      options[flag.slice(2)] = value;
    } else fail(`unknown option ${flag} (${USAGE})`);
  }
  return options;
}

const options = parseOptions(process.argv.slice(2));
const entry = process.env.MLPS_TIMESERIES_ENTRY ?? join(here, '..', '..', 'packages', 'timeseries', 'dist', 'index.js');
if (!options.selfCheck && !existsSync(entry)) {
  fail(`${entry} not found: build first (node scripts/run.mjs build) or set MLPS_TIMESERIES_ENTRY`);
}

// Children and the journal directory are ours to clean up, however this process ends.
const live = new Set();
const dir = mkdtempSync(join(tmpdir(), 'mlps-sample-cost-'));
const cleanup = () => {
  for (const child of live) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.error(`sample-cost: ${signal}, stopping the children and removing ${dir}`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

const node = (args) => ({ name: `ours.mjs ${args.filter((a) => a !== dir && a !== '--dir').join(' ')}`, cmd: process.execPath, args: ['--expose-gc', join(here, 'ours.mjs'), ...args] });
const python = (args) => ({ name: `python_sampler.py ${args.join(' ')}`, cmd: 'python3', args: [join(here, 'python_sampler.py'), ...args] });

/**
 * Starts every child, waits until each printed "ready", sends each "go" in the same loop (so their
 * windows start within a millisecond), and resolves with each one's last stdout line parsed, or its failure.
 */
async function runSideBySide(specs) {
  const children = specs.map((spec) => {
    const child = spawn(spec.cmd, spec.args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, MLPS_TIMESERIES_ENTRY: entry } });
    live.add(child);
    const state = { spec, child, stdout: '', stderr: '', spawnError: null };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    state.ready = new Promise((resolve) => {
      child.stdout.on('data', (text) => {
        state.stdout += text;
        if (/^ready$/m.test(state.stdout)) resolve(true);
      });
      child.on('close', () => resolve(false));
    });
    child.stderr.on('data', (text) => {
      if (state.stderr.length < 65536) state.stderr += text;
    });
    child.stdin.on('error', () => undefined); // a child that died early: its failure is reported below
    state.closed = new Promise((resolve) => {
      child.on('error', (error) => {
        state.spawnError = error;
      });
      child.on('close', (code, signal) => {
        live.delete(child);
        resolve({ code, signal });
      });
    });
    return state;
  });
  // A child that never gets ready (hung on start-up) must not hang the bench: 120 s, then all are stopped.
  let readyTimer;
  const timedOut = new Promise((resolve) => {
    readyTimer = setTimeout(() => resolve(children.map(() => false)), 120_000);
  });
  const ready = await Promise.race([Promise.all(children.map((c) => c.ready)), timedOut]);
  clearTimeout(readyTimer);
  const allReady = ready.every(Boolean);
  for (const c of children) {
    if (allReady) c.child.stdin.write('go\n');
    else c.child.kill('SIGTERM');
    c.child.stdin.end();
  }
  return Promise.all(
    children.map(async (c) => {
      const { code, signal } = await c.closed;
      const last = c.stdout.trim().split('\n').pop() ?? '';
      let result = null;
      try {
        result = JSON.parse(last);
      } catch {
        result = null;
      }
      if (code === 0 && result) return { spec: c.spec, result };
      if (!allReady && ready[children.indexOf(c)]) return { spec: c.spec, error: 'not run: another child of its window failed to start' };
      const why = c.spawnError?.message ?? (signal ? `killed by ${signal}` : code === 0 ? 'no result line' : `exit ${code}`);
      // The error's own line (not the stack under it), else the last line the child wrote.
      const lines = c.stderr.split('\n').map((l) => l.trim()).filter(Boolean);
      const detail = lines.find((l) => /^(\w*Error|Traceback|Error)\b|Error:/.test(l) && !l.startsWith('at ')) ?? lines.at(-1) ?? '';
      return { spec: c.spec, error: `${why}${detail ? `: ${detail}` : ''}` };
    }),
  );
}

const f = (n, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const median = (values) => {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

function describe(r) {
  const head = `  ${r.label.padEnd(13)} ${String(r.samples).padStart(5)} samples  CPU/sample ${f(r.cpuMsPerSample)} ms (2nd half ${f(r.cpuMsPerSampleSecondHalf)})`;
  if (r.label === 'ours') {
    const e = r.startErrorMs;
    return (
      `${head}  retained ${f(r.retainedBytesPerSample, 0)} B/sample (2nd half ${f(r.retainedBytesPerSampleSecondHalf, 0)}; compiled code apart ${f(r.retainedCodeBytes / 1024, 0)} KB)` +
      `  alloc ${f(r.allocatedBytesPerTick, 0)} B/tick, GCs/100 ticks ${f(r.scavengesPer100Ticks, 1)} scavenge + ${f(r.markCompactsPer100Ticks, 1)} mark-compact` +
      `  journal ${f(r.journalBytesPerSample, 0)} B/sample (2nd half ${f(r.journalBytesPerSampleSecondHalf, 0)})` +
      `  collector start ${f(r.startCpuMs, 1)} ms CPU` +
      `  start error p50/p99/max ${f(e?.p50, 2)}/${f(e?.p99, 2)}/${f(e?.max, 2)} ms, ${r.skippedTicks} skipped, drift ${f(r.driftMs, 1)} ms` +
      (r.shapeChanges > 0 ? `  NOTE: the machine's disk/interface set changed ${r.shapeChanges}× in the window` : '')
    );
  }
  if (r.label.startsWith('python') && r.label !== 'python-idle') {
    const e = r.periodErrorMs;
    return (
      `${head}  retained ${f(r.retainedBytesPerSample, 0)} B/sample` +
      `  period error p50/p99/max ${f(e?.p50, 2)}/${f(e?.p99, 2)}/${f(e?.max, 2)} ms, drift ${f(r.driftMs, 1)} ms`
    );
  }
  return `  ${r.label.padEnd(13)} ${String(r.samples).padStart(5)} ticks    CPU/tick ${f(r.cpuMsPerSample)} ms (2nd half ${f(r.cpuMsPerSampleSecondHalf)})`;
}

async function main() {
  const { rounds, baseline } = options;
  const secondsOf = (interval) => options.seconds ?? DEFAULT_WINDOW_SECONDS[interval];
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.error(`sample-cost: python3 could not be run (${probe.error?.message ?? `exit ${probe.status}`}); it runs the Python side`);
    process.exit(1);
  }
  const windows = (baseline ? 2 : 1) * INTERVALS.length * rounds;
  const totalSeconds = (baseline ? 2 : 1) * rounds * INTERVALS.reduce((sum, i) => sum + secondsOf(i) + 3, 0);
  console.log(
    `sample-cost: ${rounds} round(s) of ${INTERVALS.map((i) => `${i} s (windows of ${secondsOf(i)} s)`).join(' and ')}` +
      ` (${windows} windows, ~${Math.ceil(totalSeconds / 60)} min), node ${process.version}, ${new Date().toISOString()}`,
  );
  const byRound = []; // byRound[r][interval] = { ours, python, 'python-dicts', 'ours-idle', 'python-idle' }
  const failures = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? INTERVALS : [...INTERVALS].reverse();
    const figures = {};
    byRound.push(figures);
    const windowsOfRound = order.map((interval) => ({
      interval,
      title: 'ours, python, python-dicts',
      specs: [
        node(['--interval', String(interval), '--seconds', String(secondsOf(interval)), '--dir', dir]),
        python(['--interval', String(interval), '--seconds', String(secondsOf(interval)), '--variant', 'reference']),
        python(['--interval', String(interval), '--seconds', String(secondsOf(interval)), '--variant', 'dicts']),
      ],
    }));
    if (baseline) {
      for (const interval of order) {
        windowsOfRound.push({
          interval,
          title: 'idle baselines',
          specs: [
            node(['--interval', String(interval), '--seconds', String(secondsOf(interval)), '--dir', dir, '--idle']),
            python(['--interval', String(interval), '--seconds', String(secondsOf(interval)), '--idle']),
          ],
        });
      }
    }
    for (const w of windowsOfRound) {
      process.stderr.write(`sample-cost: round ${round + 1}/${rounds}, ${w.title} at ${w.interval} s for ${secondsOf(w.interval)} s …\n`);
      const outcomes = await runSideBySide(w.specs);
      console.log(`\nround ${round + 1}, ${w.interval} s, side by side (${w.title}):`);
      figures[w.interval] ??= {};
      for (const o of outcomes) {
        if (o.error) {
          failures.push(`round ${round + 1}: ${o.spec.name} failed (${o.error})`);
          console.log(`  FAILED: ${o.spec.name}: ${o.error}`);
          continue;
        }
        figures[w.interval][o.result.label] = o.result;
        console.log(describe(o.result));
      }
    }
  }
  report(byRound, rounds);
  if (failures.length > 0) {
    console.error(`\nsample-cost: ${failures.length} child process(es) failed:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}

function report(byRound, rounds) {
  const pick = (interval, label, key) => byRound.map((r) => r[interval]?.[label]?.[key]);
  const med = (interval, label, key) => median(pick(interval, label, key));
  // A ratio per round (its two children shared the window), then the median of those ratios.
  const ratio = (interval, label, key, other) =>
    median(byRound.map((r) => (r[interval]?.[label]?.[key] ?? NaN) / (r[interval]?.[other]?.[key] ?? NaN)));
  const idle = (interval, label) => med(interval, label, 'cpuMsPerSample');
  const net = (interval, label, idleLabel) => med(interval, label, 'cpuMsPerSample') - idle(interval, idleLabel);

  console.log(`\nmedians over ${rounds} round(s); ratios are per round (same window), then their median`);
  console.log('run           interval  CPU/sample ms (2nd half)  idle ms/tick (2nd half)  net ms (2nd half)  ratio ours/this (2nd half)  retained B/sample');
  for (const interval of INTERVALS) {
    for (const label of ['ours', 'python', 'python-dicts']) {
      const idleLabel = label === 'ours' ? 'ours-idle' : 'python-idle';
      const cpu = `${f(med(interval, label, 'cpuMsPerSample'))} (${f(med(interval, label, 'cpuMsPerSampleSecondHalf'))})`;
      const retained =
        label === 'ours'
          ? `${f(med(interval, label, 'retainedBytesPerSample'), 0)} (2nd half ${f(med(interval, label, 'retainedBytesPerSampleSecondHalf'), 0)})`
          : f(med(interval, label, 'retainedBytesPerSample'), 0);
      const r =
        label === 'ours'
          ? ''
          : `${f(ratio(interval, 'ours', 'cpuMsPerSample', label), 2)}× (${f(ratio(interval, 'ours', 'cpuMsPerSampleSecondHalf', label), 2)}×)`;
      const idleText = `${f(idle(interval, idleLabel))} (${f(med(interval, idleLabel, 'cpuMsPerSampleSecondHalf'))})`;
      const netText = `${f(net(interval, label, idleLabel))} (${f(med(interval, label, 'cpuMsPerSampleSecondHalf') - med(interval, idleLabel, 'cpuMsPerSampleSecondHalf'))})`;
      console.log(
        `${label.padEnd(13)} ${`${interval} s`.padStart(8)}  ${cpu.padStart(24)}  ${idleText.padStart(23)}` +
          `  ${netText.padStart(17)}  ${r.padStart(26)}  ${retained}`,
      );
    }
  }
  console.log('\nours, per tick (medians):');
  for (const interval of INTERVALS) {
    console.log(
      `  at ${interval} s: collector start (first sample, learning) ${f(med(interval, 'ours', 'startCpuMs'), 1)} ms CPU once, in the window;` +
      ` allocated ${f(med(interval, 'ours', 'allocatedBytesPerTick'), 0)} B/tick` +
        ` (the idle runtime's timer alone: ${f(med(interval, 'ours-idle', 'allocatedBytesPerTick'), 0)}; compiled code apart: ${f(med(interval, 'ours', 'compiledCodeBytesPerTick'), 0)}),` +
        ` ${f(med(interval, 'ours', 'scavengesPer100Ticks'), 1)} scavenges + ${f(med(interval, 'ours', 'markCompactsPer100Ticks'), 1)} mark-compacts per 100 ticks,` +
        ` journal ${f(med(interval, 'ours', 'journalBytesPerSample'), 0)} B/sample (2nd half ${f(med(interval, 'ours', 'journalBytesPerSampleSecondHalf'), 0)}),` +
        ` drift ${f(med(interval, 'ours', 'driftMs'), 1)} ms (python ${f(med(interval, 'python', 'driftMs'), 1)} ms)`,
    );
  }

  // The table for a closing note: goals of issue 9 and whether they are met.
  // A negative growth is measurement noise (V8 flushing unused bytecode, a window too short), not a pass.
  const verdict = (value, goal) => (!Number.isFinite(value) ? 'n/a' : value < 0 ? 'n/a (negative: noise)' : value <= goal ? 'met' : 'missed');
  const rows = [];
  for (const interval of [0.1, 1]) {
    const goal = GOALS.cpuRatio[interval];
    const r = ratio(interval, 'ours', 'cpuMsPerSample', 'python');
    const rd = ratio(interval, 'ours', 'cpuMsPerSample', 'python-dicts');
    rows.push([
      'whole-process CPU per sample (journal on)',
      `${interval} s`,
      `${f(med(interval, 'ours', 'cpuMsPerSample'))} ms`,
      `${f(med(interval, 'python', 'cpuMsPerSample'))} ms`,
      `${f(r, 2)}×`,
      `≤ ${goal.toFixed(1)}× python`,
      verdict(r, goal),
    ]);
    rows.push([
      '… against the leaner plain-dict python',
      `${interval} s`,
      `${f(med(interval, 'ours', 'cpuMsPerSample'))} ms`,
      `${f(med(interval, 'python-dicts', 'cpuMsPerSample'))} ms`,
      `${f(rd, 2)}×`,
      `≤ ${goal.toFixed(1)}× python`,
      verdict(rd, goal),
    ]);
    const steady = ratio(interval, 'ours', 'cpuMsPerSampleSecondHalf', 'python');
    rows.push([
      '… second half of the window only (steady state)',
      `${interval} s`,
      `${f(med(interval, 'ours', 'cpuMsPerSampleSecondHalf'))} ms`,
      `${f(med(interval, 'python', 'cpuMsPerSampleSecondHalf'))} ms`,
      `${f(steady, 2)}×`,
      `≤ ${goal.toFixed(1)}× python`,
      verdict(steady, goal),
    ]);
    rows.push([
      "… of which the collector's one-time start (its first sample and learning), per sample of the window",
      `${interval} s`,
      `${f(med(interval, 'ours', 'startCpuMs') / med(interval, 'ours', 'samples'))} ms (${f(med(interval, 'ours', 'startCpuMs'), 1)} ms once)`,
      '',
      '',
      '(informative)',
      '',
    ]);
    if (options.baseline) {
      const ours = net(interval, 'ours', 'ours-idle');
      const py = net(interval, 'python', 'python-idle');
      rows.push(['CPU per sample net of the idle runtime', `${interval} s`, `${f(ours)} ms`, `${f(py)} ms`, `${f(ours / py, 2)}×`, '(informative)', '']);
    }
  }
  // Retained memory and journal size: the brief's figure is over the whole window (one-time setup, such
  // as the first layout, included: a short window at 1 s inflates it); the second half's slope beside it
  // is the steady state of a long run. Both get a verdict.
  const both = (whole, steady, goal) => `${verdict(whole, goal)}; steady state ${verdict(steady, goal)}`;
  for (const interval of [0.1, 1]) {
    const whole = med(interval, 'ours', 'retainedBytesPerSample');
    const steady = med(interval, 'ours', 'retainedBytesPerSampleSecondHalf');
    rows.push([
      `retained memory per sample while running (whole window; 2nd half; V8's compiled code apart: ${f(med(interval, 'ours', 'retainedCodeBytes') / 1024, 0)} KB over the window)`,
      `${interval} s`,
      `${f(whole, 0)} B; ${f(steady, 0)} B`,
      `${f(med(interval, 'python', 'retainedBytesPerSample'), 0)} B`,
      '',
      '≤ 1.5 KB',
      both(whole, steady, GOALS.retainedBytes),
    ]);
  }
  for (const interval of [0.1, 1]) {
    const a = med(interval, 'ours', 'allocatedBytesPerTick');
    rows.push([
      `bytes allocated per tick (V8 heap; GCs per 100 ticks: ${f(med(interval, 'ours', 'scavengesPer100Ticks'), 1)} scavenge, ${f(med(interval, 'ours', 'markCompactsPer100Ticks'), 1)} mark-compact)`,
      `${interval} s`,
      `${f(a, 0)} B`,
      '',
      '',
      '≤ 2 KB',
      verdict(a, GOALS.allocatedBytes),
    ]);
    const idleAlloc = med(interval, 'ours-idle', 'allocatedBytesPerTick');
    if (Number.isFinite(idleAlloc)) {
      rows.push([
        "… of which the idle runtime's drift-free timer alone (the idle baseline)",
        `${interval} s`,
        `${f(idleAlloc, 0)} B`,
        '',
        '',
        '(informative)',
        '',
      ]);
    }
  }
  for (const interval of [0.1, 1]) {
    const whole = med(interval, 'ours', 'journalBytesPerSample');
    const steady = med(interval, 'ours', 'journalBytesPerSampleSecondHalf');
    rows.push([
      'journal bytes per sample (whole file; 2nd half)',
      `${interval} s`,
      `${f(whole, 0)} B; ${f(steady, 0)} B`,
      '(no journal)',
      '',
      '≤ 3 KB',
      both(whole, steady, GOALS.journalBytes),
    ]);
  }
  console.log(
    `\n### sample-cost (${rounds} round(s); windows of ${INTERVALS.map((i) => `${options.seconds ?? DEFAULT_WINDOW_SECONDS[i]} s at ${i} s`).join(', ')}; medians; ${new Date().toISOString().slice(0, 16)}Z, node ${process.version})\n`,
  );
  console.log('| figure | interval | ours | python (mlpstorage way) | ours/python | goal | |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  const changed = byRound.flatMap((r, i) =>
    INTERVALS.filter((interval) => r[interval]?.ours?.shapeChanges > 0).map((interval) => `round ${i + 1} at ${interval} s (${r[interval].ours.shapeChanges}×)`),
  );
  if (changed.length > 0) {
    console.log(
      `\nNote: this machine's disk/interface set changed during ours' window in ${changed.join(', ')} (e.g. test` +
        ' hosts creating network interfaces); those windows include describing the new shapes.',
    );
  }
}

if (options.selfCheck) {
  const { cmd, args } = node(['--self-check']);
  const child = spawn(cmd, args, { stdio: 'inherit' });
  live.add(child);
  child.on('close', (code) => {
    live.delete(child);
    process.exit(code ?? 1);
  });
} else {
  await main();
}
