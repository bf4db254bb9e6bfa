import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as fc from 'fast-check';
import { TimeSeriesCollector } from '../collector';
import { computeRates } from '../rates';
import { parseTimeSeriesData } from '../format';
import { sampleMetricPoints } from '../export/metric-points';
import { PROCESS_IO_FIELDS, parseProcPidIo } from './workload-io';

const dir = mkdtempSync(join(tmpdir(), 'mlps-workload-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MIB = 1024 * 1024;

describe('parseProcPidIo', () => {
  it('reads every counter of /proc/<pid>/io', () => {
    const text = 'rchar: 6976\nwchar: 10\nsyscr: 10\nsyscw: 1\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n';
    expect(parseProcPidIo(text)).toEqual({ rchar: 6976, wchar: 10, syscr: 10, syscw: 1, read_bytes: 4096, write_bytes: 8192, cancelled_write_bytes: 0 });
    expect(Object.keys(parseProcPidIo(text)!)).toEqual([...PROCESS_IO_FIELDS]);
  });

  it('drops lines that do not parse and never throws', () => {
    expect(parseProcPidIo('rchar: x\nwchar: 5\n__proto__: 1\n')).toEqual({ wchar: 5 });
    expect(parseProcPidIo('')).toBeNull();
    fc.assert(fc.property(fc.string(), (s) => {
      const r = parseProcPidIo(s);
      return r === null || Object.values(r).every((v) => Number.isFinite(v));
    }));
  });
});

describe('workload I/O sampled with the host', () => {
  it('counts a command workload to the byte: its process tree while alive, its reaped figures after', async () => {
    const collector = new TimeSeriesCollector({ intervalSeconds: 0.05, workloadIo: true, logger: { warn: () => {} } });
    collector.start();
    const target = join(dir, 'dd.out');
    // A shell running dd four times: a tree of two processes, 4 x 8 MiB written.
    const child = spawn('sh', ['-c', `for i in 1 2 3 4; do dd if=/dev/zero of=${target} bs=1M count=8 oflag=append conv=notrunc,fsync status=none; sleep 0.15; done`], { stdio: 'ignore' });
    collector.trackProcess(child.pid!);
    await once(child, 'exit');
    const samples = await collector.stop();
    rmSync(target, { force: true });
    const io = samples.map((s) => s.workload_io!);
    expect(io.every((r) => r !== undefined)).toBe(true);
    const last = io[io.length - 1]!;
    expect(Math.abs(last.wchar - 32 * MIB) / (32 * MIB)).toBeLessThan(0.01);
    expect(Math.abs(last.write_bytes - 32 * MIB) / (32 * MIB)).toBeLessThan(0.01);
    expect(last.processes).toBe(0);
    // While it ran the tree was seen (the shell and, at times, dd) and its writes grew sample by sample.
    expect(Math.max(...io.map((r) => r.processes))).toBeGreaterThanOrEqual(1);
    const mid = io.filter((r) => r.wchar > 0 && r.wchar < 32 * MIB);
    expect(mid.length).toBeGreaterThan(0);
  }, 30_000);

  it('counts this process\'s worker threads, not the sampling thread', async () => {
    const collector = new TimeSeriesCollector({ intervalSeconds: 0.05, workloadIo: true, logger: { warn: () => {} } });
    collector.start();
    // The sampling (main) thread writes 16 MiB: not the workload.
    writeFileSync(join(dir, 'main.out'), Buffer.alloc(16 * MIB, 1));
    const worker = new Worker(`require('fs').writeFileSync(${JSON.stringify(join(dir, 'worker.out'))}, Buffer.alloc(${8 * MIB}, 2))`, { eval: true });
    await once(worker, 'exit');
    const samples = await collector.stop();
    const last = samples[samples.length - 1]!.workload_io!;
    expect(last.wchar).toBeGreaterThanOrEqual(8 * MIB);
    expect(last.wchar).toBeLessThan(8 * MIB + MIB);
  }, 30_000);

  it('is absent unless asked for', async () => {
    const collector = new TimeSeriesCollector({ intervalSeconds: 0.05 });
    collector.start();
    const samples = await collector.stop();
    expect(samples[0]!.workload_io).toBeUndefined();
  });
});

describe('workload I/O rates', () => {
  it('derives bytes per second from and to storage and through the calls, with the page cache share', () => {
    const at = (ms: number, io: Partial<Record<string, number>>): import('../types').TimeSeriesSample => ({
      timestamp: new Date(ms).toISOString(),
      timestamp_ms: ms,
      hostname: 'h',
      workload_io: { rchar: 0, wchar: 0, syscr: 0, syscw: 0, read_bytes: 0, write_bytes: 0, cancelled_write_bytes: 0, processes: 1, ...io },
    });
    const [r] = computeRates([at(0, {}), at(2000, { rchar: 400 * MIB, read_bytes: 100 * MIB, wchar: 64 * MIB, write_bytes: 64 * MIB, syscr: 400, syscw: 64, processes: 3 })]).slice(1);
    expect(r!.workloadIo).toEqual({
      readBytesPerSec: 50 * MIB,
      writeBytesPerSec: 32 * MIB,
      rcharPerSec: 200 * MIB,
      wcharPerSec: 32 * MIB,
      readCallsPerSec: 200,
      writeCallsPerSec: 32,
      processes: 3,
    });
    expect(computeRates([{ timestamp: '2026-01-01T00:00:00Z', hostname: 'h' }, { timestamp: '2026-01-01T00:00:01Z', hostname: 'h' }])[1]!.workloadIo).toBeUndefined();
  });
});

describe('workload I/O in documents and exports', () => {
  const sample = {
    timestamp: '2026-01-24T12:00:00Z',
    timestamp_ms: 1_769_256_000_000,
    hostname: 'h',
    workload_io: { rchar: 10, wchar: 20, syscr: 1, syscw: 2, read_bytes: 4096, write_bytes: 8192, cancelled_write_bytes: 0, processes: 2 },
  };

  it('is checked when a document is read, and exported as mlps_workload_io_* families', () => {
    const points = sampleMetricPoints(sample);
    const names = points.filter((p) => p.source === 'workload_io').map((p) => `${p.family.name}=${p.baseValue}`);
    expect(names).toEqual(expect.arrayContaining(['mlps_workload_io_write_bytes=8192', 'mlps_workload_io_processes=2']));
    const doc = { collection_interval_seconds: 1, start_time: null, end_time: null, num_samples: 1, samples_by_host: { h: [sample] }, hosts_requested: ['h'], hosts_collected: ['h'], collection_method: 'local' };
    expect(parseTimeSeriesData(JSON.stringify(doc)).samples_by_host.h![0]!.workload_io!.write_bytes).toBe(8192);
    const bad = { ...doc, samples_by_host: { h: [{ ...sample, workload_io: { write_bytes: 'lots' } }] } };
    expect(() => parseTimeSeriesData(JSON.stringify(bad))).toThrow(/workload_io/);
  });
});
