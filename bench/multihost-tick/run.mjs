#!/usr/bin/env node
// Multi-host sampling cost: our MultiHostTimeSeriesCollector (one kept-open ssh2 channel per host, one
// remote loop) against the reference's way (spawn `ssh host cat /proc/...` per host per sample), with 1,
// 4 and 16 hosts, against the real sshd test hosts of scripts/testhosts.sh (brought up here if needed;
// several requested hosts share one sshd when there are more hosts than test hosts). Prints figures and
// ratios; asserts nothing.
//
// Usage: node bench/multihost-tick/run.mjs [--seconds 10] [--interval 0.1] [--ref-ticks 20] [--testhosts 4]
// Needs root, the built package (npm run build, or `npx tsup` in packages/multihost) and the test-host
// packages (openssh-server openssh-client iproute2).
//
// Figures:
//   tick→sample      from a tick's start to each host's parsed sample: p50 / p99 / max, ms
//   tick→last        from a tick's start to the last host's sample of that tick: p50 / p99 / max, ms
//   local CPU/sample user+system CPU of this process (ours) or of the spawned ssh clients (reference)
//                    ÷ samples, ms
//   remote CPU/sample CPU of the sampled side (each test host's sshd and everything under it: session
//                    processes, sh, awk/cat; /proc/<pid>/stat utime+stime+cutime+cstime) ÷ samples, ms
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
function arg(name, dflt) {
  const at = process.argv.indexOf(name);
  if (at < 0) return dflt;
  const v = Number(process.argv[at + 1]);
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`${name} needs a positive number, got ${process.argv[at + 1]}`);
    process.exit(2);
  }
  return v;
}
const seconds = arg('--seconds', 10);
const interval = arg('--interval', 0.1);
const refTicks = arg('--ref-ticks', 20);
const testhostCount = arg('--testhosts', 4);
const entry = process.env.MLPS_MULTIHOST_ENTRY ?? join(root, 'packages', 'multihost', 'dist', 'index.js');
if (!existsSync(entry)) {
  console.error(`${entry} not found: build first (npm run build, or npx tsup in packages/multihost) or set MLPS_MULTIHOST_ENTRY`);
  process.exit(2);
}
const { MultiHostTimeSeriesCollector } = await import(entry);

// ---- test hosts ----------------------------------------------------------------------------------------
const dir = process.env.MLPS_BENCH_TESTHOSTS_DIR ?? '/tmp/mlps-testhosts-bench';
const script = join(root, 'scripts', 'testhosts.sh');
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
let info = existsSync(join(dir, 'hosts.json')) ? JSON.parse(readFileSync(join(dir, 'hosts.json'), 'utf8')) : null;
let broughtUp = false;
if (!info || info.hosts.length < testhostCount || !info.hosts.every((h) => alive(h.pid))) {
  execFileSync('bash', [script, 'up', String(testhostCount), '--dir', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  info = JSON.parse(readFileSync(join(dir, 'hosts.json'), 'utf8'));
  broughtUp = true;
}
if (info.mode !== 'netns') console.log('*** test hosts are in LOOPBACK mode (no network namespaces): sshd on 127.0.0.1 ports ***');
const testHosts = info.hosts.slice(0, testhostCount);

// ---- CPU accounting ------------------------------------------------------------------------------------
const HZ = 100; // USER_HZ on Linux
function procStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state=0 ppid=1 ... utime=11 stime=12 cutime=13 cstime=14
    return { ppid: Number(f[1]), cpu: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}
/** CPU ticks of each test host's sshd and all its descendants (reaped children counted via cutime). */
function remoteTicks() {
  const stats = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = procStat(Number(name));
    if (s) stats.set(Number(name), s);
  }
  const roots = new Set(testHosts.map((h) => h.pid));
  let total = 0;
  for (const [pid, s] of stats) {
    let p = pid;
    for (let depth = 0; depth < 20 && p > 1; depth++) {
      if (roots.has(p)) {
        total += s.cpu;
        break;
      }
      p = stats.get(p)?.ppid ?? 0;
    }
  }
  return total;
}
function childTicks() {
  const s = readFileSync('/proc/self/stat', 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[13]) + Number(f[14]);
}

// ---- helpers -------------------------------------------------------------------------------------------
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}
function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  return { p50: pct(s, 50), p99: pct(s, 99), max: s[s.length - 1] ?? NaN };
}
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const fmt = (s) => `${f2(s.p50)} / ${f2(s.p99)} / ${f2(s.max)}`;
function targets(n) {
  return Array.from({ length: n }, (_, i) => {
    const h = testHosts[i % testHosts.length];
    return { name: `h${i + 1}@${h.address}:${h.port}`, host: h.address, port: h.port, user: 'root', local: false };
  });
}
const sshOptions = {
  identityFiles: [info.identityFile],
  knownHostsPath: info.knownHostsPath,
  strictHostKeyChecking: 'yes',
  agent: false,
  connectTimeoutSeconds: 10,
};

