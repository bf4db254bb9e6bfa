#!/usr/bin/env node
// The built-in engines' throughput against fio doing the same I/O on the same folder, one after the other:
//   checkpoint write  N ranks, each writing its shard files (1 MiB writes, fsync at close), C checkpoints
//   checkpoint read   the same files read back (1 MiB reads), after dropping the page cache
//   training read     a cosmoflow-like dataset (files of ~2.8 MB) read by T reader threads with no compute
//                     time (so the figure is the storage's), after dropping the page cache
// fio gets the same files, block size, job count and fsync; its figure is the group bandwidth. Prints
// MB/s (10^6 bytes) and ratios builtin/fio (goal ≥ 0.8); asserts nothing. Each side runs --rounds times,
// interleaved with who goes first alternating, so drift of the device hits both; medians and ranges are printed.
// fio only issues whole blocks, so with bs=1M it skips the last partial MiB of each file (its byte count
// is lower); the comparison is of throughput, bytes ÷ seconds, and the byte counts are printed beside it.
//
// Usage: node bench/workload-vs-fio/run.mjs [--dir DIR] [--ranks 4] [--shard-mib 128] [--checkpoints 2]
//                                            [--files 400] [--readers 4] [--rounds 5] [--keep]
// Needs fio (Debian: apt-get install -y fio) and esbuild from the workspace's devDependencies (tsup's).
// Dropping caches needs root; without it both sides read from the page cache, and the output says so.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, linkSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const v = process.argv[at + 1];
  if (typeof fallback === 'number') {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) {
      console.error(`--${name} needs a positive number, got ${v}`);
      process.exit(2);
    }
    return n;
  }
  return v;
}
const ranks = arg('ranks', 4);
const shardMiB = arg('shard-mib', 128);
const checkpoints = arg('checkpoints', 2);
const files = arg('files', 400);
const readers = arg('readers', 4);
const rounds = arg('rounds', 5);
const keep = process.argv.includes('--keep');
const base = arg('dir', null) ?? mkdtempSync(join(tmpdir(), 'mlps-vs-fio-'));
mkdirSync(base, { recursive: true });

if (spawnSync('fio', ['--version']).status !== 0) {
  console.error('fio not found: apt-get install -y fio');
  process.exit(2);
}

