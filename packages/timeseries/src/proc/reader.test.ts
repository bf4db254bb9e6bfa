import { closeSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimeSeriesCollector } from '../collector';
import { ProcReader, ensureRoom, type ProcSourceFile } from './reader';

const FILES: ProcSourceFile[] = [
  { key: 'uptime', path: 'uptime', optional: false },
  { key: 'stat', path: 'stat', optional: false },
  { key: 'pressure/cpu', path: 'pressure/cpu', optional: true },
];

/** Descriptors of this process that point at `target`. */
function fdsOf(target: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`) === target) out.push(Number(name));
    } catch {
      // The listing's own descriptor is gone by now.
    }
  }
  return out;
}

function uptimeOf(texts: Record<string, string>): number {
  return Number((texts.uptime ?? '').split(' ')[0]);
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'mlps-reader-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('ProcReader on the real /proc', () => {
  it('keeps one descriptor per file open and reads fresh values through it', async () => {
    const before = fdsOf('/proc/uptime').length;
    const reader = new ProcReader('/proc', FILES);
    const a: Record<string, string> = {};
    const errors: Record<string, string> = {};
    reader.readAll(a, errors);
    expect(fdsOf('/proc/uptime')).toHaveLength(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 60)); // /proc/uptime moves in 10 ms steps
    const b: Record<string, string> = {};
    reader.readAll(b, errors);
    expect(errors).toEqual({});
    expect(fdsOf('/proc/uptime')).toHaveLength(before + 1); // the same descriptor, not a new one
    expect(uptimeOf(b)).toBeGreaterThan(uptimeOf(a));
    expect(b.stat).toMatch(/^cpu /);
    reader.close();
    expect(fdsOf('/proc/uptime')).toHaveLength(before);
    expect(reader.isClosed).toBe(true);
    reader.close(); // idempotent
  });

  it('reopens a descriptor closed behind its back, and still reads after close()', () => {
    const reader = new ProcReader('/proc', FILES);
    const texts: Record<string, string> = {};
    const errors: Record<string, string> = {};
    const before = new Set(fdsOf('/proc/uptime'));
    reader.readAll(texts, errors);
    const mine = fdsOf('/proc/uptime').filter((fd) => !before.has(fd));
    expect(mine).toHaveLength(1);
    closeSync(mine[0] as number);
    const again: Record<string, string> = {};
    reader.readAll(again, errors);
    expect(errors).toEqual({});
    expect(uptimeOf(again)).toBeGreaterThan(0);
    reader.close();
    const after: Record<string, string> = {};
    reader.readAll(after, errors);
    expect(uptimeOf(after)).toBeGreaterThan(0);
    expect(fdsOf('/proc/uptime').filter((fd) => !before.has(fd))).toHaveLength(0);
  });
});

describe('ProcReader on a plain directory', () => {
  it('opens files per read, so a file replaced by rename is read anew', () => {
    const root = join(scratch, 'tree');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'uptime'), '1.00 2.00\n');
    writeFileSync(join(root, 'stat'), 'cpu  1 2 3 4\n');
    const reader = new ProcReader(root, FILES);
    const a: Record<string, string> = {};
    const errors: Record<string, string> = {};
    reader.readAll(a, errors);
    expect(a).toEqual({ uptime: '1.00 2.00\n', stat: 'cpu  1 2 3 4\n' });
    expect(errors).toEqual({}); // no pressure/ directory: no PSI, no error
    writeFileSync(join(root, 'uptime.new'), '5.00 6.00\n');
    renameSync(join(root, 'uptime.new'), join(root, 'uptime'));
    const b: Record<string, string> = {};
    reader.readAll(b, errors);
    expect(b.uptime).toBe('5.00 6.00\n');
    expect(fdsOf(join(root, 'uptime'))).toHaveLength(0);
  });

  it('names an unreadable required file with its errno and path', () => {
    const root = join(scratch, 'broken');
    mkdirSync(join(root, 'pressure'), { recursive: true });
    writeFileSync(join(root, 'uptime'), '1.00 2.00\n');
    const texts: Record<string, string> = {};
    const errors: Record<string, string> = {};
    new ProcReader(root, FILES).readAll(texts, errors);
    expect(texts).toEqual({ uptime: '1.00 2.00\n' });
    expect(errors).toEqual({ stat: `ENOENT: cannot read ${join(root, 'stat')}` });
  });

  it('keeps descriptors of a plain directory only when asked to', () => {
    const root = join(scratch, 'kept');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'uptime'), '7.00 8.00\n');
    writeFileSync(join(root, 'stat'), 'cpu  1 2 3 4\n');
    const reader = new ProcReader(root, FILES, { keepOpen: true });
    const texts: Record<string, string> = {};
    const errors: Record<string, string> = {};
    reader.readAll(texts, errors);
    expect(fdsOf(join(root, 'uptime'))).toHaveLength(1);
    expect(errors).toEqual({}); // pressure/cpu: ENOENT on an optional file is "no PSI"
    writeFileSync(join(root, 'uptime'), '9.50 8.00\n'); // same inode, rewritten: pread sees it
    reader.readAll(texts, errors);
    expect(texts.uptime).toBe('9.50 8.00\n');
    reader.close();
    expect(fdsOf(join(root, 'uptime'))).toHaveLength(0);
  });
});

describe("TimeSeriesCollector's reader", () => {
  it('keeps the /proc files open while collecting and closes them when stopped', async () => {
    const before = fdsOf('/proc/diskstats').length;
    const collector = new TimeSeriesCollector({ intervalSeconds: 0.05, logger: { warn: () => undefined } });
    collector.start();
    await new Promise((resolve) => setTimeout(resolve, 180));
    expect(fdsOf('/proc/diskstats')).toHaveLength(before + 1);
    const samples = await collector.stop();
    expect(fdsOf('/proc/diskstats')).toHaveLength(before);
    expect(samples.length).toBeGreaterThanOrEqual(2);
    const uptimes = samples.map((s) => s.uptime_seconds ?? NaN);
    expect(uptimes[uptimes.length - 1]).toBeGreaterThan(uptimes[0] as number);
    expect(samples.every((s) => s.errors === undefined)).toBe(true);
  });
});

describe('ProcReader synthesized files', () => {
  it('reads a made text beside real files; a throw is a failed read, ENOENT of an optional one is absence', () => {
    let calls = 0;
    const files: ProcSourceFile[] = [
      { key: 'uptime', path: 'uptime', optional: false },
      {
        key: 'made',
        path: 'made',
        optional: false,
        synthesize: (root, target, at) => {
          calls++;
          const text = `root ${root} call ${calls}\n`;
          ensureRoom(target, at, text.length);
          return target.buf.write(text, at, 'latin1');
        },
      },
      { key: 'gone', path: 'gone', optional: true, synthesize: () => { throw Object.assign(new Error('no'), { code: 'ENOENT' }); } },
      { key: 'bad', path: 'bad', optional: false, synthesize: () => { throw Object.assign(new Error('denied'), { code: 'EACCES' }); } },
    ];
    const reader = new ProcReader('/proc', files);
    const texts: Record<string, string> = {};
    const errors: Record<string, string> = {};
    reader.readAll(texts, errors);
    reader.close();
    expect(texts.made).toBe('root /proc call 1\n');
    expect(uptimeOf(texts)).toBeGreaterThan(0);
    expect(texts.gone).toBeUndefined();
    expect(errors.gone).toBeUndefined();
    expect(errors.bad).toBe('EACCES: cannot read /proc/bad');
  });
});

describe('ProcReader optional files', () => {
  it('reads an optional file of any source in a plain tree (not only PSI), and notices one that appears later', () => {
    const root = mkdtempSync(join(tmpdir(), 'mlps-reader-optional-'));
    try {
      writeFileSync(join(root, 'uptime'), '1.00 2.00\n');
      const files: ProcSourceFile[] = [
        { key: 'uptime', path: 'uptime', optional: false },
        { key: 'fs/cifs/Stats', path: 'fs/cifs/Stats', optional: true },
      ];
      // A plain tree without pressure/: the optional file is still read.
      mkdirSync(join(root, 'fs/cifs'), { recursive: true });
      writeFileSync(join(root, 'fs/cifs/Stats'), 'Resources in use\n');
      const texts: Record<string, string> = {};
      new ProcReader(root, files).readAll(texts, {});
      expect(texts['fs/cifs/Stats']).toBe('Resources in use\n');
      // Kept descriptors (as on procfs): absent at first, loaded "mid-run", seen within 64 reads.
      rmSync(join(root, 'fs/cifs/Stats'));
      const reader = new ProcReader(root, files, { keepOpen: true });
      let seenAt = -1;
      for (let n = 1; n <= 70 && seenAt < 0; n++) {
        if (n === 3) writeFileSync(join(root, 'fs/cifs/Stats'), 'Resources in use\n');
        const t: Record<string, string> = {};
        const e: Record<string, string> = {};
        reader.readAll(t, e);
        expect(e).toEqual({});
        if (t['fs/cifs/Stats'] !== undefined) seenAt = n;
      }
      reader.close();
      expect(seenAt).toBeGreaterThan(3);
      expect(seenAt).toBeLessThanOrEqual(64);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
