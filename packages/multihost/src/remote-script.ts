/**
 * The remote half of multi-host sampling: one long-lived POSIX `sh` loop per connection, and the parser
 * of what it prints.
 *
 * Each request line we write makes the loop print a begin marker, then ONE `cat` of every source file with
 * the host's boot id (`/proc/sys/kernel/random/boot_id`, a fixed 36-character UUID, read once when the
 * loop starts) between files, then an end marker. So a sample costs the remote host one fork+exec of `cat`
 * and nothing else: no login shell, no interpreter, no `date`, no per-file process. The separator is an
 * exact string we learn from the begin marker, so no file content can be mistaken for it; a missing file
 * leaves an empty section (its error goes to stderr, which we keep for the message). The host's clock is
 * `/proc/uptime` and its name `/proc/sys/kernel/hostname` (the UTS name, as `hostname` prints), read in the
 * same `cat`.
 */
import { MlpsError, SAMPLE_SOURCE_FILES } from '@mlps/timeseries';

/** Marker prefix of the loop's protocol lines. */
export const MARKER = '@@MLPS@@';
const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';
const HOSTNAME_PATH = '/proc/sys/kernel/hostname';

/** One file the remote `cat` prints, in order: the hostname first, then every sample source. */
export interface RemoteFile {
  /** Key in {@link RemoteReading.texts} (`'hostname'` or a {@link SAMPLE_SOURCE_FILES} key). */
  key: string;
  /** Absolute path on the remote host. */
  path: string;
  /** Absent without that being an error (PSI, NFS, CIFS: the registry's `optional`). */
  optional: boolean;
}

/**
 * The files the loop reads, under `procRoot` (default `/proc`): the hostname, then every fixed-path file of
 * the source registry. Synthesized texts (Lustre's llite stats, found by a pattern) are not read remotely.
 */
export function remoteFiles(procRoot = '/proc'): RemoteFile[] {
  const root = procRoot.replace(/\/+$/, '') || '/';
  return [
    { key: 'hostname', path: HOSTNAME_PATH, optional: false },
    ...SAMPLE_SOURCE_FILES.filter((f) => !f.synthesized).map((f) => ({ key: f.key, path: `${root}/${f.path}`, optional: f.optional })),
  ];
}

function shellQuotePath(path: string): string {
  // Paths are ours (/proc/...), but a procRoot option could carry anything: allow only plain path characters.
  if (!/^[A-Za-z0-9_./-]+$/.test(path)) {
    throw new MlpsError('INVALID_ARGUMENT', `procRoot path '${path}' may only contain letters, digits, '_', '.', '-' and '/'`);
  }
  return path;
}

/**
 * How the loop reads the files: `auto` (default) hands the loop over, once, to `mawk` or `gawk` when the
 * host has one (same protocol, files read with `getline`: no process at all per sample, ~3× less remote
 * CPU); `cat` always uses the POSIX `sh` + `cat` loop (one `cat` per sample), which is also the fallback.
 */
export type RemoteReader = 'auto' | 'cat';