// Bundle the engine modules from source (no build step needed, never a stale dist).
// esbuild comes with tsup (a root devDependency); pnpm keeps it beside tsup, not at the top level.
const esbuildPath = createRequire(realpathSync(join(root, 'node_modules', 'tsup', 'package.json'))).resolve('esbuild');
const { build } = await import(pathToFileURL(esbuildPath).href);
const engines = join(root, 'packages', 'benchmark', 'src', 'engines');
const bundle = join(base, 'engines.bundle.mjs');
await build({
  stdin: {
    contents: [
      `export { resolveTrainingConfig } from ${JSON.stringify(join(engines, 'training-config.ts'))};`,
      `export { generateTrainingDataset } from ${JSON.stringify(join(engines, 'training-datagen.ts'))};`,
      `export { runTrainingWorkload } from ${JSON.stringify(join(engines, 'training-run.ts'))};`,
      `export { datasetFilePath } from ${JSON.stringify(join(engines, 'training-dataset.ts'))};`,
      `export { resolveCheckpointingConfig, shardFiles } from ${JSON.stringify(join(engines, 'checkpointing-config.ts'))};`,
      `export { runCheckpointingWorkload } from ${JSON.stringify(join(engines, 'checkpointing-run.ts'))};`,
      `export { SeededRandom, shuffleInPlace } from ${JSON.stringify(join(engines, 'random.ts'))};`,
    ].join('\n'),
    resolveDir: engines,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: bundle,
  alias: { '@mlps/timeseries': join(root, 'packages', 'timeseries', 'src', 'index.ts') },
  logLevel: 'error',
});
const E = await import(pathToFileURL(bundle).href);

function dropCaches() {
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

function fio(jobText, label) {
  const jobFile = join(base, `${label}.fio`);
  writeFileSync(jobFile, jobText);
  const r = spawnSync('fio', ['--output-format=json', jobFile], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`fio ${label} failed: ${r.stderr || r.stdout}`);
  const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
  let bytes = 0;
  // Jobs of one stonewall group run together (the group takes as long as its slowest job); groups run in turn.
  const groups = new Map();
  for (const job of json.jobs) {
    const side = job.write.io_bytes > 0 ? job.write : job.read;
    bytes += side.io_bytes;
    const g = job.groupid ?? 0;
    groups.set(g, Math.max(groups.get(g) ?? 0, job.job_runtime ?? side.runtime));
  }
  const seconds = [...groups.values()].reduce((a, b) => a + b, 0) / 1000;
  return { bytes, seconds, mbps: bytes / 1e6 / seconds };
}

const rows = [];
const cacheNotes = new Set();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Checkpointing: llama3-8b scaled so that every rank writes `shardMiB` per checkpoint.
const scale = (ranks * shardMiB * 1024 ** 2) / (105 * 1024 ** 3);
const ckptDir = join(base, 'ckpt');
const config = E.resolveCheckpointingConfig({
  model: 'llama3-8b', numProcesses: ranks, checkpointFolder: ckptDir, numCheckpointsWrite: checkpoints, numCheckpointsRead: checkpoints,
  scale, dropCaches: true,
});
// fio: per checkpoint, one job per rank over that rank's shard files (fio sizes a job's files equally; ours
// differ between model and optimizer shard, the total is the same), 1 MiB requests, each file fsynced when
// closed (openfiles=1 closes one before opening the next); `stonewall` starts checkpoint c+1 only when
// every rank finished checkpoint c, the barrier ours has. Its time is the sum over checkpoints of the
// slowest rank's runtime.
const fioCkpt = join(base, 'fio-ckpt');
const ckptJobs = Array.from({ length: checkpoints }, (_, c) =>
  config.shards
    .map((shard, i) => {
      const files = E.shardFiles(join(ckptDir, 'llama3-8b'), c, shard);
      const names = files.map((f) => `c${c}_${f.path.split('/').pop()}`);
      const bytes = files.reduce((a, f) => a + f.bytes, 0);
      return `[c${c}_rank${shard.rank}]\n${i === 0 && c > 0 ? 'stonewall\n' : ''}filename=${names.join(':')}\nnrfiles=${names.length}\nsize=${bytes}\n`;
    })
    .join(''),
).join('');
const ckptGlobals = (rw) =>
  `[global]\ndirectory=${fioCkpt}\nrw=${rw}\nbs=1M\nioengine=psync\nfile_service_type=sequential\nopenfiles=1\n` +
  `fsync_on_close=${rw === 'write' ? 1 : 0}\ninvalidate=0\nthread\n`;

// Training read: cosmoflow records, `readers` threads, no compute time, one epoch.
const dataDir = join(base, 'data');
const tconfig = E.resolveTrainingConfig({ model: 'cosmoflow', dataDir, numFiles: files, numAccelerators: 1, readThreads: readers, epochs: 1, seed: 42 });
await E.generateTrainingDataset(tconfig);
// fio reads the same files in the same shuffled order, reader r taking batches r, r+R, ... as ours does.
// filename= is capped at 4096 characters, so each reader reads short-named hard links.
const order = E.shuffleInPlace(Int32Array.from({ length: files }, (_, i) => i), new E.SeededRandom(tconfig.seed * 1000 + 1));
const fioTrain = join(base, 'fio-train');
mkdirSync(fioTrain, { recursive: true });
let trainJobs = `[global]\ndirectory=${fioTrain}\nrw=read\nbs=1M\nioengine=psync\ninvalidate=0\nthread\nfile_service_type=sequential\nopenfiles=1\n`;
for (let r = 0; r < readers; r++) {
  const names = [];
  for (let k = r; k < files; k += readers) {
    const name = `f${order[k]}`;
    linkSync(E.datasetFilePath(tconfig.trainFolder, order[k], files, 'tfrecord'), join(fioTrain, name));
    names.push(name);
  }
  trainJobs += `[reader${r}]\nfilename=${names.join(':')}\nnrfiles=${names.length}\n`;
}

const results = { cw: [[], []], cr: [[], []], tr: [[], []] };
const bytes = { cw: [0, 0], cr: [0, 0], tr: [0, 0] };
for (let round = 0; round < rounds; round++) {
  rmSync(ckptDir, { recursive: true, force: true });
  rmSync(fioCkpt, { recursive: true, force: true });
  mkdirSync(fioCkpt, { recursive: true });
  const runOurs = async () => {
    dropCaches();
    const ours = await E.runCheckpointingWorkload(config);
    if (ours.page_cache?.caches_dropped !== true) cacheNotes.add('caches NOT dropped (not root?): reads may come from memory on both sides');
    results.cw[0].push(ours.write.bytes / 1e6 / ours.write.duration_seconds);
    results.cr[0].push(ours.read.bytes / 1e6 / ours.read.duration_seconds);
    bytes.cw[0] = ours.write.bytes;
    bytes.cr[0] = ours.read.bytes;
  };
  const runFio = () => {
    dropCaches();
    const fw = fio(ckptGlobals('write') + ckptJobs, 'ckpt-write');
    dropCaches();
    const fr = fio(ckptGlobals('read') + ckptJobs, 'ckpt-read');
    results.cw[1].push(fw.mbps);
    results.cr[1].push(fr.mbps);
    bytes.cw[1] = fw.bytes;
    bytes.cr[1] = fr.bytes;
  };
  // Who goes first alternates: the device's write-back of the previous run must not always hit the same side.
  if (round % 2 === 0) {
    await runOurs();
    runFio();
  } else {
    runFio();
    await runOurs();
  }

  dropCaches();
  const train = await E.runTrainingWorkload({ ...tconfig, computationTimeSeconds: 0 });
  results.tr[0].push(train.overall.mb_per_second);
  bytes.tr[0] = train.overall.bytes;
  dropCaches();
  const ft = fio(trainJobs, 'train-read');
  results.tr[1].push(ft.mbps);
  bytes.tr[1] = ft.bytes;
}
const range = (xs) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;
rows.push(['checkpoint write (fsync)', median(results.cw[0]), median(results.cw[1]), bytes.cw[0], bytes.cw[1], range(results.cw[0]), range(results.cw[1])]);
rows.push(['checkpoint read', median(results.cr[0]), median(results.cr[1]), bytes.cr[0], bytes.cr[1], range(results.cr[0]), range(results.cr[1])]);
rows.push(['training read (cosmoflow files)', median(results.tr[0]), median(results.tr[1]), bytes.tr[0], bytes.tr[1], range(results.tr[0]), range(results.tr[1])]);

console.log(`folder: ${base}  (ranks ${ranks}, shard ${shardMiB} MiB, checkpoints ${checkpoints}; training files ${files}, readers ${readers}; median of ${rounds} rounds)`);
console.log(`${'workload'.padEnd(34)} ${'builtin MB/s'.padStart(13)} ${'fio MB/s'.padStart(10)} ${'ratio'.padStart(6)}   ranges MB/s (builtin / fio)   bytes (builtin / fio)`);
for (const [name, a, b, ab, bb, ra, rb] of rows) {
  console.log(`${name.padEnd(34)} ${a.toFixed(1).padStart(13)} ${b.toFixed(1).padStart(10)} ${(a / b).toFixed(2).padStart(6)}   ${`${ra} / ${rb}`.padEnd(27)} ${ab} / ${bb}`);
}
for (const n of cacheNotes) console.log(`note: ${n}`);
if (!keep) rmSync(base, { recursive: true, force: true });
