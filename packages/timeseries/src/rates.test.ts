import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { computeRates, deriveRates, type SampleRates } from './rates';
import { collectTimeseriesSampleSync } from './sampling';
import type { CpuTimes, DiskStatsRecord, NetDevRecord, TimeSeriesSample } from './types';

function disk(name: string, c: Partial<DiskStatsRecord> = {}): DiskStatsRecord {
  return {
    major: 8, minor: 0, device_name: name, reads_completed: 0, reads_merged: 0, sectors_read: 0, time_reading_ms: 0,
    writes_completed: 0, writes_merged: 0, sectors_written: 0, time_writing_ms: 0, ios_in_progress: 0, time_doing_ios_ms: 0,
    weighted_time_doing_ios_ms: 0, ...c,
  };
}

function iface(name: string, c: Partial<NetDevRecord> = {}): NetDevRecord {
  return {
    interface_name: name, rx_bytes: 0, rx_packets: 0, rx_errors: 0, rx_dropped: 0, rx_fifo: 0, rx_frame: 0, rx_compressed: 0,
    rx_multicast: 0, tx_bytes: 0, tx_packets: 0, tx_errors: 0, tx_dropped: 0, tx_fifo: 0, tx_collisions: 0, tx_carrier: 0,
    tx_compressed: 0, ...c,
  };
}

function cpu(c: Partial<CpuTimes> = {}): CpuTimes {
  return { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guest_nice: 0, ...c };
}

const T0 = Date.UTC(2026, 0, 24, 12);

function at(ms: number, extra: Partial<TimeSeriesSample> = {}): TimeSeriesSample {
  return { timestamp: new Date(T0 + ms).toISOString(), hostname: 'h', ...extra };
}

