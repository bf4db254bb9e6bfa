/**
 * Host lists as users write them (CLI `--hosts`, MPI hostfiles) and the test for "this host is this
 * machine", which decides between in-process sampling and SSH.
 */
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { hostname as osHostname, networkInterfaces } from 'node:os';
import { MlpsError } from '@mlps/timeseries';

/** One entry of a host list. */
export interface HostSpec {
  /** Host name or address, without brackets for IPv6 (`fe80::1`, `node07`, `10.0.0.5`). */
  host: string;
  /** User from `user@host`; absent when not given (the SSH options' user, or the current user, applies). */
  user?: string;
  /** Slots from `host:4` or an MPI hostfile's `slots=4`; absent when not given. */
  slots?: number;
  /** The entry as written (trimmed), for messages. */
  spec: string;
}

// RFC 1123 labels plus `_` (seen in real cluster inventories); no empty labels.
const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;
const USER_RE = /^[A-Za-z0-9._][A-Za-z0-9._-]*\$?$/;
const SLOTS_RE = /^[1-9][0-9]{0,5}$/;
// MPI hostfile keywords (Open MPI, MPICH, Intel MPI): `slots=N` counts; `max_slots` only caps, so it is ignored.
const HOSTFILE_SLOTS_RE = /^(?:slots|cpu|cpus)=(.*)$/i;
const HOSTFILE_IGNORED_RE = /^(?:max_slots|max-slots)=.*$/i;

function bad(entry: string, why: string): MlpsError {
  return new MlpsError(
    'INVALID_ARGUMENT',
    `Invalid host entry '${entry}': ${why}. Expected host, host:slots, user@host, user@host:slots, [v6addr] or [v6addr]:slots.`,
  );
}

/** `host:22` reads as "port 22" to anyone used to ssh, but means 22 slots (MPI's syntax, as mlpstorage). */
const SSH_PORT = 22;

function parseSlots(entry: string, text: string): number {
  if (!SLOTS_RE.test(text)) throw bad(entry, `slots must be a positive integer, got '${text}'`);
  const slots = Number(text);
  if (slots === SSH_PORT && !entry.includes(' ')) {
    throw bad(
      entry,
      `':${SSH_PORT}' would mean ${SSH_PORT} MPI slots, not SSH port ${SSH_PORT}, which is ambiguous; ` +
        `for the port use --ssh-port (port 22 is the default), for ${SSH_PORT} slots write '${entry.slice(0, entry.lastIndexOf(':'))} slots=${SSH_PORT}'`,
    );
  }
  return slots;
}

function checkHost(entry: string, host: string): void {
  if (host.length === 0) throw bad(entry, 'the host name is empty');
  if (isIPv4(host) || isIPv6(host)) return;
  if (host.includes(':')) throw bad(entry, 'an IPv6 address with slots must be written in brackets, e.g. [fe80::1]:4');
  if (!HOSTNAME_RE.test(host)) throw bad(entry, `'${host}' is not a valid host name or address`);
}

/** Parses one token (`user@host:slots` and friends). */
function parseEntry(entry: string): HostSpec {
  let rest = entry;
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user.length === 0) throw bad(entry, 'the user before @ is empty');
    if (!USER_RE.test(user)) throw bad(entry, `'${user}' is not a valid user name`);
  }
  let host: string;
  let slots: number | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw bad(entry, "missing ']' after the IPv6 address");
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (!isIPv6(host)) throw bad(entry, `'${host}' in brackets is not an IPv6 address`);
    if (after.length > 0) {
      if (!after.startsWith(':')) throw bad(entry, `unexpected '${after}' after ']'`);
      slots = parseSlots(entry, after.slice(1));
    }
  } else if (isIPv6(rest)) {
    // A bare IPv6 address: every colon belongs to the address, so it cannot carry slots.
    host = rest;
  } else {
    const colon = rest.indexOf(':');
    if (colon >= 0 && rest.indexOf(':', colon + 1) >= 0) {
      throw bad(entry, 'an IPv6 address with slots must be written in brackets, e.g. [fe80::1]:4');
    }
    if (colon >= 0) {
      host = rest.slice(0, colon);
      slots = parseSlots(entry, rest.slice(colon + 1));
    } else {
      host = rest;
    }
    checkHost(entry, host);
  }
  const spec: HostSpec = { host, spec: entry };
  if (user !== undefined) spec.user = user;
  if (slots !== undefined) spec.slots = slots;
  return spec;
}

function dedupeKey(spec: HostSpec): string {
  return `${spec.user ?? ''}@${spec.host.toLowerCase()}`;
}

/** Parses one comma-separated group; `slots=` binds to the host before it in the group (`node1 slots=4`). */
function parseGroup(group: string, out: HostSpec[], seen: Set<string>): void {
  let last: HostSpec | undefined;
  for (const token of group.split(/\s+/)) {
    if (token.length === 0) continue;
    const slotsMatch = HOSTFILE_SLOTS_RE.exec(token);
    if (slotsMatch) {
      if (!last) throw bad(token, 'a hostfile slots= keyword must follow a host on the same line');
      last.slots = parseSlots(`${last.spec} ${token}`, slotsMatch[1] ?? '');
      continue;
    }
    if (HOSTFILE_IGNORED_RE.test(token)) {
      if (!last) throw bad(token, 'a hostfile max_slots= keyword must follow a host on the same line');
      continue;
    }
    const spec = parseEntry(token);
    const key = dedupeKey(spec);
    if (seen.has(key)) {
      // A duplicate's own `slots=` must not change the entry kept first.
      last = { ...spec };
      continue;
    }
    seen.add(key);
    out.push(spec);
    last = spec;
  }
}

