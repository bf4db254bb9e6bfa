/**
 * OpenSSH `known_hosts` checking for ssh2's `hostVerifier`: plain, wildcard and negated patterns, hashed
 * `|1|salt|hash` entries, `[host]:port` names, `@revoked` markers; and the host-key policy
 * (`yes | accept-new | no`) with appending of newly accepted keys.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, readSync, fstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { MlpsError } from '@mlps/timeseries';

/** What to do with a host key that is not in known_hosts (a changed key is always refused). */
export type HostKeyPolicy = 'yes' | 'accept-new' | 'no';

/** One parsed known_hosts line. */
export interface KnownHostEntry {
  marker?: '@revoked' | '@cert-authority';
  /** Plain patterns (`node1`, `*.cluster`, `!bad`, `[node1]:2222`), or absent for a hashed entry. */
  patterns?: string[];
  /** Hashed entry (`|1|salt|hash`). */
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  /** The public key blob. */
  key: Buffer;
  /** 1-based line number, for messages. */
  line: number;
}

/** Result of looking a presented key up. */
export type KnownHostMatch =
  | { status: 'match'; entry: KnownHostEntry }
  | { status: 'mismatch'; entries: KnownHostEntry[] }
  | { status: 'revoked'; entry: KnownHostEntry }
  | { status: 'unknown' };

/** `SHA256:…` fingerprint of a public key blob, as `ssh-keygen -l` prints it. */
export function fingerprintSha256(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a public key blob (its first SSH string), or `null` when malformed. */
export function keyTypeOfBlob(key: Buffer): string | null {
  if (key.length < 4) return null;
  const len = key.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > key.length) return null;
  return key.toString('latin1', 4, 4 + len);
}

/** The name known_hosts uses for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Parses known_hosts text; malformed lines are skipped (as OpenSSH does), never thrown on. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = typeof text === 'string' ? text.split('\n') : [];
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m !== '@revoked' && m !== '@cert-authority') continue;
      marker = m;
    }
    const [hosts, keyType, keyB64] = fields;
    if (!hosts || !keyType || !keyB64) continue;
    const key = Buffer.from(keyB64, 'base64');
    if (key.length === 0 || keyTypeOfBlob(key) !== keyType) continue;
    const entry: KnownHostEntry = { keyType, key, line: i + 1 };
    if (marker) entry.marker = marker;
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      if (!salt || !hash) continue;
      entry.hashed = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
      if (entry.hashed.salt.length === 0 || entry.hashed.hash.length !== 20) continue;
    } else {
      entry.patterns = hosts.split(',').filter((p) => p.length > 0);
    }
    entries.push(entry);
  }
  return entries;
}

function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 'i');
}

function entryMatchesName(entry: KnownHostEntry, name: string): boolean {
  if (entry.hashed) {
    const digest = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return digest.length === entry.hashed.hash.length && timingSafeEqual(digest, entry.hashed.hash);
  }
  let matched = false;
  for (const pattern of entry.patterns ?? []) {
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    if (globToRegExp(glob).test(name)) {
      // A matching negation rejects the line whatever else matches (OpenSSH's match_hostname).
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** The entries (certificate authorities excluded) that name `host` on `port`. */
export function entriesForHost(entries: readonly KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const name = knownHostsName(host, port);
  return entries.filter((e) => e.marker !== '@cert-authority' && entryMatchesName(e, name));
}

/**
 * Looks up the key a host presented. `match` when an entry of that host has this key, `revoked` when the
 * key is listed `@revoked`, `mismatch` when the host is known but with other keys (of this key's type, or
 * only of other types: we asked for the known types first, see {@link knownKeyTypesFor}), else `unknown`.
 */
