/**
 * Gathering the facts the storage resolution works on: here by reading `/proc` and `/sys` (roots
 * injectable for fixture trees), on a remote host by one shell command run over the host's ssh session
 * (one round trip, `sh` and `cat` only) whose output {@link parseStorageGatherOutput} turns into
 * the very same {@link StorageFacts}.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseMountinfo } from './mountinfo';
import type { BlockDeviceFacts, StorageFacts } from './resolve';

/** Options of {@link gatherStorageFacts}. */
export interface GatherStorageOptions {
  /** The directories to resolve (relative ones against the current directory). */
  paths: readonly string[];
  /** Where `/proc` is (fixtures). Default `/proc`. */
  procRoot?: string;
  /** Where `/sys` is (fixtures). Default `/sys`. */
  sysRoot?: string;
  /** Resolve symlinks of the paths on this machine. Default true; false takes them as given (fixtures). */
  resolvePaths?: boolean;
}

function readTrimmed(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * The real path of `path`: symlinks resolved up to its deepest existing ancestor, the missing rest kept
 * (a checkpoint folder the workload creates later is still on the mount of its parent).
 */
export function realPathOf(path: string): string {
  let existing = resolve(path);
  let rest = '';
  while (!existsSync(existing) && existing !== '/') {
    rest = `/${basename(existing)}${rest}`;
    existing = dirname(existing);
  }
  try {
    const real = realpathSync(existing);
    return real === '/' && rest !== '' ? rest : `${real}${rest}`;
  } catch {
    return resolve(path);
  }
}

/** Reads one `/sys/class/block/<name>` entry. Never throws. */
function blockDeviceFacts(classBlock: string, name: string): BlockDeviceFacts {
  const dir = join(classBlock, name);
  const partition = existsSync(join(dir, 'partition'));
  let parent: string | null = null;
  try {
    // A partition's sysfs directory sits inside its disk's.
    if (partition) parent = basename(dirname(realpathSync(dir)));
  } catch {
    parent = null;
  }
  let slaves: string[] = [];
  try {
    slaves = readdirSync(join(dir, 'slaves')).sort();
  } catch {
    slaves = [];
  }
  const backing = readTrimmed(join(dir, 'loop', 'backing_file'));
  const dmName = readTrimmed(join(dir, 'dm', 'name'));
  return {
    name,
    dev: readTrimmed(join(dir, 'dev')),
    partition,
    parent,
    slaves,
    backingFile: backing === null || backing === '' ? null : backing,
    dmName: dmName === null || dmName === '' ? null : dmName,
  };
}

/**
 * Reads this machine's storage facts: `<procRoot>/self/mountinfo`, every `<sysRoot>/class/block/*` entry
 * (`dev`, `partition`, the directory holding it, `slaves/`, `loop/backing_file`, `dm/name`) and the real
 * path of each asked path. What cannot be read is named in `errors`; never throws.
 */
export function gatherStorageFacts(options: GatherStorageOptions): StorageFacts {
  const procRoot = options.procRoot ?? '/proc';
  const sysRoot = options.sysRoot ?? '/sys';
  const errors: Record<string, string> = {};
  let mounts: StorageFacts['mounts'] = [];
  try {
    mounts = parseMountinfo(readFileSync(join(procRoot, 'self', 'mountinfo'), 'utf8'));
  } catch (err) {
    errors.mountinfo = `cannot read ${join(procRoot, 'self', 'mountinfo')}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
  const classBlock = join(sysRoot, 'class', 'block');
  const blockDevices: BlockDeviceFacts[] = [];
  try {
    for (const name of readdirSync(classBlock).sort()) {
      const facts = blockDeviceFacts(classBlock, name);
      // An entry without `dev` is no usable device (the remote command skips it too).
      if (facts.dev !== null) blockDevices.push(facts);
    }
  } catch (err) {
    errors.block = `cannot read ${classBlock}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
  const realPaths: Record<string, string> = {};
  for (const p of options.paths) realPaths[p] = options.resolvePaths === false ? p : realPathOf(p);
  return { mounts, blockDevices, realPaths, errors };
}

/** `text` as one single-quoted shell word. */
function shellWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The one-shot shell command that gathers a remote host's {@link StorageFacts} for `paths` (taken as the
 * remote host sees them). POSIX `sh` with `cat` and `printf`; the output is sections between
 * `@@mlps:` markers, read by {@link parseStorageGatherOutput}. The paths are quoted; nothing else in the
 * command comes from the user. `roots` moves `/proc` and `/sys` (fixture trees, tests).
 */
export function storageGatherCommand(paths: readonly string[], roots: { procRoot?: string; sysRoot?: string } = {}): string {
  const proc = roots.procRoot ?? '/proc';
  const sys = roots.sysRoot ?? '/sys';
  const script = [
    'echo @@mlps:mountinfo',
    `cat ${shellWord(`${proc}/self/mountinfo`)} 2>/dev/null || echo "@@mlps:error mountinfo cannot read ${proc}/self/mountinfo"`,
    'echo @@mlps:block',
    // One line per fact: `dev NAME M:m`, `part NAME DISK`, `slave NAME MEMBER`, `loop NAME FILE`, `dm NAME DMNAME`.
    `for d in ${shellWord(`${sys}/class/block`)}/*; do` +
      ' [ -e "$d/dev" ] || continue; n=${d##*/}; printf "dev %s %s\\n" "$n" "$(cat "$d/dev")"; ' +
      'if [ -e "$d/partition" ]; then p=$(cd -P "$d/.." 2>/dev/null && pwd); printf "part %s %s\\n" "$n" "${p##*/}"; fi; ' +
      'for s in "$d"/slaves/*; do { [ -e "$s" ] || [ -L "$s" ]; } && printf "slave %s %s\\n" "$n" "${s##*/}"; done; ' +
      '[ -r "$d/loop/backing_file" ] && printf "loop %s %s\\n" "$n" "$(cat "$d/loop/backing_file")"; ' +
      '[ -r "$d/dm/name" ] && printf "dm %s %s\\n" "$n" "$(cat "$d/dm/name")"; done',
    'echo @@mlps:paths',
    // The real path of each: up to its deepest existing ancestor (cd -P), the missing rest appended.
    `i=0; for p in ${paths.length === 0 ? "''" : paths.map(shellWord).join(' ')}; do [ -n "$p" ] || continue; r=$p; rest=; ` +
      // Parameter expansion, not dirname: nothing but the shell, and a loop that always ends.
      'n=0; while [ ! -e "$r" ] && [ -n "$r" ] && [ "$r" != / ] && [ "$r" != . ] && [ $n -lt 256 ]; do rest=/${r##*/}$rest; ' +
      'case $r in */*) r=${r%/*}; [ -n "$r" ] || r=/;; *) r=.;; esac; n=$((n+1)); done; ' +
      'if [ -d "$r" ]; then b=$(cd -P "$r" 2>/dev/null && pwd); else d=.; case $r in */*) d=${r%/*}; [ -n "$d" ] || d=/;; esac; ' +
      'b=$(cd -P "$d" 2>/dev/null && pwd)/${r##*/}; fi; ' +
      '[ "$b" = / ] && [ -n "$rest" ] && b=; printf "path %d %s%s\\n" "$i" "$b" "$rest"; i=$((i+1)); done',
    'echo @@mlps:end',
  ];
  return script.join('; ');
}

/**
 * The facts of a remote host from the output of {@link storageGatherCommand} for the same `paths`.
 * Never throws: a cut-short or odd output gives what it has, with `errors` saying what is missing.
 */
export function parseStorageGatherOutput(output: string, paths: readonly string[]): StorageFacts {
  const errors: Record<string, string> = {};
  const mountLines: string[] = [];
  const devices = new Map<string, BlockDeviceFacts>();
  const realPaths: Record<string, string> = {};
  const device = (name: string): BlockDeviceFacts => {
    let d = devices.get(name);
    if (d === undefined) {
      d = { name, dev: null, partition: false, parent: null, slaves: [], backingFile: null, dmName: null };
      devices.set(name, d);
    }
    return d;
  };
  let section = '';
  const seen = new Set<string>();
  for (const line of output.split('\n')) {
    if (line.startsWith('@@mlps:')) {
      const rest = line.slice(7);
      if (rest.startsWith('error ')) {
        const [key = 'output', ...why] = rest.slice(6).split(' ');
        errors[key] = why.join(' ');
      } else {
        section = rest.trim();
        // Complete when `end` follows this command's last section (another command's `end` may precede it).
        if (section !== 'end' || seen.has('paths')) seen.add(section);
      }
      continue;
    }
    if (section === 'mountinfo') mountLines.push(line);
    else if (section === 'block') {
      const m = /^(dev|part|slave|loop|dm) (\S+) (.*)$/.exec(line);
      if (m === null) continue;
      const d = device(m[2] as string);
      const value = m[3] as string;
      if (m[1] === 'dev') d.dev = value.trim() || null;
      else if (m[1] === 'part') {
        d.partition = true;
        d.parent = value.trim() || null;
      } else if (m[1] === 'slave') d.slaves.push(value.trim());
      else if (m[1] === 'loop') d.backingFile = value || null;
      else d.dmName = value.trim() || null;
    } else if (section === 'paths') {
      const m = /^path (\d+) (.*)$/.exec(line);
      const p = m === null ? undefined : paths[Number(m[1])];
      if (m !== null && p !== undefined) realPaths[p] = (m[2] as string) || p;
    }
  }
  if (!seen.has('end')) errors.output = 'storage facts output was cut short';
  if (!seen.has('mountinfo') || (mountLines.every((l) => l.trim() === '') && errors.mountinfo === undefined)) {
    errors.mountinfo ??= 'no /proc/self/mountinfo in the output';
  }
  if (!seen.has('block')) errors.block = 'no /sys/class/block in the output';
  return {
    mounts: parseMountinfo(mountLines.join('\n')),
    blockDevices: [...devices.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    realPaths,
    errors,
  };
}
