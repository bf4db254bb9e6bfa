import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMlpsError } from './errors';
import {
  SAMPLE_SOURCE_FILES,
  buildSampleFromSourceTexts,
  collectTimeseriesSample,
  collectTimeseriesSampleSync,
  formatTimestamp,
} from './sampling';

const REAL_ROOT = join(__dirname, '__fixtures__/proc/real');
/** The reference's `%Y-%m-%dT%H:%M:%SZ`: whole seconds, no fraction. */
const REFERENCE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'mlps-sampling-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** A copy of the real fixture tree, then `edit` applied to it. */
function procTree(name: string, edit: (root: string) => void = () => {}): string {
  const root = join(scratch, name);
  cpSync(REAL_ROOT, root, { recursive: true });
  edit(root);
  return root;
}

describe('SAMPLE_SOURCE_FILES', () => {
  it('lists the files of a sample relative to the proc root, keyed as remote collection sends them', () => {
    expect(SAMPLE_SOURCE_FILES.map((f) => [f.source, f.key, f.path])).toEqual([
      ['diskstats', 'diskstats', 'diskstats'],
      ['vmstat', 'vmstat', 'vmstat'],
      ['meminfo', 'meminfo', 'meminfo'],
      ['loadavg', 'loadavg', 'loadavg'],
      ['netdev', 'net/dev', 'net/dev'],
      ['cpu', 'stat', 'stat'],
      ['pressure', 'pressure/cpu', 'pressure/cpu'],
      ['pressure', 'pressure/memory', 'pressure/memory'],
      ['pressure', 'pressure/io', 'pressure/io'],
      ['uptime', 'uptime', 'uptime'],
      ['nfs', 'self/mountstats', 'self/mountstats'],
      ['cifs', 'fs/cifs/Stats', 'fs/cifs/Stats'],
      ['lustre', 'fs/lustre/llite/*/stats', 'fs/lustre/llite'],
    ]);
    // Optional: absent without error (no PSI, no NFS mount, no cifs module, no Lustre).
    expect(SAMPLE_SOURCE_FILES.filter((f) => f.optional).map((f) => f.key)).toEqual([
      'pressure/cpu', 'pressure/memory', 'pressure/io', 'self/mountstats', 'fs/cifs/Stats', 'fs/lustre/llite/*/stats',
    ]);
    // Made by the local sampler from files found by a pattern: the remote loop cannot `cat` it.
    expect(SAMPLE_SOURCE_FILES.filter((f) => f.synthesized).map((f) => f.key)).toEqual(['fs/lustre/llite/*/stats']);
    expect(Object.isFrozen(SAMPLE_SOURCE_FILES)).toBe(true);
  });
});

describe('formatTimestamp', () => {
  it("formats UTC in the reference's %Y-%m-%dT%H:%M:%SZ, the fraction truncated as strftime does", () => {
    expect(formatTimestamp(Date.UTC(2026, 0, 24, 12, 0, 0, 123))).toBe('2026-01-24T12:00:00Z');
    expect(formatTimestamp(Date.UTC(2026, 0, 24, 12, 0, 0, 999))).toBe('2026-01-24T12:00:00Z');
    expect(formatTimestamp(Date.UTC(2026, 11, 31, 23, 59, 59))).toBe('2026-12-31T23:59:59Z');
    expect(formatTimestamp(1.9)).toBe('1970-01-01T00:00:00Z');
    // Before the epoch the second is floored too (what the clock read), not rounded toward zero.
    expect(formatTimestamp(-1)).toBe('1969-12-31T23:59:59Z');
  });

  it('gives the epoch for a value that is no time rather than throwing', () => {
    for (const bad of [NaN, Infinity, -Infinity, 8.64e15 + 1, 'x' as unknown as number]) {
      expect(formatTimestamp(bad)).toBe('1970-01-01T00:00:00Z');
    }
  });
});