describe('deriveRates', () => {
  it('computes iostat-style disk rates over Δt', () => {
    const prev = at(0, { diskstats: [disk('sda', { reads_completed: 100, sectors_read: 1000, time_reading_ms: 50, writes_completed: 10, sectors_written: 80, time_writing_ms: 20, time_doing_ios_ms: 1000, weighted_time_doing_ios_ms: 3000 })] });
    const cur = at(2000, { diskstats: [disk('sda', { reads_completed: 300, sectors_read: 5096, time_reading_ms: 450, writes_completed: 10, sectors_written: 80, time_writing_ms: 20, time_doing_ios_ms: 1500, weighted_time_doing_ios_ms: 4000, ios_in_progress: 3 })] });
    const r = deriveRates(prev, cur)!;
    expect(r.intervalSeconds).toBe(2);
    expect(r.intervalSource).toBe('timestamp');
    expect(r.disks.sda).toEqual({
      device: 'sda',
      readBytesPerSec: (4096 * 512) / 2,
      writeBytesPerSec: 0,
      readIops: 100,
      writeIops: 0,
      rAwaitMs: 2,
      wAwaitMs: null,
      utilPercent: 25,
      aquSz: 0.5,
    });
  });

  it('caps %util at 100', () => {
    const r = deriveRates(at(0, { diskstats: [disk('nvme0n1', { time_doing_ios_ms: 0 })] }), at(1000, { diskstats: [disk('nvme0n1', { time_doing_ios_ms: 1020 })] }))!;
    expect(r.disks.nvme0n1!.utilPercent).toBe(100);
  });

  it('uses the host uptime clock for Δt when both samples have it, never arrival or wall time', () => {
    // Timestamps 10 s apart (e.g. a late sample), the host's own clock says 4 s.
    const prev = at(0, { uptime_seconds: 100, netdev: [iface('eth0', { rx_bytes: 0, tx_bytes: 0 })] });
    const cur = at(10_000, { uptime_seconds: 104, netdev: [iface('eth0', { rx_bytes: 4000, tx_bytes: 800, rx_packets: 40, tx_packets: 8, rx_errors: 4, tx_errors: 0, rx_dropped: 8, tx_dropped: 4 })] });
    const r = deriveRates(prev, cur)!;
    expect(r.intervalSource).toBe('uptime');
    expect(r.intervalSeconds).toBe(4);
    expect(r.net.eth0).toEqual({
      interface: 'eth0', rxBytesPerSec: 1000, txBytesPerSec: 200, rxPacketsPerSec: 10, txPacketsPerSec: 2,
      rxErrorsPerSec: 1, txErrorsPerSec: 0, rxDropsPerSec: 2, txDropsPerSec: 1,
    });
    // Only one side has uptime: fall back to the timestamps.
    expect(deriveRates({ ...prev, uptime_seconds: undefined }, cur)!.intervalSeconds).toBe(10);
  });

  it('reads whole-second and naive Python timestamps', () => {
    const r = deriveRates({ timestamp: '2026-01-24T12:00:00', hostname: 'p' }, { timestamp: '2026-01-24T12:00:10Z', hostname: 'p' })!;
    expect(r.intervalSeconds).toBe(10);
  });

  it('returns null when Δt is zero, negative, or unknowable (reboot: uptime went back)', () => {
    expect(deriveRates(at(1000), at(1000))).toBeNull();
    expect(deriveRates(at(2000), at(1000))).toBeNull();
    expect(deriveRates(at(0, { uptime_seconds: 5000 }), at(10_000, { uptime_seconds: 3 }))).toBeNull();
    expect(deriveRates({ timestamp: 'garbage', hostname: 'h' }, at(0))).toBeNull();
  });

  it('drops a device whose counters went back, or that was replaced, and keeps the others', () => {
    const prev = at(0, {
      diskstats: [disk('sda', { sectors_read: 100 }), disk('sdb', { minor: 16, writes_completed: 10 }), disk('sdc', { minor: 32 }), disk('gone')],
      netdev: [iface('eth0', { rx_bytes: 10_000 }), iface('eth1', { tx_packets: 5 })],
    });
    const cur = at(1000, {
      diskstats: [disk('sda', { sectors_read: 300 }), disk('sdb', { minor: 16, writes_completed: 3 }), disk('sdc', { minor: 48 }), disk('new')],
      netdev: [iface('eth0', { rx_bytes: 5 }), iface('eth1', { tx_packets: 7 })],
    });
    const r = deriveRates(prev, cur)!;
    expect(Object.keys(r.disks)).toEqual(['sda']);
    expect(r.disks.sda!.readBytesPerSec).toBe(200 * 512);
    expect(Object.keys(r.net)).toEqual(['eth1']);
    expect(r.net.eth1!.txPacketsPerSec).toBe(2);
  });

  it('CPU %: guest is inside user (not added again), busy excludes idle and iowait', () => {
    const prev = at(0, { cpu: { total: cpu({ user: 1000, nice: 100, system: 500, idle: 8000, iowait: 100, guest: 200, guest_nice: 0 }), per_cpu: [] } });
    const cur = at(1000, {
      cpu: { total: cpu({ user: 1400, nice: 200, system: 600, idle: 8300, iowait: 200, irq: 50, softirq: 50, steal: 100, guest: 400, guest_nice: 50 }), per_cpu: [] },
    });
    // Δ: user 400 (of which guest 200), nice 100 (guest_nice 50), system 100, idle 300, iowait 100, irq 50, softirq 50, steal 100 → 1200
    const c = deriveRates(prev, cur)!.cpu!;
    const pct = (x: number) => (x / 1200) * 100;
    expect(c.user).toBeCloseTo(pct(400));
    expect(c.guest).toBeCloseTo(pct(200));
    expect(c.guestNice).toBeCloseTo(pct(50));
    expect(c.idle).toBeCloseTo(pct(300));
    expect(c.busy).toBeCloseTo(pct(800));
    const sum = c.user + c.nice + c.system + c.idle + c.iowait + c.irq + c.softirq + c.steal;
    expect(sum).toBeCloseTo(100);
  });

  it('CPU: a mode stepping back is clamped (tickless iowait), the total going back (reboot) is null', () => {
    const prev = at(0, { cpu: { total: cpu({ user: 100, idle: 1000, iowait: 50 }), per_cpu: [{ cpu: 'cpu0', ...cpu({ user: 100, idle: 1000 }) }] } });
    const stepped = deriveRates(prev, at(1000, { cpu: { total: cpu({ user: 200, idle: 1100, iowait: 48 }), per_cpu: [{ cpu: 'cpu0', ...cpu({ user: 150, idle: 1050 }) }] } }))!;
    expect(stepped.cpu!.iowait).toBe(0);
    expect(stepped.cpu!.user).toBe(50);
    expect(stepped.perCpu.cpu0!.busy).toBe(50);
    const rebooted = deriveRates(prev, at(1000, { cpu: { total: cpu({ user: 10, idle: 90 }), per_cpu: [] } }))!;
    expect(rebooted.cpu).toBeNull();
    expect(deriveRates(prev, at(1000, { cpu: prev.cpu }))!.cpu).toBeNull();
  });

  it('memory used is MemTotal − MemAvailable at the later sample (free+buffers+cached on old kernels)', () => {
    const r = deriveRates(at(0), at(1000, { meminfo: { MemTotal: 1000, MemAvailable: 250, MemFree: 10 } }))!;
    expect(r.memory).toEqual({ totalKb: 1000, availableKb: 250, usedKb: 750, usedBytes: 750 * 1024, usedPercent: 75 });
    const old = deriveRates(at(0), at(1000, { meminfo: { MemTotal: 1000, MemFree: 100, Buffers: 50, Cached: 250 } }))!;
    expect(old.memory!.usedKb).toBe(600);
    expect(deriveRates(at(0), at(1000))!.memory).toBeNull();
  });
});

