/**
 * Pure parsers for the host facts of a cluster snapshot. They read the same text whether it came from a
 * local file or from a remote host over ssh, and never throw.
 */
import { parseProcMeminfo, parseProcUptime } from '@mlps/timeseries';

/** One line of `/proc/mounts`. */
export interface MountRecord {
  device: string;
  mount_point: string;
  fs_type: string;
  options: string;
}

/** `/proc/mounts` escapes space, tab, newline and backslash as octal. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses `/proc/mounts` (or `/proc/self/mounts`); malformed lines are dropped alone. */
export function parseMounts(text: unknown): MountRecord[] {
  if (typeof text !== 'string') return [];
  const out: MountRecord[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !f[1]?.startsWith('/')) continue;
    out.push({
      device: unescapeMountField(f[0] as string),
      mount_point: unescapeMountField(f[1]),
      fs_type: f[2] as string,
      options: f[3] as string,
    });
  }
  return out;
}

/**
 * The mount that holds `path`: the longest mount point that is a path prefix of it; the last one listed
 * wins among equal mount points (it is the one on top).
 */
export function findMountFor(path: string, mounts: readonly MountRecord[]): MountRecord | null {
  let best: MountRecord | null = null;
  for (const m of mounts) {
    const mp = m.mount_point;
    const inside = mp === '/' || path === mp || path.startsWith(mp.endsWith('/') ? mp : `${mp}/`);
    if (!inside) continue;
    if (!best || mp.length >= best.mount_point.length) best = m;
  }
  return best;
}

/** CPU model and logical CPU count from `/proc/cpuinfo`. */
export function parseCpuinfo(text: unknown): { model: string | null; count: number | null } {
  if (typeof text !== 'string') return { model: null, count: null };
  let model: string | null = null;
  let count = 0;
  for (const line of text.split('\n')) {
    const idx = line.indexOf(':');
    if (idx < 0) continue;
    const key = line.slice(0, idx).trim();
    const value = line.slice(idx + 1).trim();
    if (key === 'processor') count++;
    else if (model === null && (key === 'model name' || key === 'Model' || key === 'cpu model')) model = value;
  }
  return { model, count: count > 0 ? count : null };
}

/** `PRETTY_NAME` (else `NAME VERSION`) from `/etc/os-release`. */
export function parseOsRelease(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) fields[m[1] as string] = (m[2] as string).replace(/^(["'])(.*)\1$/, '$2');
  }
  if (fields.PRETTY_NAME) return fields.PRETTY_NAME;
  if (fields.NAME) return fields.VERSION ? `${fields.NAME} ${fields.VERSION}` : fields.NAME;
  return null;
}

/** `MemTotal`, `MemAvailable`, `MemFree` of `/proc/meminfo`, in bytes (parsed by the timeseries meminfo parser). */
export function parseMemoryBytes(text: unknown): { total_bytes: number; available_bytes: number | null; free_bytes: number | null } | null {
  if (typeof text !== 'string') return null;
  const kb = parseProcMeminfo(text);
  if (kb.MemTotal === undefined) return null;
  return {
    total_bytes: kb.MemTotal * 1024,
    available_bytes: kb.MemAvailable === undefined ? null : kb.MemAvailable * 1024,
    free_bytes: kb.MemFree === undefined ? null : kb.MemFree * 1024,
  };
}

/** First field of `/proc/uptime`, seconds (parsed by the timeseries uptime parser). */
export function parseUptimeSeconds(text: unknown): number | null {
  return typeof text === 'string' ? parseProcUptime(text) : null;
}

/** Splits the output of the remote snapshot script into its `@@mlps:<name>` sections. */
export function splitSections(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let current: string | null = null;
  let lines: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^@@mlps:([a-z_]+)$/.exec(line);
    if (m) {
      if (current) out[current] = lines.join('\n');
      current = m[1] as string;
      lines = [];
    } else if (current) {
      lines.push(line);
    }
  }
  if (current) out[current] = lines.join('\n');
  return out;
}
