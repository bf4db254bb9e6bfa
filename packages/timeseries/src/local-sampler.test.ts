import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSampler } from './local-sampler';
import { isPackedSample } from './packed-sample';
import { diskstatsSource } from './proc/diskstats';
import { loadavgSource } from './proc/loadavg';
import { singleFileSource, type ProcSource } from './proc/source';
import { collectTimeseriesSampleSync, SAMPLE_SOURCE_FILES } from './sampling';
import type { TimeSeriesSample } from './types';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A copy of this machine's /proc sample files, to rewrite between reads. */
function copyOfProc(): string {
  const root = mkdtempSync(join(tmpdir(), 'mlps-local-sampler-'));
  roots.push(root);
  for (const f of SAMPLE_SOURCE_FILES) {
    let text: string;
    try {
      text = readFileSync(join('/proc', f.path), 'utf8');
    } catch {
      continue; // no PSI here
    }
    mkdirSync(join(root, f.path, '..'), { recursive: true });
    writeFileSync(join(root, f.path), text);
  }
  return root;
}

/** Every number token of every file bumped, so a new read has new values but the same shape. */
function bumpNumbers(root: string, by: number): void {
  for (const f of SAMPLE_SOURCE_FILES) {
    const path = join(root, f.path);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    // Only numbers standing alone (not the 0 of cpu0 or sda1): the same rule the templates use.
    writeFileSync(path, text.replace(/(^|[\s/=:])(\d+)(?=[\s/]|$)/gm, (_m, pre: string, digits: string) => `${pre}${Number(digits) + by}`));
  }
}

const asSample = (s: ReturnType<LocalSampler['sample']>): TimeSeriesSample => (isPackedSample(s) ? s.toSample() : s);