describe('computeRates', () => {
  it('gives null for the first sample (not 0) and pairs the rest', () => {
    const samples = [0, 1000, 3000].map((ms, i) => at(ms, { netdev: [iface('lo', { rx_bytes: i * 6000 })] }));
    const rates = computeRates(samples);
    expect(rates).toHaveLength(3);
    expect(rates[0]).toBeNull();
    expect(rates[1]!.net.lo!.rxBytesPerSec).toBe(6000);
    expect(rates[2]!.net.lo!.rxBytesPerSec).toBe(3000);
    expect(computeRates([])).toEqual([]);
  });
});

describe('on this machine', () => {
  it('sees loopback traffic, CPU work and disk writes between two real samples', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlps-rates-'));
    const before = collectTimeseriesSampleSync();
    const payload = Buffer.alloc(4 << 20, 1);
    await new Promise<void>((resolve, reject) => {
      const server = net.createServer((socket) => {
        socket.on('data', () => undefined);
        socket.on('end', () => {
          socket.end();
          server.close();
          resolve();
        });
      });
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        const client = net.connect(port, '127.0.0.1', () => client.end(payload));
        client.on('error', reject);
      });
    });
    const spinUntil = Date.now() + 300;
    let spins = 0;
    while (Date.now() < spinUntil) spins++;
    const file = path.join(dir, 'blob');
    fs.writeFileSync(file, Buffer.alloc(8 << 20, 7));
    execFileSync('sync');
    const after = collectTimeseriesSampleSync();
    fs.rmSync(dir, { recursive: true, force: true });

    const r = deriveRates(before, after)!;
    expect(spins).toBeGreaterThan(0);
    expect(r.intervalSource).toBe('uptime');
    expect(r.intervalSeconds).toBeGreaterThan(0.25);
    expect(r.net.lo!.rxBytesPerSec * r.intervalSeconds).toBeGreaterThanOrEqual(4 << 20);
    expect(r.cpu!.busy).toBeGreaterThan(0);
    expect(r.memory!.usedKb).toBeGreaterThan(0);
    // The written bytes reach some block device (which one depends on where tmp lives).
    const written = Object.values(r.disks).reduce((sum, d) => Math.max(sum, d.writeBytesPerSec * r.intervalSeconds), 0);
    expect(written).toBeGreaterThan(0);
  });
});

