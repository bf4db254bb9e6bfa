import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cifsSource, parseCifsStats } from './cifs';
import { lustreSource, parseLustreLliteStats, synthesizeLustreLlite } from './lustre-llite';

const fixture = (name: string): string => readFileSync(join(__dirname, '../__fixtures__/netfs', name), 'utf8');

describe('parseCifsStats on real captures', () => {
  it('SMB1, one share (sysstat tests/root1)', () => {
    expect(parseCifsStats(fixture('cifs-sysstat-root1-smb1'))).toEqual([
      {
        share: '\\\\addr\\SHARED',
        stats: {
          smbs: 40, oplock_breaks: 0, reads: 2, read_bytes: 196, writes: 0, write_bytes: 0, flushes: 0, locks: 0,
          hard_links: 0, symlinks: 0, opens: 6, closes: 6, deletes: 0, mkdirs: 0, rmdirs: 0, renames: 0, t2_renames: 0,
          find_first: 5, fnext: 0, fclose: 0,
        },
      },
    ]);
  });

  it('SMB1, two shares (sysstat tests/root2)', () => {
    const shares = parseCifsStats(fixture('cifs-sysstat-root2-smb1'));
    expect(shares.map((s) => s.share)).toEqual(['\\\\addr\\SHARED', '\\\\server\\share1']);
    expect(shares[1]!.stats).toMatchObject({ reads: 5, read_bytes: 91, writes: 2, write_bytes: 103, opens: 5, closes: 2, deletes: 1 });
  });

  it('SMB3 with bytes and "N total M failed" lines (linux-cifs list, 2020)', () => {
    const [share] = parseCifsStats(fixture('cifs-linux-cifs-2020-smb3'));
    expect(share!.share).toBe('\\\\localhost\\test');
    expect(share!.stats).toMatchObject({
      smbs: 105, read_bytes: 165675008, write_bytes: 5, open_files: 0, open_files_on_server: 0,
      tree_connects: 1, tree_connects_failed: 0, creates: 18, closes: 19, closes_failed: 1, reads: 42, reads_failed: 0,
      writes: 1, ioctls: 1, ioctls_failed: 1, query_directories: 4, query_infos: 16, set_infos: 2, oplock_breaks: 0,
    });
  });

  it('SMB2 of older kernels ("N sent M failed", no bytes) (prometheus/procfs)', () => {
    const [share] = parseCifsStats(fixture('cifs-procfs-smb2-sent'));
    expect(share!.stats).toMatchObject({ smbs: 20, creates: 0, creates_failed: 2, reads: 0, echos: 0, oplock_breaks: 0 });
    expect(share!.stats.read_bytes).toBeUndefined();
  });

  it('no share, no key; the global header is not a share', () => {
    const errors: Record<string, string> = {};
    expect(cifsSource.build(['Resources in use\nCIFS Session: 0\n'], errors)).toBeUndefined();
    expect(cifsSource.build([undefined], errors)).toBeUndefined();
    expect(errors).toEqual({});
    expect(parseCifsStats(null as unknown as string)).toEqual([]);
  });
});

describe('parseLustreLliteStats', () => {
  it('reads a Lustre 2.x llite stats file (HPE lustre_exporter fixtures, usecs and nsecs snapshots)', () => {
    const [r] = parseLustreLliteStats(fixture('llite-stats-hpe-2.x-usecs'));
    expect(r!.instance).toBe('');
    expect(r!.counters.read_bytes).toEqual({ samples: 46318, unit: 'bytes', min: 1048576, max: 1048576, sum: 48567943168 });
    expect(r!.counters.write_bytes!.sum).toBe(107462907658240);
    expect(r!.counters.open).toEqual({ samples: 10271, unit: 'regs' });
    expect(r!.counters.snapshot_time).toBeUndefined();
    expect(Object.keys(r!.counters)).toHaveLength(14);
    const [n] = parseLustreLliteStats(fixture('llite-stats-hpe-2.10-nsecs'));
    expect(n!.counters.getxattr_hits).toEqual({ samples: 20, unit: 'regs' });
  });

  it('reads the newer format: start/elapsed time lines and [usecs] counters with a sum of squares', () => {
    const text = 'snapshot_time             1746601510.804589748 secs.nsecs\nstart_time                1746601507.675857245 secs.nsecs\nelapsed_time              3.128732503 secs.nsecs\nopen                      2 samples [usecs] 14 134 148 18152\n';
    expect(parseLustreLliteStats(text)).toEqual([{ instance: '', counters: { open: { samples: 2, unit: 'usecs', min: 14, max: 134, sum: 148, sumsq: 18152 } } }]);
  });

  it('the lustre source synthesizes one text of every llite stats file (procfs and debugfs) and parses it', () => {
    const base = mkdtempSync(join(tmpdir(), 'mlps-lustre-'));
    try {
      const procRoot = join(base, 'proc');
      const a = join(procRoot, 'fs/lustre/llite/lustrefs-ffff88105db50000');
      const b = join(base, 'sys/kernel/debug/lustre/llite/scratch-ffff9bc043537800');
      mkdirSync(a, { recursive: true });
      mkdirSync(b, { recursive: true });
      writeFileSync(join(a, 'stats'), fixture('llite-stats-hpe-2.10-nsecs'));
      writeFileSync(join(b, 'stats'), fixture('llite-stats-hpe-2.x-usecs'));
      const target = { buf: Buffer.alloc(16) };
      const length = synthesizeLustreLlite(procRoot, target, 4);
      const text = target.buf.toString('utf8', 4, 4 + length);
      expect(text.startsWith('==> lustrefs-ffff88105db50000 <==\nread_bytes ')).toBe(true);
      expect(text).toContain('==> scratch-ffff9bc043537800 <==\n');
      // The wall-clock lines (19-digit decimals) are left out of the synthesized text.
      expect(text).not.toContain('snapshot_time');
      const records = lustreSource.build([text], {}) as ReturnType<typeof parseLustreLliteStats>;
      expect(records.map((r) => r.instance)).toEqual(['lustrefs-ffff88105db50000', 'scratch-ffff9bc043537800']);
      expect(records[1]!.counters.read_bytes!.sum).toBe(48567943168);
      // Without Lustre: an empty text, which gives no key and no error.
      expect(synthesizeLustreLlite(join(base, 'nothing', 'proc'), target, 0)).toBe(0);
      expect(lustreSource.build([''], {})).toBeUndefined();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('drops malformed lines on their own', () => {
    const text = '==> fs-1 <==\nopen 3 samples [regs]\nclose x samples [regs]\nread_bytes 2 samples bytes 1 2 3\n__proto__ 1 samples [regs]\n==> broken\nseek 1 samples [regs]\n';
    expect(parseLustreLliteStats(text)).toEqual([
      { instance: 'fs-1', counters: { open: { samples: 3, unit: 'regs' } } },
      { instance: '', counters: { seek: { samples: 1, unit: 'regs' } } },
    ]);
  });
});