/** Escapes text for use inside double quotes in `sh`. */
function shDoubleQuoted(text: string): string {
  return `"${text.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

/** The awk twin of the `sh` loop: identical output, files read in-process. */
function awkProgram(files: readonly RemoteFile[]): string {
  const paths = files.map((f) => f.path).join(' ');
  return [
    `BEGIN { n = split("${paths}", F, " ") }`,
    '/^q/ { exit 0 }',
    // The answer is built in memory and written at once: mawk -W interactive writes every print
    // unbuffered, which would cost a syscall (and an SSH packet) per line.
    `{ o = "\\n${MARKER} B " $1 " " B " awk\\n" B "\\n";`,
    ' for (i = 1; i <= n; i++) { while ((getline l < F[i]) > 0) o = o l "\\n"; close(F[i]); o = o B "\\n" }',
    ` printf "%s\\n${MARKER} E %s 0\\n", o, $1; fflush() }`,
  ].join(' ');
}

/**
 * The loop, as one line without single quotes or `!`, so `exec sh -c '…'` survives any login shell (bash,
 * dash, zsh, csh) that sshd runs it through. A request line `q` ends it; EOF on stdin ends it too.
 */
export function buildRemoteLoop(files: readonly RemoteFile[] = remoteFiles(), reader: RemoteReader = 'auto'): string {
  const catArgs = files.map((f) => `$K ${shellQuotePath(f.path)}`).join(' ');
  const parts = [`K=${BOOT_ID_PATH}`, 'B=', 'read -r B < $K'];
  if (reader === 'auto') {
    const program = shDoubleQuoted(awkProgram(files));
    // mawk buffers its input unless told it is interactive; gawk reads a pipe as data arrives.
    parts.push(
      `P=${program}`,
      'if command -v mawk >/dev/null 2>&1; then exec mawk -W interactive -v B="$B" "$P"; fi',
      'if command -v gawk >/dev/null 2>&1; then exec gawk -v B="$B" "$P"; fi',
    );
  }
  parts.push(
    'while read -r N',
    'do case $N in q*) exit 0;; esac',
    `printf "\\n${MARKER} B %s %s cat\\n" "$N" "$B"`,
    `cat ${catArgs} $K`,
    `printf "\\n${MARKER} E %s %s\\n" "$N" "$?"`,
    'done',
  );
  return parts.join('; ');
}

/** The command sent to sshd: replaces the login shell with `sh` running the loop. */
export function buildRemoteCommand(files?: readonly RemoteFile[], reader: RemoteReader = 'auto'): string {
  return `exec /bin/sh -c '${buildRemoteLoop(files, reader)}'`;
}

/** One answer of the loop, split into file texts. */
export interface RemoteReading {
  /** What the host calls itself (`/proc/sys/kernel/hostname`), trimmed; empty when unreadable. */
  hostname: string;
  /** The host's boot id (changes on reboot, which resets its counters). */
  bootId: string;
  /** Which loop answered: `awk` (mawk/gawk) or `cat` (the sh + cat loop). */
  reader: string;
  /** File texts keyed by {@link RemoteFile.key}; a file that printed nothing is absent. */
  texts: Record<string, string>;
  /** Keys of required files that printed nothing. */
  missing: string[];
  /** Exit status of the `cat` (non-zero when some file, e.g. PSI, is missing). */
  catStatus: number;
}

/** Result of scanning the output buffer for one request's answer. */
export type ScanResult =
  | { kind: 'incomplete'; discardBefore: number }
  | { kind: 'done'; end: number; reading: RemoteReading }
  | { kind: 'garbled'; end: number; reason: string };

/**
 * Looks for the complete answer to request `nonce` in `buffer` (stdout accumulated since the request).
 * Text before the begin marker (a login banner, noise from rc files, a late answer to an abandoned
 * request) is ignored. Never throws.
 */
export function scanResponse(buffer: string, nonce: string, files: readonly RemoteFile[]): ScanResult {
  const begin = `${MARKER} B ${nonce} `;
  const b = buffer.indexOf(begin);
  if (b < 0) {
    // Keep a tail long enough to hold a partial begin marker.
    return { kind: 'incomplete', discardBefore: Math.max(0, buffer.length - begin.length - 64) };
  }
  const bLineEnd = buffer.indexOf('\n', b);
  if (bLineEnd < 0) return { kind: 'incomplete', discardBefore: b };
  const [bootId = '', reader = ''] = buffer.slice(b + begin.length, bLineEnd).trim().split(/\s+/);
  const endMarker = `\n${MARKER} E ${nonce} `;
  const e = buffer.indexOf(endMarker, bLineEnd);
  if (e < 0) return { kind: 'incomplete', discardBefore: b };
  const eLineEnd = buffer.indexOf('\n', e + endMarker.length);
  if (eLineEnd < 0) return { kind: 'incomplete', discardBefore: b };
  const catStatus = Number.parseInt(buffer.slice(e + endMarker.length, eLineEnd), 10);
  const end = eLineEnd + 1;
  if (!/^[0-9a-f-]{8,64}$/i.test(bootId)) {
    return { kind: 'garbled', end, reason: `cannot read ${BOOT_ID_PATH} on the host (is it Linux with /proc mounted?)` };
  }
  const body = buffer.slice(bLineEnd + 1, e);
  const parts = body.split(`${bootId}\n`);
  // parts: '' before the first separator, one per file, '' after the last one.
  if (parts.length !== files.length + 2 || parts[0] !== '' || parts[parts.length - 1] !== '') {
    return {
      kind: 'garbled',
      end,
      reason: `the answer has ${parts.length - 2} sections where ${files.length} were expected (output interleaved or truncated)`,
    };
  }
  const texts: Record<string, string> = {};
  const missing: string[] = [];
  files.forEach((file, i) => {
    const text = parts[i + 1] ?? '';
    if (text.length > 0) texts[file.key] = text;
    else if (!file.optional) missing.push(file.key);
  });
  return {
    kind: 'done',
    end,
    reading: { hostname: (texts.hostname ?? '').trim(), bootId, reader, texts, missing, catStatus: Number.isNaN(catStatus) ? -1 : catStatus },
  };
}

/** The `cat: PATH: reason` message in stderr for a file, if any (the reason a file printed nothing). */
export function catErrorFor(stderr: string, path: string): string | undefined {
  const at = stderr.lastIndexOf(`${path}:`);
  if (at < 0) return undefined;
  const lineStart = stderr.lastIndexOf('\n', at) + 1;
  const lineEnd = stderr.indexOf('\n', at);
  return stderr.slice(lineStart, lineEnd < 0 ? undefined : lineEnd).trim();
}
