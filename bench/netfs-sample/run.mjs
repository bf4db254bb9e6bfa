#!/usr/bin/env node
// What NFS mounts cost a local sample, side by side in one run: LocalSampler (the built
// @mlps/timeseries/engine) over copies of this machine's /proc files with 0, 1, 8 and 32 NFS mounts in
// self/mountstats (an older kernel's real capture, TACC tacc_stats, repeated under other mount points), on
// the fast path (learned templates) and parsed every time (learn: false), each case timed and metered in
// turn, round after round. Prints a table; asserts nothing. Needs `node scripts/run.mjs build` first and
// node --expose-gc (run.mjs re-executes itself with it). Writes < 1 MB under a temporary directory, removed
// at exit, also on Ctrl-C or SIGTERM.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

if (typeof global.gc !== 'function') {
  execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(0);
}

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const { LocalSampler } = await import(join(repo, 'packages/timeseries/dist/engine.js'));
const { SAMPLE_SOURCE_FILES } = await import(join(repo, 'packages/timeseries/dist/index.js'));
const { AllocationMeter } = await import(join(repo, 'bench/sample-cost/alloc-meter.mjs'));

const args = process.argv.slice(2);
const num = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1 || v > 100000) {
    process.stderr.write(`${name} takes an integer 1…100000\n`);
    process.exit(2);
  }
  return v;
};
const SAMPLES = num('--samples', 2000);
const ROUNDS = num('--rounds', 3);

const tmp = mkdtempSync(join(tmpdir(), 'mlps-bench-netfs-'));
const cleanup = () => rmSync(tmp, { recursive: true, force: true });
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

const capture = readFileSync(join(repo, 'packages/timeseries/src/__fixtures__/netfs/mountstats-tacc-nfs3-tcp-statvers1.0'), 'utf8');
const own = readFileSync('/proc/self/mountstats', 'utf8');

function tree(mounts) {
  const root = join(tmp, `nfs${mounts}`);
  for (const f of SAMPLE_SOURCE_FILES) {
    if (f.synthesized) continue;
    let text;
    try {
      text = readFileSync(join('/proc', f.path), 'utf8');
    } catch {
      continue;
    }
    mkdirSync(join(root, f.path, '..'), { recursive: true });
    writeFileSync(join(root, f.path), text);
  }
  mkdirSync(join(root, 'self'), { recursive: true });
  mkdirSync(join(root, 'pressure'), { recursive: true });
  let text = own;
  for (let i = 0; i < mounts; i++) text += capture.replace('/ifs with', `/ifs${String.fromCharCode(97 + (i % 26))}${'x'.repeat(Math.floor(i / 26))} with`);
  writeFileSync(join(root, 'self/mountstats'), text);
  return root;
}

const cases = [];
for (const mounts of [0, 1, 8, 32]) {
  const root = tree(mounts);
  for (const learn of [true, false]) cases.push({ name: `${mounts} NFS mount${mounts === 1 ? '' : 's'}, ${learn ? 'fast path' : 'parsed'}`, root, learn, mounts });
}

const results = new Map(cases.map((c) => [c.name, { us: [], bytes: [], fast: 0, parsed: 0 }]));
const meter = new AllocationMeter();
for (let round = 0; round < ROUNDS; round++) {
  for (const c of cases) {
    const sampler = new LocalSampler({ procRoot: c.root, hostname: 'bench', learn: c.learn });
    for (let i = 0; i < 50; i++) sampler.sample(Date.now()); // warm-up and learning
    const before = { ...sampler.stats };
    meter.start();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < SAMPLES; i++) sampler.sample(1_769_256_000_000 + i);
    const ns = Number(process.hrtime.bigint() - t0);
    const { allocatedBytes } = meter.stop();
    const r = results.get(c.name);
    r.us.push(ns / 1000 / SAMPLES);
    r.bytes.push(allocatedBytes / SAMPLES);
    r.fast += sampler.stats.fast - before.fast;
    r.parsed += sampler.stats.parsed - before.parsed;
    sampler.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = results.get('0 NFS mounts, fast path');
console.log(`LocalSampler over a copy of this machine's /proc files (files opened per read, as for any procRoot that is not procfs), ${SAMPLES} samples × ${ROUNDS} rounds, medians\n`);
console.log('| case | µs / sample | × 0 mounts fast | heap bytes / sample | fast reads | parsed reads |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const c of cases) {
  const r = results.get(c.name);
  console.log(`| ${c.name} | ${median(r.us).toFixed(1)} | ${(median(r.us) / median(base.us)).toFixed(2)} | ${Math.round(median(r.bytes))} | ${r.fast} | ${r.parsed} |`);
}