describe('collectTimeseriesSampleSync on this machine', () => {
  it('reads every source of the real /proc with plausible values and no errors', () => {
    const before = Date.now();
    const sample = collectTimeseriesSampleSync();
    const after = Date.now();
    expect(sample.errors).toBeUndefined();
    expect(sample.timestamp).toMatch(REFERENCE_TIME);
    const stamped = sample.timestamp_ms as number;
    expect(Number.isInteger(stamped)).toBe(true);
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(after);
    expect(Date.parse(sample.timestamp)).toBe(Math.floor(stamped / 1000) * 1000);
    expect(sample.hostname).toBe(hostname());
    expect(sample.meminfo?.MemTotal).toBeGreaterThan(0);
    expect(sample.meminfo?.MemAvailable).toBeLessThanOrEqual(sample.meminfo?.MemTotal ?? 0);
    expect(Object.keys(sample.vmstat ?? {}).length).toBeGreaterThan(50);
    expect(sample.vmstat?.pgpgin).toBeGreaterThanOrEqual(0);
    expect(sample.netdev?.map((n) => n.interface_name)).toContain('lo');
    expect(sample.diskstats?.length).toBeGreaterThan(0);
    expect(sample.cpu?.total.user).toBeGreaterThanOrEqual(0);
    expect(sample.cpu?.total.idle).toBeGreaterThan(0);
    expect(sample.cpu?.ctxt).toBeGreaterThan(0);
    expect(sample.loadavg?.total_processes).toBeGreaterThan(0);
    expect(sample.uptime_seconds).toBeGreaterThan(0);
  });

  it('has one per-CPU record for each CPU of the machine', () => {
    const sample = collectTimeseriesSampleSync();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cpus = require('node:os').cpus().length as number;
    expect(sample.cpu?.per_cpu).toHaveLength(cpus);
  });

  it('reads PSI where the kernel has it (this machine does)', () => {
    const sample = collectTimeseriesSampleSync();
    expect(Object.keys(sample.pressure ?? {}).sort()).toEqual(['cpu', 'io', 'memory']);
    expect(sample.pressure?.memory?.some?.total).toBeGreaterThanOrEqual(0);
  });

  it('sees counters move: a second sample never has smaller cumulative counters', () => {
    const a = collectTimeseriesSampleSync();
    writeFileSync(join(scratch, 'io-between-samples'), Buffer.alloc(1 << 20));
    const b = collectTimeseriesSampleSync();
    expect(b.uptime_seconds).toBeGreaterThanOrEqual(a.uptime_seconds ?? Infinity);
    expect(b.cpu?.ctxt).toBeGreaterThanOrEqual(a.cpu?.ctxt ?? Infinity);
    const lo = (s: typeof a) => s.netdev?.find((n) => n.interface_name === 'lo')?.rx_bytes ?? -1;
    expect(lo(b)).toBeGreaterThanOrEqual(lo(a));
  });

  it('the async form resolves with the same kind of sample', async () => {
    const sample = await collectTimeseriesSample({ hostname: 'async-host' });
    expect(sample.hostname).toBe('async-host');
    expect(sample.errors).toBeUndefined();
    expect(sample.meminfo?.MemTotal).toBeGreaterThan(0);
  });
});