describe('LocalSampler', () => {
  it('on real /proc: learns a template at the first read, then scans every read without parsing', () => {
    const sampler = new LocalSampler({ hostname: 'me' });
    try {
      const taken = sampler.sample(Date.now());
      // The first read is parsed, a template learned from it, and the sample handed on packed.
      expect(isPackedSample(taken)).toBe(true);
      expect(sampler.stats).toMatchObject({ parsed: 1, learned: 1 });
      const first = asSample(taken);
      let fast = 0;
      for (let i = 0; i < 20; i++) if (isPackedSample(sampler.sample(Date.now()))) fast++;
      // A device or interface may come and go on a busy machine: nearly every read is fast, none lost.
      expect(fast).toBeGreaterThanOrEqual(18);
      const s = asSample(sampler.sample(1_769_256_000_123));
      expect(s.timestamp).toBe('2026-01-24T12:00:00Z');
      expect(s.timestamp_ms).toBe(1_769_256_000_123);
      expect(s.hostname).toBe('me');
      expect(Object.keys(s)).toEqual(Object.keys(first));
      expect(s.cpu!.total.user).toBeGreaterThanOrEqual(first.cpu!.total.user);
      // This machine has mountstats but no NFS mount, no cifs module, no Lustre: no key and no error, and
      // the mountstats bytes (read every tick) do not keep reads off the fast path.
      expect(readFileSync('/proc/self/mountstats', 'utf8')).not.toMatch(/ with fstype nfs4? /);
      expect(first.errors).toBeUndefined();
      expect(first).not.toHaveProperty('nfs');
      expect(first).not.toHaveProperty('cifs');
      expect(first).not.toHaveProperty('lustre');
    } finally {
      sampler.close();
    }
  });

  it('gives exactly what the parsers give for the same bytes', () => {
    const root = copyOfProc();
    const sampler = new LocalSampler({ procRoot: root, hostname: 'h' });
    sampler.sample(1000);
    for (let round = 1; round <= 3; round++) {
      bumpNumbers(root, round * 7);
      const fast = sampler.sample(2000 + round);
      expect(isPackedSample(fast)).toBe(true);
      const parsed = collectTimeseriesSampleSync({ procRoot: root, hostname: 'h', wallMs: 2000 + round });
      expect(asSample(fast)).toEqual(parsed);
      expect(JSON.stringify(asSample(fast))).toBe(JSON.stringify(parsed));
    }
    expect(sampler.stats).toMatchObject({ fast: 3, parsed: 1, learned: 1, unlearnable: 0 });
    // The packed sample of the learning read is the parse of that read.
    const again = new LocalSampler({ procRoot: root, hostname: 'h' });
    expect(asSample(again.sample(9000))).toEqual(collectTimeseriesSampleSync({ procRoot: root, hostname: 'h', wallMs: 9000 }));
  });

  it('scans an NFS mount of mountstats into the packed sample, values exactly as the parser gives them', () => {
    const root = copyOfProc();
    mkdirSync(join(root, 'self'), { recursive: true });
    // An older kernel's capture (TACC): every counter fits 15 digits, so the template scans it.
    const capture = readFileSync(join(__dirname, '__fixtures__/netfs/mountstats-tacc-nfs3-tcp-statvers1.0'), 'utf8');
    writeFileSync(join(root, 'self/mountstats'), `device proc mounted on /proc with fstype proc\n${capture}`);
    const sampler = new LocalSampler({ procRoot: root, hostname: 'h' });
    const first = asSample(sampler.sample(1000));
    expect(first.nfs).toHaveLength(1);
    expect(first.errors).toBeUndefined();
    for (let round = 1; round <= 3; round++) {
      bumpNumbers(root, round * 7);
      const fast = sampler.sample(2000 + round);
      expect(isPackedSample(fast)).toBe(true);
      const parsed = collectTimeseriesSampleSync({ procRoot: root, hostname: 'h', wallMs: 2000 + round });
      expect(asSample(fast)).toEqual(parsed);
      expect(parsed.nfs![0]!.per_op.WRITE!.ops).toBe(first.nfs![0]!.per_op.WRITE!.ops + [0, 7, 21, 42][round]!);
    }
    expect(sampler.stats).toMatchObject({ fast: 3, parsed: 1, learned: 1, unlearnable: 0 });
    // A second NFS mount appears: parsed, learned again, then scanned.
    writeFileSync(join(root, 'self/mountstats'), `${readFileSync(join(root, 'self/mountstats'), 'utf8')}${capture.replace('/ifs with', '/scratch with')}`);
    expect(asSample(sampler.sample(3000)).nfs!.map((m) => m.mount_point)).toEqual(['/ifs', '/scratch']);
    expect(isPackedSample(sampler.sample(3001))).toBe(true);
    sampler.close();
  });

  it('parses (and learns again) when the shape changes: a new disk, a renamed interface, a failed read', () => {
    const root = copyOfProc();
    const sampler = new LocalSampler({ procRoot: root, hostname: 'h' });
    sampler.sample(1000);
    writeFileSync(join(root, 'diskstats'), `${readFileSync(join(root, 'diskstats'), 'utf8')} 259       9 nvme9n1 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n`);
    const added = sampler.sample(2000);
    expect(sampler.stats).toMatchObject({ parsed: 2, learned: 2 });
    expect(asSample(added).diskstats!.at(-1)!.device_name).toBe('nvme9n1');
    expect(isPackedSample(sampler.sample(3000))).toBe(true);
    const net = readFileSync(join(root, 'net/dev'), 'utf8');
    writeFileSync(join(root, 'net/dev'), net.replace(/^(\s*)lo:/m, '$1lx:'));
    const renamed = asSample(sampler.sample(4000));
    expect(sampler.stats).toMatchObject({ parsed: 3, learned: 3 });
    expect(renamed.netdev!.map((n) => n.interface_name)).toContain('lx');
    // A value that is no longer a plain counter: parsed, so the parser's rule (drop the line) holds.
    writeFileSync(join(root, 'loadavg'), '0.50 0.40 x 1/100 42\n');
    const bad = sampler.sample(5000) as TimeSeriesSample;
    expect(isPackedSample(bad)).toBe(false);
    expect(bad.errors?.loadavg).toMatch(/no valid lines/);
    rmSync(join(root, 'loadavg'));
    const missing = sampler.sample(6000) as TimeSeriesSample;
    expect(isPackedSample(missing)).toBe(false);
    expect(missing.errors?.loadavg).toMatch(/ENOENT/);
    writeFileSync(join(root, 'loadavg'), '0.50 0.40 0.30 1/100 42\n');
    // Back to the shape learned before the faults: scanned again at once.
    const again = sampler.sample(7000);
    expect(isPackedSample(again)).toBe(true);
    expect(asSample(again).loadavg).toEqual({ load_1min: 0.5, load_5min: 0.4, load_15min: 0.3, running_processes: 1, total_processes: 100 });
  });

  it('never takes a number glued to a name for a counter (dm-0 is a name, not a value)', () => {
    const root = copyOfProc();
    writeFileSync(join(root, 'diskstats'), ' 253       0 dm-0 1 2 3 4 5 6 7 8 9 10 11\n');
    const sampler = new LocalSampler({ procRoot: root, hostname: 'h' });
    sampler.sample(1000);
    writeFileSync(join(root, 'diskstats'), ' 253       1 dm-1 1 2 3 4 5 6 7 8 9 10 11\n');
    const s = asSample(sampler.sample(2000));
    expect(sampler.stats).toMatchObject({ parsed: 2, fast: 0 });
    expect(s.diskstats![0]!.device_name).toBe('dm-1');
  });
});

