// A synthetic run for the memory benches (reportgen-memory, report-memory): a results tree with one
// `*_timeseries.json` of `hosts` × `samples` real /proc records of this machine (counters advancing per
// sample, 10 s apart) written sample by sample (never one string), and its `*_metadata.json`. The document
// stops growing past `maxMiB` (the host being written is closed there and the rest left out).
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes the run under `root/results/training/unet3d/run/<dt>/` and returns its directory, document path,
 * size in MiB and whether it was capped. `ts` is the loaded @mlps/timeseries (its /proc parsers).
 */
export function writeSyntheticRun({ ts, root, hosts, samples, maxMiB, log = console.log }) {
  const read = (p) => readFileSync(p, 'utf8');
  const base = {
    diskstats: ts.parseProcDiskstats(read('/proc/diskstats')),
    vmstat: ts.parseProcVmstat(read('/proc/vmstat')),
    meminfo: ts.parseProcMeminfo(read('/proc/meminfo')),
    loadavg: ts.parseProcLoadavg(read('/proc/loadavg')),
    netdev: ts.parseProcNetDev(read('/proc/net/dev')),
    cpu: ts.parseProcStat(read('/proc/stat')),
  };
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
        log(`capped at --max-mib ${maxMiB}: host ${h}, sample ${i}`);
        break;
      }
    }
    writeSync(fd, ']');
  }
  writeSync(fd, `},"collection_method":"ssh","hosts_requested":${JSON.stringify(names)},"hosts_collected":${JSON.stringify(names)},"format_version":1}`);
  closeSync(fd);
  writeFileSync(join(dir, `training_${dt}_metadata.json`), JSON.stringify({ benchmark_type: 'training', model: 'unet3d', command: 'run', run_datetime: dt }));
  return { dir, docPath, mib: statSync(docPath).size / 1024 / 1024, capped };
}