describe('collectTimeseriesSampleSync on a fixture proc root', () => {
  it('gives the exact values of the captured files, timestamp and hostname as asked', () => {
    const sample = collectTimeseriesSampleSync({
      procRoot: REAL_ROOT,
      hostname: 'node-7',
      wallMs: Date.UTC(2026, 0, 24, 12, 0, 0, 5),
    });
    expect(sample.timestamp).toBe('2026-01-24T12:00:00Z');
    expect(sample.timestamp_ms).toBe(Date.UTC(2026, 0, 24, 12, 0, 0, 5));
    expect(sample.hostname).toBe('node-7');
    expect(sample.errors).toBeUndefined();
    expect(sample.diskstats).toHaveLength(10);
    expect(sample.diskstats?.[8]).toMatchObject({ device_name: 'vda', reads_completed: 42293, time_flushing_ms: 132 });
    expect(sample.meminfo?.MemTotal).toBe(24683656);
    expect(sample.vmstat?.nr_free_pages).toBe(983846);
    expect(sample.loadavg).toEqual({ load_1min: 1.54, load_5min: 0.57, load_15min: 0.23, running_processes: 1, total_processes: 93 });
    expect(sample.netdev?.map((n) => [n.interface_name, n.rx_bytes])).toEqual([
      ['lo', 13757],
      ['ifb0', 0],
      ['ifb1', 0],
      ['eth0', 354421390],
    ]);
    expect(sample.cpu?.total.user).toBe(12615);
    expect(sample.cpu?.intr).toBe(364985);
    expect(sample.pressure?.cpu?.some).toEqual({ avg10: 29.02, avg60: 13.1, avg300: 5.23, total: 24484932 });
    expect(sample.pressure?.io?.full?.total).toBe(2722813);
    expect(sample.uptime_seconds).toBe(444.27);
    expect(Object.keys(sample)).toEqual([
      'timestamp', 'timestamp_ms', 'hostname', 'diskstats', 'vmstat', 'meminfo', 'loadavg', 'netdev', 'cpu', 'pressure', 'uptime_seconds',
    ]);
  });

  it('names each missing file in errors and keeps every other source', () => {
    const root = procTree('missing', (r) => {
      rmSync(join(r, 'diskstats'));
      rmSync(join(r, 'net'), { recursive: true });
      rmSync(join(r, 'uptime'));
    });
    const sample = collectTimeseriesSampleSync({ procRoot: root, hostname: 'h' });
    expect(sample.errors).toEqual({
      diskstats: `ENOENT: cannot read ${join(root, 'diskstats')}`,
      netdev: `ENOENT: cannot read ${join(root, 'net/dev')}`,
      uptime: `ENOENT: cannot read ${join(root, 'uptime')}`,
    });
    expect(sample).not.toHaveProperty('diskstats');
    expect(sample).not.toHaveProperty('netdev');
    expect(sample).not.toHaveProperty('uptime_seconds');
    expect(sample.meminfo?.MemTotal).toBe(24683656);
    expect(sample.cpu?.total.user).toBe(12615);
    expect(sample.pressure?.cpu?.some?.total).toBe(24484932);
  });

  it('treats a missing pressure directory (kernel without PSI) as no error', () => {
    const root = procTree('no-psi', (r) => rmSync(join(r, 'pressure'), { recursive: true }));
    const sample = collectTimeseriesSampleSync({ procRoot: root });
    expect(sample.errors).toBeUndefined();
    expect(sample).not.toHaveProperty('pressure');
    expect(sample.meminfo?.MemTotal).toBe(24683656);
  });

  it('keeps the PSI files present when one is missing, and names one that does not parse', () => {
    const root = procTree('psi-partial', (r) => {
      rmSync(join(r, 'pressure/memory'));
      writeFileSync(join(r, 'pressure/io'), 'not psi\n');
    });
    const sample = collectTimeseriesSampleSync({ procRoot: root });
    expect(Object.keys(sample.pressure ?? {})).toEqual(['cpu']);
    expect(sample.errors).toEqual({ 'pressure/io': 'no valid lines in pressure/io' });
  });

  it('names sources that are unreadable, empty or unparseable', () => {
    const root = procTree('bad', (r) => {
      rmSync(join(r, 'stat'));
      mkdirSync(join(r, 'stat')); // a directory where a file should be: EISDIR on read
      writeFileSync(join(r, 'vmstat'), '');
      writeFileSync(join(r, 'loadavg'), 'garbage\n');
      writeFileSync(join(r, 'meminfo'), Buffer.from([0, 1, 2, 255, 254, 10, 0]));
    });
    const sample = collectTimeseriesSampleSync({ procRoot: root });
    expect(sample.errors).toEqual({
      cpu: `EISDIR: cannot read ${join(root, 'stat')}`,
      vmstat: 'empty: vmstat',
      loadavg: 'no valid lines in loadavg',
      meminfo: 'no valid lines in meminfo',
    });
    expect(sample.diskstats).toHaveLength(10);
    expect(sample.netdev).toHaveLength(4);
  });

  it('returns a sample naming every required source when the proc root does not exist', async () => {
    const root = join(scratch, 'does-not-exist');
    const sample = collectTimeseriesSampleSync({ procRoot: root, hostname: 'ghost', wallMs: 0 });
    expect(sample.timestamp).toBe('1970-01-01T00:00:00Z');
    expect(sample.timestamp_ms).toBe(0);
    expect(sample.hostname).toBe('ghost');
    expect(Object.keys(sample.errors ?? {}).sort()).toEqual(['cpu', 'diskstats', 'loadavg', 'meminfo', 'netdev', 'uptime', 'vmstat']);
    expect(Object.keys(sample)).toEqual(['timestamp', 'timestamp_ms', 'hostname', 'errors']);
    await expect(collectTimeseriesSample({ procRoot: root })).resolves.toHaveProperty('errors.meminfo');
  });

  it('reads files larger than its read buffer whole (a many-CPU /proc/stat)', () => {
    const cpus = 5000;
    const lines = ['cpu  1 2 3 4 5 6 7 8 9 10'];
    for (let i = 0; i < cpus; i++) lines.push(`cpu${i} ${i} 0 ${i * 2} 100000 0 0 0 0 0 0`);
    lines.push('ctxt 123456789', '');
    const root = procTree('big-stat', (r) => writeFileSync(join(r, 'stat'), lines.join('\n')));
    expect(lines.join('\n').length).toBeGreaterThan(128 * 1024);
    const sample = collectTimeseriesSampleSync({ procRoot: root });
    expect(sample.cpu?.per_cpu).toHaveLength(cpus);
    expect(sample.cpu?.per_cpu[cpus - 1]).toMatchObject({ cpu: `cpu${cpus - 1}`, user: cpus - 1, system: (cpus - 1) * 2 });
    expect(sample.cpu?.ctxt).toBe(123456789);
    // The shared buffer must not leak a big file's tail into the next, smaller read.
    expect(collectTimeseriesSampleSync({ procRoot: REAL_ROOT }).cpu?.per_cpu).toHaveLength(2);
  });

  it('rejects invalid options with INVALID_ARGUMENT naming the value', async () => {
    for (const options of [{ procRoot: '' }, { procRoot: 42 }, { hostname: 7 }, { wallMs: NaN }, { wallMs: '1' }]) {
      let caught: unknown;
      try {
        collectTimeseriesSampleSync(options as never);
      } catch (error) {
        caught = error;
      }
      expect(isMlpsError(caught)).toBe(true);
      expect((caught as { code: string }).code).toBe('INVALID_ARGUMENT');
      expect((caught as Error).message).toMatch(/procRoot|hostname|wallMs/);
    }
    await expect(collectTimeseriesSample({ procRoot: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('buildSampleFromSourceTexts', () => {
  const texts = (): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const f of SAMPLE_SOURCE_FILES) {
      // The capture has no mountstats, cifs or Lustre file: those optional sources are simply absent.
      if (f.optional && f.source !== 'pressure') continue;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      out[f.key] = require('node:fs').readFileSync(join(REAL_ROOT, f.path), 'utf8') as string;
    }
    return out;
  };

  it('builds the same sample as local collection from the same texts', () => {
    const local = collectTimeseriesSampleSync({ procRoot: REAL_ROOT, hostname: 'h', wallMs: 1000 });
    const built = buildSampleFromSourceTexts({ timestamp: formatTimestamp(1000), hostname: 'h', texts: texts() });
    expect(built).toEqual(local);
  });

  it('names a missing required text, not a missing pressure text', () => {
    const t = texts();
    delete t['net/dev'];
    delete t['pressure/io'];
    const sample = buildSampleFromSourceTexts({ timestamp: 't', hostname: 'h', texts: t });
    expect(sample.errors).toEqual({ netdev: 'missing: net/dev was not read' });
    expect(Object.keys(sample.pressure ?? {})).toEqual(['cpu', 'memory']);
  });

  it('keeps the read errors it is given, under source names, and unknown keys as they are', () => {
    const t = texts();
    delete t['net/dev'];
    delete t.stat;
    const sample = buildSampleFromSourceTexts({
      timestamp: 't',
      hostname: 'h',
      texts: t,
      errors: { 'net/dev': 'EACCES: cannot read /proc/net/dev', cpu: 'EIO: cannot read /proc/stat', clock: 'date failed' },
    });
    expect(sample.errors).toEqual({
      netdev: 'EACCES: cannot read /proc/net/dev',
      cpu: 'EIO: cannot read /proc/stat',
      clock: 'date failed',
    });
  });

  it('omits errors when every source parsed', () => {
    const sample = buildSampleFromSourceTexts({ timestamp: 't', hostname: 'h', texts: texts(), errors: {} });
    expect(sample).not.toHaveProperty('errors');
  });

  it('never throws on texts that are not texts', () => {
    const sample = buildSampleFromSourceTexts({
      timestamp: 't',
      hostname: 'h',
      texts: { diskstats: 5, vmstat: null, meminfo: {}, 'pressure/cpu': [] } as never,
    });
    expect(Object.keys(sample.errors ?? {}).sort()).toEqual(['cpu', 'diskstats', 'loadavg', 'meminfo', 'netdev', 'uptime', 'vmstat']);
    expect(sample).not.toHaveProperty('pressure');
  });
});
