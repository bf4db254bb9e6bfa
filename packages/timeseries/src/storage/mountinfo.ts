/**
 * `/proc/self/mountinfo` (proc(5)): one line per mount,
 * `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`. Unlike
 * `/proc/mounts` it gives the filesystem's `major:minor`, which names its block device in `/sys/dev/block`
 * even when the source says `/dev/root` or a label.
 */

/** One mount of `/proc/self/mountinfo`. */
export interface MountInfoEntry {
  mountId: number;
  parentId: number;
  /** `major:minor` of the filesystem (`0:NN` for filesystems without a block device: tmpfs, nfs, overlay…). */
  dev: string;
  major: number;
  minor: number;
  /** The directory of the filesystem that is mounted here (`/` unless a bind mount of a subtree). */
  root: string;
  /** Where it is mounted, octal escapes (`\040` for a space…) decoded. */
  mountPoint: string;
  /** Per-mount options (`rw,relatime`). */
  options: string;
  fstype: string;
  /** The mount source (`/dev/vda1`, `server:/export`, `tmpfs`), escapes decoded. */
  source: string;
  /** Per-superblock options. */
  superOptions: string;
}

/** Decodes the kernel's octal escapes of mount fields (`\040` space, `\011` tab, `\012` newline, `\134` backslash). */
export function unescapeMountField(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * Parses `/proc/self/mountinfo`. Lines that do not have the documented shape are skipped; never throws.
 * Entries keep the file's order (a later mount over the same point hides the earlier one).
 */
export function parseMountinfo(text: string): MountInfoEntry[] {
  const out: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const f = line.split(' ');
    // id parent M:m root mountpoint options [optional…] - fstype source superoptions
    const dash = f.indexOf('-', 6);
    if (f.length < 10 || dash < 0 || dash + 2 >= f.length) continue;
    const mountId = Number(f[0]);
    const parentId = Number(f[1]);
    const m = /^(\d+):(\d+)$/.exec(f[2] ?? '');
    if (!Number.isInteger(mountId) || !Number.isInteger(parentId) || m === null) continue;
    out.push({
      mountId,
      parentId,
      dev: `${m[1]}:${m[2]}`,
      major: Number(m[1]),
      minor: Number(m[2]),
      root: unescapeMountField(f[3] ?? ''),
      mountPoint: unescapeMountField(f[4] ?? ''),
      options: f[5] ?? '',
      fstype: f[dash + 1] ?? '',
      source: unescapeMountField(f[dash + 2] ?? ''),
      superOptions: f[dash + 3] ?? '',
    });
  }
  return out;
}