// ---- ours ----------------------------------------------------------------------------------------------
function runOurs(n, reader) {
  return runOursFor(n, reader, seconds);
}
async function runOursFor(n, reader, runSeconds, intervalSeconds = interval) {
  const c = new MultiHostTimeSeriesCollector({
    hosts: targets(n),
    intervalSeconds,
    maxSamples: 100000,
    remoteReader: reader,
    ssh: sshOptions,
    logger: { warn: () => undefined },
  });
  await c.connect();
  const remote0 = remoteTicks();
  const cpu0 = process.cpuUsage();
  c.start();
  await sleep(runSeconds * 1000);
  // Figures before stop: the sessions (and their CPU) are still there to be read.
  const cpu = process.cpuUsage(cpu0);
  const remote1 = remoteTicks();
  const stats = c.stats;
  await c.stop();
  const status = Object.values(c.hostStatus());
  return {
    label: `ours (${reader === 'cat' ? 'sh+cat loop' : 'awk loop'})${intervalSeconds !== interval ? ` @${intervalSeconds}s` : ''}`,
    idleCpuMs: (idleRate * runSeconds) / stats.samples,
    n,
    samples: stats.samples,
    errors: status.reduce((k, s) => k + s.errors, 0),
    skipped: stats.skippedTicks,
    perHost: stats.sampleLatencyMs,
    last: stats.tickLatencyMs,
    localCpuMs: (cpu.user + cpu.system) / 1000 / stats.samples,
    remoteCpuMs: ((remote1 - remote0) * (1000 / HZ)) / stats.samples,
  };
}