describe('LocalSampler with a source that may have nothing to report', () => {
  // Like mountstats without an NFS mount: the file is there, the source gives a record only for some lines.
  const NFS_LIKE: ProcSource = singleFileSource({
    name: 'uptime',
    field: 'uptime_seconds',
    file: 'mounts-like',
    fields: ['bytes'],
    parse: (text) => {
      const m = /^device \S+ mounted on \S+ with fstype nfs\S* bytes: (\d+)$/m.exec(text);
      return m ? Number(m[1]) : null;
    },
    // Not exported or loaded here: what sampling does is under test.
    validate: (value) => value,
    metrics: { exportOrder: 0, emit: () => undefined },
  });
  const optional: ProcSource = {
    ...NFS_LIKE,
    build: (texts, errors) => {
      const record = NFS_LIKE.build(texts, errors);
      delete errors.uptime; // "no valid lines" is not an error here: no such mount
      return record;
    },
  };

  it('scans while nothing changes, parses (and reports) when a mount that gives a record appears', () => {
    const root = mkdtempSync(join(tmpdir(), 'mlps-local-sampler-opt-'));
    roots.push(root);
    const sources = [loadavgSource, optional];
    writeFileSync(join(root, 'loadavg'), '0.50 0.40 0.30 1/100 42\n');
    writeFileSync(join(root, 'mounts-like'), 'device proc mounted on /proc with fstype proc\ndevice sda1 mounted on / with fstype ext4 12 34\n');
    const sampler = new LocalSampler({ procRoot: root, hostname: 'h', sources });
    const first = asSample(sampler.sample(1000));
    expect(first.uptime_seconds).toBeUndefined();
    expect(first.errors).toBeUndefined();
    expect(sampler.stats).toMatchObject({ learned: 1, unlearnable: 0 });
    writeFileSync(join(root, 'mounts-like'), 'device proc mounted on /proc with fstype proc\ndevice sda1 mounted on / with fstype ext4 99 7\n');
    writeFileSync(join(root, 'loadavg'), '0.70 0.40 0.30 2/100 42\n');
    const second = sampler.sample(2000);
    expect(isPackedSample(second)).toBe(true);
    expect(asSample(second).loadavg!.load_1min).toBe(0.7);
    writeFileSync(join(root, 'mounts-like'), 'device proc mounted on /proc with fstype proc\ndevice srv:/x mounted on /mnt with fstype nfs4 bytes: 4096\n');
    const third = asSample(sampler.sample(3000));
    expect(third.uptime_seconds).toBe(4096);
    expect(sampler.stats).toMatchObject({ fast: 1, parsed: 2, learned: 2 });
    writeFileSync(join(root, 'mounts-like'), 'device proc mounted on /proc with fstype proc\ndevice srv:/x mounted on /mnt with fstype nfs4 bytes: 8192\n');
    const fourth = sampler.sample(4000);
    expect(isPackedSample(fourth)).toBe(true);
    expect(asSample(fourth).uptime_seconds).toBe(8192);
  });
});

describe('LocalSampler with digits that are names', () => {
  it('learns a device called 7 (or a mount under /mnt/2024): its digits are a name, compared as text', () => {
    const root = mkdtempSync(join(tmpdir(), 'mlps-local-sampler-names-'));
    roots.push(root);
    writeFileSync(join(root, 'loadavg'), '0.50 0.40 0.30 1/100 42\n');
    writeFileSync(join(root, 'diskstats'), ' 253       0 7 1 2 3 4 5 6 7 8 9 10 11\n');
    const sources = [diskstatsSource, loadavgSource];
    const sampler = new LocalSampler({ procRoot: root, hostname: 'h', sources });
    expect(asSample(sampler.sample(1000)).diskstats![0]!.device_name).toBe('7');
    expect(sampler.stats).toMatchObject({ learned: 1, unlearnable: 0 });
    writeFileSync(join(root, 'diskstats'), ' 253       0 7 11 2 3 4 5 6 7 8 9 10 11\n');
    const fast = sampler.sample(2000);
    expect(isPackedSample(fast)).toBe(true);
    expect(asSample(fast).diskstats![0]).toMatchObject({ device_name: '7', reads_completed: 11 });
    writeFileSync(join(root, 'diskstats'), ' 253       0 8 11 2 3 4 5 6 7 8 9 10 11\n');
    expect(asSample(sampler.sample(3000)).diskstats![0]!.device_name).toBe('8');
    expect(sampler.stats).toMatchObject({ fast: 1, parsed: 2 });
  });
});