/**
 * Parses a host list: `host`, `host:slots`, `user@host`, `user@host:slots`, `[v6addr]`, `[v6addr]:slots`,
 * bare IPv6 addresses, and MPI hostfile lines (`host slots=4`, `# comments`). Entries may be separated by
 * commas, spaces or newlines; they are trimmed, empties dropped, and duplicates (same user and host,
 * case-insensitive) removed keeping the first one seen.
 *
 * @throws MlpsError `INVALID_ARGUMENT` naming the first malformed entry.
 */
export function parseHostList(specs: string | readonly string[]): HostSpec[] {
  const inputs: readonly unknown[] = typeof specs === 'string' ? [specs] : Array.isArray(specs) ? specs : [specs];
  const out: HostSpec[] = [];
  const seen = new Set<string>();
  for (const input of inputs) {
    if (typeof input !== 'string') {
      throw new MlpsError(
        'INVALID_ARGUMENT',
        `Invalid host entry ${JSON.stringify(input) ?? String(input)}: host entries must be strings.`,
      );
    }
    for (const rawLine of input.split(/\r?\n/)) {
      const hash = rawLine.indexOf('#');
      const line = hash >= 0 ? rawLine.slice(0, hash) : rawLine;
      for (const group of line.split(',')) parseGroup(group, out, seen);
    }
  }
  return out;
}

/** Expands an IPv6 address to eight 4-digit groups (zone id dropped), for comparison. */
function canonicalIPv6(addr: string): string | null {
  let a = addr.toLowerCase();
  const pct = a.indexOf('%');
  if (pct >= 0) a = a.slice(0, pct);
  if (!isIPv6(a)) return null;
  // A trailing dotted IPv4 part counts as two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (v4) {
    const [b0, b1, b2, b3] = v4.slice(1).map(Number) as [number, number, number, number];
    a = a.slice(0, v4.index) + ((b0 << 8) | b1).toString(16) + ':' + ((b2 << 8) | b3).toString(16);
  }
  const halves = a.split('::');
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length > 1 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length > 1 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array<string>(Math.max(0, fill)).fill('0'), ...tail];
  if (groups.length !== 8) return null;
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

function isLoopbackAddress(addr: string): boolean {
  if (isIPv4(addr)) return addr.startsWith('127.');
  const c = canonicalIPv6(addr);
  if (c === null) return false;
  if (c === '0000:0000:0000:0000:0000:0000:0000:0001') return true;
  // IPv4-mapped loopback (::ffff:127.x.y.z).
  return c.startsWith('0000:0000:0000:0000:0000:ffff:7f');
}

function normaliseAddress(addr: string): string {
  if (isIPv4(addr)) return addr;
  return canonicalIPv6(addr) ?? addr.toLowerCase();
}

/** Every name and address of this machine, lower-cased (addresses normalised). Read fresh each call. */
function localNamesAndAddresses(): Set<string> {
  const names = new Set<string>(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);
  const host = osHostname().toLowerCase();
  if (host) {
    names.add(host);
    const short = host.split('.')[0];
    if (short) names.add(short);
  }
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) names.add(normaliseAddress(info.address));
  }
  // The FQDN is normally listed in /etc/hosts beside the hostname or an address of this machine; reading it
  // keeps this synchronous and free of DNS traffic.
  let hostsFile = '';
  try {
    hostsFile = readFileSync('/etc/hosts', 'utf8');
  } catch {
    // No /etc/hosts: the names above are all we know.
  }
  for (const raw of hostsFile.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [addr, ...aliases] = line.split(/\s+/);
    if (!addr) continue;
    const lowered = aliases.map((a) => a.toLowerCase());
    const addrIsLocal = isLoopbackAddress(addr) || names.has(normaliseAddress(addr));
    if (addrIsLocal || lowered.some((a) => a === host)) {
      for (const a of lowered) names.add(a);
    }
  }
  return names;
}

/**
 * True when `name` is this machine: `localhost`, any 127/8 or `::1` address (IPv4-mapped included), this
 * machine's hostname and FQDN (as listed in /etc/hosts), or any address of its interfaces. Case-insensitive;
 * accepts `[v6]` brackets and a `user@` prefix.
 */
export function isLocalHost(name: string): boolean {
  if (typeof name !== 'string') return false;
  let n = name.trim();
  const at = n.lastIndexOf('@');
  if (at >= 0) n = n.slice(at + 1);
  if (n.startsWith('[') && n.endsWith(']')) n = n.slice(1, -1);
  if (n.endsWith('.') && !isIPv4(n)) n = n.slice(0, -1);
  n = n.toLowerCase();
  if (!n) return false;
  if (isIPv4(n) || isIPv6(n)) {
    if (isLoopbackAddress(n)) return true;
    return localNamesAndAddresses().has(normaliseAddress(n));
  }
  return localNamesAndAddresses().has(n);
}