// ---- the reference's way: spawn ssh per host per sample ---------------------------------------------
const REF_FILES = ['/proc/diskstats', '/proc/vmstat', '/proc/meminfo', '/proc/loadavg', '/proc/net/dev'];
function spawnSample(t) {
  return new Promise((resolve) => {
    const p = spawn(
      'ssh',
      ['-i', info.identityFile, '-p', String(t.port), '-o', `UserKnownHostsFile=${info.knownHostsPath}`, '-o', 'GlobalKnownHostsFile=/dev/null',
        '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${t.host}`, 'cat', ...REF_FILES],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let bytes = 0;
    p.stdout.on('data', (d) => (bytes += d.length));
    p.on('close', (code) => resolve({ ok: code === 0 && bytes > 0 }));
  });
}
async function runReference(n) {
  const ts = targets(n);
  const perHost = [];
  const last = [];
  let errors = 0;
  const remote0 = remoteTicks();
  const child0 = childTicks();
  const cpu0 = process.cpuUsage();
  for (let k = 0; k < refTicks; k++) {
    const t0 = performance.now();
    let latest = 0;
    await Promise.all(
      ts.map((t) =>
        spawnSample(t).then((r) => {
          const ms = performance.now() - t0;
          perHost.push(ms);
          latest = Math.max(latest, ms);
          if (!r.ok) errors++;
        }),
      ),
    );
    last.push(latest);
  }
  const cpu = process.cpuUsage(cpu0);
  const samples = refTicks * n;
  return {
    label: 'reference (spawn ssh … cat)',
    n,
    samples,
    errors,
    skipped: 0,
    perHost: summary(perHost),
    last: summary(last),
    localCpuMs: ((childTicks() - child0) * (1000 / HZ) + (cpu.user + cpu.system) / 1000) / samples,
    idleCpuMs: 0,
    remoteCpuMs: ((remoteTicks() - remote0) * (1000 / HZ)) / samples,
  };
}

// ---- run -----------------------------------------------------------------------------------------------
console.log(
  `multihost-tick: ${testHosts.length} test hosts (${info.mode}), interval ${interval} s, ${seconds} s per run of ours, ` +
    `${refTicks} ticks per reference run`,
);
// What this process costs doing nothing (timers, GC, the sandbox's accounting), in CPU ms per second:
// subtracted in the "net" column, since it is not the sampling's.
const idleRate = await (async () => {
  const keep = setInterval(() => undefined, 100);
  const c0 = process.cpuUsage();
  await sleep(3000);
  const c = process.cpuUsage(c0);
  clearInterval(keep);
  return (c.user + c.system) / 1000 / 3;
})();

// Warm-up (not reported): JIT-compiles the sampling path, as in any run longer than a few seconds.
await runOursFor(4, 'auto', 3);
await runOursFor(4, 'cat', 2);
const results = [];
results.push(await runOursFor(1, 'auto', Math.min(seconds, 5), 0.02));
for (const n of [1, 4, 16]) {
  results.push(await runOurs(n, 'auto'));
  results.push(await runOurs(n, 'cat'));
  results.push(await runReference(n));
}
console.log('');
console.log(`idle baseline of this process: ${f2(idleRate)} ms CPU per second (net = raw − baseline share)`);
console.log('method                          hosts  samples  errors  tick→sample p50/p99/max ms   tick→last p50/p99/max ms   local CPU/sample ms raw (net)  remote CPU/sample ms');
for (const r of results) {
  console.log(
    `${r.label.padEnd(31)} ${String(r.n).padStart(5)}  ${String(r.samples).padStart(7)}  ${String(r.errors).padStart(6)}  ` +
      `${fmt(r.perHost).padStart(25)}   ${fmt(r.last).padStart(24)}   ${`${f2(r.localCpuMs)} (${f2(r.localCpuMs - r.idleCpuMs)})`.padStart(28)}  ${f2(r.remoteCpuMs).padStart(19)}`,
  );
}
console.log('');
console.log('ratios (reference ÷ ours, awk loop / sh+cat loop):');
for (const n of [1, 4, 16]) {
  const [a, c, ref] = results.filter((r) => r.n === n && !r.label.includes('@'));
  const ratio = (x, y) => (y > 0 ? (x / y).toFixed(0) : '∞');
  console.log(
    `  ${String(n).padStart(2)} host(s): tick→last p50 ${ratio(ref.last.p50, a.last.p50)}× / ${ratio(ref.last.p50, c.last.p50)}×, ` +
      `local CPU ${ratio(ref.localCpuMs, a.localCpuMs)}× / ${ratio(ref.localCpuMs, c.localCpuMs)}×, ` +
      `remote CPU ${ratio(ref.remoteCpuMs, a.remoteCpuMs)}× / ${ratio(ref.remoteCpuMs, c.remoteCpuMs)}×`,
  );
}
const one = results.find((r) => r.n === 1 && r.label === 'ours (awk loop)');
const sixteen = results.find((r) => r.n === 16 && r.label === 'ours (awk loop)');
const oneRef = results.find((r) => r.n === 1 && r.label.startsWith('reference'));
console.log('');
console.log('goals (awk loop): one host p50 ≤ 1.5 ms: ' + f2(one.perHost.p50) + ' ms; 16 hosts p99 ≤ 20 ms: ' + f2(sixteen.last.p99) +
  ' ms; remote CPU/sample ≤ 1.5 ms: ' + f2(Math.max(...results.filter((r) => r.label.includes('awk')).map((r) => r.remoteCpuMs))) +
  ' ms; ≥ 50× faster than spawning: ' + (oneRef.perHost.p50 / one.perHost.p50).toFixed(0) + '×');
if (broughtUp) execFileSync('bash', [script, 'down', '--dir', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