export function lookupHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): KnownHostMatch {
  const revoked = entries.find((e) => e.marker === '@revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const forHost = entriesForHost(entries, host, port).filter((e) => e.marker === undefined);
  const exact = forHost.find((e) => e.key.equals(key));
  if (exact) return { status: 'match', entry: exact };
  if (forHost.length > 0) return { status: 'mismatch', entries: forHost };
  return { status: 'unknown' };
}

/** ssh2 host-key algorithm names for a known_hosts key type (RSA keys sign with SHA-2 nowadays). */
function algorithmsForKeyType(keyType: string): string[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return [keyType];
}

/**
 * Host-key algorithms to ask the server for first, from the key types known for this host, so a host known
 * by its RSA key is not reported as changed because it also has an ed25519 key (OpenSSH does the same).
 */
export function knownKeyTypesFor(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const types: string[] = [];
  for (const e of entriesForHost(entries, host, port)) {
    if (e.marker !== undefined) continue;
    for (const alg of algorithmsForKeyType(e.keyType)) if (!types.includes(alg)) types.push(alg);
  }
  return types;
}

/** Reads a known_hosts file; a missing or unreadable file reads as empty (nothing known yet). */
export function readKnownHostsFile(path: string): KnownHostEntry[] {
  try {
    return parseKnownHosts(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

/** True when the file exists and its last byte is not a newline (so an append must start one). */
function lacksFinalNewline(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends `host keytype base64` (`[host]:port` off port 22) to known_hosts, creating the file (0600) and
 * its directory (0700) when missing. One `O_APPEND` write, so concurrent connections do not interleave.
 */
export function appendKnownHost(path: string, host: string, port: number, key: Buffer): void {
  const keyType = keyTypeOfBlob(key);
  if (keyType === null) throw new MlpsError('INVALID_ARGUMENT', `Cannot record the host key of ${host}: malformed key blob`);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const line = `${knownHostsName(host, port)} ${keyType} ${key.toString('base64')}\n`;
  appendFileSync(path, lacksFinalNewline(path) ? `\n${line}` : line, { mode: 0o600 });
}

/** Outcome of {@link verifyHostKey}. */
export interface HostKeyDecision {
  accept: boolean;
  /** Why the key was refused (HOST_KEY_MISMATCH / HOST_KEY_UNKNOWN), when `accept` is false. */
  error?: MlpsError;
  /** Set when a new key was accepted; `recorded` says whether it was appended to known_hosts. */
  newKey?: { recorded: boolean; warning?: string };
}

/** Options of {@link verifyHostKey}. */
export interface VerifyHostKeyOptions {
  host: string;
  port: number;
  key: Buffer;
  policy: HostKeyPolicy;
  /** The user's known_hosts (read, and appended to for new keys). */
  knownHostsPath: string;
  /** Further files only read (default: `/etc/ssh/ssh_known_hosts`). */
  globalKnownHostsPaths?: readonly string[];
}

/**
 * Applies the host-key policy to the key a host presented. A changed or revoked key is refused under
 * every policy (HOST_KEY_MISMATCH, naming host, fingerprint and the known_hosts line). An unknown key is
 * refused under `yes` (HOST_KEY_UNKNOWN) and accepted under `accept-new` and `no`, which both record it
 * (as OpenSSH does); a known_hosts that cannot be written is reported in `newKey.warning`, not fatal.
 */
export function verifyHostKey(options: VerifyHostKeyOptions): HostKeyDecision {
  const { host, port, key, policy, knownHostsPath } = options;
  const globals = options.globalKnownHostsPaths ?? ['/etc/ssh/ssh_known_hosts'];
  const fp = fingerprintSha256(key);
  const keyType = keyTypeOfBlob(key) ?? 'unknown';
  const name = knownHostsName(host, port);
  const files: Array<{ path: string; entries: KnownHostEntry[] }> = [knownHostsPath, ...globals].map((path) => ({
    path,
    entries: readKnownHostsFile(path),
  }));
  let mismatch: { path: string; entry: KnownHostEntry } | undefined;
  for (const file of files) {
    const found = lookupHostKey(file.entries, host, port, key);
    if (found.status === 'revoked') {
      return {
        accept: false,
        error: new MlpsError(
          'HOST_KEY_MISMATCH',
          `Host key of ${name} (${keyType} ${fp}) is marked @revoked in ${file.path}:${found.entry.line}; refusing to connect.`,
        ),
      };
    }
    if (found.status === 'match') return { accept: true };
    if (found.status === 'mismatch' && !mismatch) mismatch = { path: file.path, entry: found.entries[0]! };
  }
  if (mismatch) {
    return {
      accept: false,
      error: new MlpsError(
        'HOST_KEY_MISMATCH',
        `HOST KEY CHANGED for ${name}: it presented ${keyType} ${fp}, but ${mismatch.path}:${mismatch.entry.line} ` +
          `records ${mismatch.entry.keyType} ${fingerprintSha256(mismatch.entry.key)}. Someone may be intercepting ` +
          `the connection, or the host was reinstalled. If the change is expected, remove the old key with ` +
          `\`ssh-keygen -R '${name}' -f ${mismatch.path}\` and connect again.`,
      ),
    };
  }
  if (policy === 'yes') {
    return {
      accept: false,
      error: new MlpsError(
        'HOST_KEY_UNKNOWN',
        `Host key of ${name} (${keyType} ${fp}) is not in ${knownHostsPath} and strictHostKeyChecking is 'yes'. ` +
          `Verify the fingerprint and add it (e.g. \`ssh-keyscan -p ${port} ${host} >> ${knownHostsPath}\`), or use 'accept-new'.`,
      ),
    };
  }
  try {
    appendKnownHost(knownHostsPath, host, port, key);
    return { accept: true, newKey: { recorded: true } };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { accept: true, newKey: { recorded: false, warning: `could not record the host key of ${name} in ${knownHostsPath}: ${why}` } };
  }
}