describe('properties (fast-check)', () => {
  const counter = fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constant(0));
  const diskArb = fc.record({
    name: fc.constantFrom('sda', 'sdb', 'nvme0n1'),
    minor: fc.constantFrom(0, 16),
    c: fc.array(counter, { minLength: 11, maxLength: 11 }),
  }).map(({ name, minor, c }) => disk(name, {
    minor, reads_completed: c[0], reads_merged: c[1], sectors_read: c[2], time_reading_ms: c[3], writes_completed: c[4],
    writes_merged: c[5], sectors_written: c[6], time_writing_ms: c[7], ios_in_progress: c[8], time_doing_ios_ms: c[9], weighted_time_doing_ios_ms: c[10],
  }));
  const ifaceArb = fc.record({ name: fc.constantFrom('lo', 'eth0'), c: fc.array(counter, { minLength: 8, maxLength: 8 }) }).map(({ name, c }) =>
    iface(name, { rx_bytes: c[0], tx_bytes: c[1], rx_packets: c[2], tx_packets: c[3], rx_errors: c[4], tx_errors: c[5], rx_dropped: c[6], tx_dropped: c[7] }));
  const cpuArb = fc.array(counter, { minLength: 10, maxLength: 10 }).map((c) =>
    cpu({ user: c[0], nice: c[1], system: c[2], idle: c[3], iowait: c[4], irq: c[5], softirq: c[6], steal: c[7], guest: c[8], guest_nice: c[9] }));
  const sampleArb = fc.record(
    {
      ms: fc.integer({ min: -5_000, max: 5_000_000 }),
      uptime: fc.option(fc.double({ min: 0, max: 1e7, noNaN: true }), { nil: undefined }),
      diskstats: fc.array(diskArb, { maxLength: 4 }),
      netdev: fc.array(ifaceArb, { maxLength: 3 }),
      total: cpuArb,
      perCpu: fc.array(cpuArb, { maxLength: 2 }),
      meminfo: fc.dictionary(fc.constantFrom('MemTotal', 'MemAvailable', 'MemFree', 'Buffers', 'Cached'), counter),
    },
    { requiredKeys: ['ms', 'diskstats', 'netdev', 'total', 'perCpu', 'meminfo'] },
  ).map((s): TimeSeriesSample => ({
    timestamp: new Date(T0 + s.ms).toISOString(),
    hostname: 'h',
    uptime_seconds: s.uptime,
    diskstats: s.diskstats,
    netdev: s.netdev,
    cpu: { total: s.total, per_cpu: s.perCpu.map((c, i) => ({ cpu: `cpu${i}`, ...c })) },
    meminfo: s.meminfo,
  }));

  function numbersOf(rates: SampleRates): number[] {
    const out: number[] = [rates.intervalSeconds];
    const walk = (v: unknown): void => {
      if (typeof v === 'number') out.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk([rates.disks, rates.net, rates.cpu, rates.perCpu, rates.memory]);
    return out;
  }

  it('no rate is ever negative, NaN or infinite; percentages stay within 0–100', () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { minLength: 1, maxLength: 5 }), (samples) => {
        const rates = computeRates(samples);
        expect(rates[0]).toBeNull();
        for (const r of rates) {
          if (r === null) continue;
          expect(r.intervalSeconds).toBeGreaterThan(0);
          for (const n of numbersOf(r)) {
            expect(Number.isFinite(n)).toBe(true);
            expect(n).toBeGreaterThanOrEqual(0);
          }
          for (const d of Object.values(r.disks)) expect(d.utilPercent).toBeLessThanOrEqual(100);
          for (const c of [r.cpu, ...Object.values(r.perCpu)]) {
            if (c === null) continue;
            for (const v of Object.values(c)) expect(v).toBeLessThanOrEqual(100 + 1e-9);
          }
          if (r.memory) expect(r.memory.usedPercent).toBeLessThanOrEqual(100);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on samples missing any source', () => {
    const partialArb = sampleArb.chain((s) =>
      fc.record({ drop: fc.subarray(['diskstats', 'netdev', 'cpu', 'meminfo', 'uptime_seconds'] as const) }).map(({ drop }) => {
        const copy: Record<string, unknown> = { ...s };
        for (const key of drop) delete copy[key];
        return copy as unknown as TimeSeriesSample;
      }),
    );
    fc.assert(fc.property(partialArb, partialArb, (a, b) => {
      const r = deriveRates(a, b);
      if (r !== null) for (const n of numbersOf(r)) expect(Number.isFinite(n) && n >= 0).toBe(true);
    }));
  });
});

describe('interval resolution', () => {
  const base = (timestamp: string, uptime: number, rx: number): TimeSeriesSample => ({
    timestamp,
    hostname: 'h',
    uptime_seconds: uptime,
    netdev: [iface('eth0', { rx_bytes: rx })],
  });

  it('uses millisecond timestamps when they agree with the 10 ms uptime clock', () => {
    // 53 ms apart by the wall clock; /proc/uptime, at 10 ms resolution, says 50 or 60 ms.
    const r = deriveRates(base('2026-01-24T12:00:00.000Z', 100.0, 0), base('2026-01-24T12:00:00.053Z', 100.06, 53_000));
    expect(r?.intervalSeconds).toBeCloseTo(0.053, 6);
    expect(r?.intervalSource).toBe('uptime');
    expect(r?.net['eth0']?.rxBytesPerSec).toBeCloseTo(1_000_000, 0);
  });

  it('trusts uptime when the wall clock stepped between samples', () => {
    const r = deriveRates(base('2026-01-24T12:00:00.000Z', 100.0, 0), base('2026-01-24T12:00:05.000Z', 101.0, 1000));
    expect(r?.intervalSeconds).toBeCloseTo(1.0, 6);
  });
});
