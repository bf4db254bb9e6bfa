#!/usr/bin/env node
// Memory of `reports reportgen` on a large run, against reading the same run as one document the way
// `timeseries report` does (loadTimeSeriesRun: the whole file as one string, then every sample object).
// Writes a synthetic results tree (real /proc records of this machine, counters advancing per sample) into
// a temporary directory, runs both in child processes one after the other, prints peak RSS, CPU time and
// their ratio. Asserts nothing. The tree is capped (--max-mib, default 1024) and removed at the end, also
// on Ctrl-C.
//
// Usage: node bench/reportgen-memory/run.mjs [--hosts 16] [--samples 3600] [--max-mib 1024]
// Needs the build (apps/cli/dist, packages/timeseries/dist).
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const cli = join(repo, 'apps', 'cli', 'dist', 'cli.cjs');
const ts = await import(pathToFileURL(join(repo, 'packages', 'timeseries', 'dist', 'index.js')).href);

const arg = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
};
const hosts = arg('--hosts', 16);
const samples = arg('--samples', 3600);
const maxMiB = arg('--max-mib', 1024);

const root = mkdtempSync(join(tmpdir(), 'mlps-bench-reportgen-'));
const cleanup = () => rmSync(root, { recursive: true, force: true });
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
process.on('SIGTERM', () => {
  cleanup();
  process.exit(143);
});

const read = (p) => readFileSync(p, 'utf8');
const base = {
  diskstats: ts.parseProcDiskstats(read('/proc/diskstats')),
  vmstat: ts.parseProcVmstat(read('/proc/vmstat')),
  meminfo: ts.parseProcMeminfo(read('/proc/meminfo')),
  loadavg: ts.parseProcLoadavg(read('/proc/loadavg')),
  netdev: ts.parseProcNetDev(read('/proc/net/dev')),
  cpu: ts.parseProcStat(read('/proc/stat')),
};

try {
  const dt = '20250101_000000';
  const dir = join(root, 'results', 'training', 'unet3d', 'run', dt);
  mkdirSync(dir, { recursive: true });
  const docPath = join(dir, `training_${dt}_timeseries.json`);
  const fd = openSync(docPath, 'w');
  const t0 = Date.UTC(2025, 0, 1);
  const names = Array.from({ length: hosts }, (_, i) => `node${i}`);
  const end = new Date(t0 + (samples - 1) * 10_000).toISOString().replace(/\.\d+Z$/, 'Z');
  writeSync(fd, `{"collection_interval_seconds":10,"start_time":"2025-01-01T00:00:00Z","end_time":"${end}","num_samples":${hosts * samples},"samples_by_host":{`);
  let bytes = 0;
  let capped = false;
  for (let h = 0; h < hosts && !capped; h++) {
    writeSync(fd, `${h ? ',' : ''}${JSON.stringify(names[h])}:[`);
    for (let i = 0; i < samples; i++) {
      const ms = t0 + i * 10_000;
      const s = {
        timestamp: new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'),
        timestamp_ms: ms,
        hostname: names[h],
        diskstats: base.diskstats.map((d) => ({ ...d, sectors_written: d.sectors_written + i * 20_480, writes_completed: d.writes_completed + i * 80 })),
        vmstat: base.vmstat,
        meminfo: base.meminfo,
        loadavg: base.loadavg,
        netdev: base.netdev.map((n) => ({ ...n, rx_bytes: n.rx_bytes + i * 1_000_000 })),
        cpu: base.cpu && { ...base.cpu, user: base.cpu.user + i * 500, idle: base.cpu.idle + i * 500 },
      };
      const text = `${i ? ',' : ''}${JSON.stringify(s)}`;
      bytes += text.length;
      writeSync(fd, text);
      if (bytes > maxMiB * 1024 * 1024) {
        capped = true;
        console.log(`capped at --max-mib ${maxMiB}: host ${h}, sample ${i}`);
        break;
      }
    }
    writeSync(fd, ']');
  }
  writeSync(fd, `},"collection_method":"ssh","hosts_requested":${JSON.stringify(names)},"hosts_collected":${JSON.stringify(names)},"format_version":1}`);
  closeSync(fd);
  writeFileSync(join(dir, `training_${dt}_metadata.json`), JSON.stringify({ benchmark_type: 'training', model: 'unet3d', command: 'run', run_datetime: dt }));
  const mib = statSync(docPath).size / 1024 / 1024;
  console.log(`document: ${hosts} hosts x ${samples} samples, ${mib.toFixed(0)} MiB`);

  const measure = (label, args) => {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--require', join(here, 'max-rss.cjs'), cli, ...args], {
      env: { ...process.env, MLPS_HISTORY_FILE: 'off' },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const wallS = Number(process.hrtime.bigint() - started) / 1e9;
    const m = /BENCH (\{.*\})/.exec(r.stderr ?? '');
    const figures = m ? JSON.parse(m[1]) : null;
    const error = r.status === 0 ? null : (r.stderr ?? '').split('\n').find((l) => l.startsWith('mlpstorage:')) ?? `exit ${r.status}`;
    console.log(`${label.padEnd(44)} exit ${r.status}  wall ${wallS.toFixed(1)} s  cpu ${figures ? (figures.cpuMs / 1000).toFixed(1) : '?'} s  peak RSS ${figures ? figures.maxRssMiB.toFixed(0) : '?'} MiB${error ? `  (${error})` : ''}`);
    return figures;
  };
  const ours = measure('reports reportgen (streamed)', ['reports', 'reportgen', '-rd', join(root, 'results'), '--output-dir', join(root, 'out'), '-q']);
  const whole = measure('timeseries report (whole document)', ['timeseries', 'report', dir, '--format', 'json']);
  if (ours && whole) console.log(`peak RSS ratio whole-document / streamed: ${(whole.maxRssMiB / ours.maxRssMiB).toFixed(1)}x`);
} finally {
  cleanup();
}
