import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  fingerprintSha256,
  knownKeyTypesFor,
  lookupHostKey,
  parseKnownHosts,
  verifyHostKey,
} from './knownhosts';
import { describeWithTools } from '../../../scripts/test-tools.cjs';

// Real keys from OpenSSH's ssh-keygen, so our parsing and hashing are checked against the tool itself.
describeWithTools(['ssh-keygen'], 'known_hosts with keys made by OpenSSH ssh-keygen', () => {
  let dir: string;
  interface Key {
    type: string;
    b64: string;
    blob: Buffer;
    fp: string;
  }
  let keyA: Key;
  let keyB: Key;
  let keyRsa: Key;

  function makeKey(name: string, type: string): Key {
    const path = join(dir, name);
    execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', path]);
    const [kt, b64] = readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/) as [string, string];
    const fp = execFileSync('ssh-keygen', ['-lf', `${path}.pub`], { encoding: 'utf8' }).split(/\s+/)[1]!;
    return { type: kt, b64, blob: Buffer.from(b64, 'base64'), fp };
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlps-kh-'));
    keyA = makeKey('a', 'ed25519');
    keyB = makeKey('b', 'ed25519');
    keyRsa = makeKey('r', 'rsa');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function khFile(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  describe('known_hosts parsing and lookup', () => {
    it('computes the same SHA256 fingerprint as ssh-keygen', () => {
      expect(fingerprintSha256(keyA.blob)).toBe(keyA.fp);
      expect(fingerprintSha256(keyRsa.blob)).toBe(keyRsa.fp);
    });

    it('matches plain, port-qualified, wildcard and negated patterns', () => {
      const entries = parseKnownHosts(
        [
          `node1,10.0.0.1 ${keyA.type} ${keyA.b64}`,
          `[node2]:2222 ${keyA.type} ${keyA.b64}`,
          `*.cluster,!bad.cluster ${keyB.type} ${keyB.b64}`,
          '# comment',
          'garbage line',
          `@cert-authority * ${keyB.type} ${keyB.b64}`,
        ].join('\n'),
      );
      expect(entries).toHaveLength(4);
      expect(lookupHostKey(entries, 'node1', 22, keyA.blob).status).toBe('match');
      expect(lookupHostKey(entries, 'NODE1', 22, keyA.blob).status).toBe('match');
      expect(lookupHostKey(entries, '10.0.0.1', 22, keyA.blob).status).toBe('match');
      expect(lookupHostKey(entries, 'node2', 2222, keyA.blob).status).toBe('match');
      // node2 on port 22 is a different known_hosts name.
      expect(lookupHostKey(entries, 'node2', 22, keyA.blob).status).toBe('unknown');
      expect(lookupHostKey(entries, 'n7.cluster', 22, keyB.blob).status).toBe('match');
      expect(lookupHostKey(entries, 'n7.cluster', 22, keyA.blob).status).toBe('mismatch');
      expect(lookupHostKey(entries, 'bad.cluster', 22, keyB.blob).status).toBe('unknown');
      // A @cert-authority line is not a host key of anything.
      expect(lookupHostKey(entries, 'other', 22, keyB.blob).status).toBe('unknown');
    });

    it('matches entries hashed by ssh-keygen -H, also [host]:port ones', () => {
      const path = khFile('hashed', `node9 ${keyA.type} ${keyA.b64}\n[node9]:2200 ${keyB.type} ${keyB.b64}\n`);
      execFileSync('ssh-keygen', ['-H', '-f', path], { stdio: 'ignore' });
      const text = readFileSync(path, 'utf8');
      expect(text).toContain('|1|');
      expect(text).not.toContain('node9');
      const entries = parseKnownHosts(text);
      expect(entries.every((e) => e.hashed !== undefined)).toBe(true);
      expect(lookupHostKey(entries, 'node9', 22, keyA.blob).status).toBe('match');
      expect(lookupHostKey(entries, 'node9', 2200, keyB.blob).status).toBe('match');
      expect(lookupHostKey(entries, 'node9', 22, keyB.blob).status).toBe('mismatch');
      expect(lookupHostKey(entries, 'node8', 22, keyA.blob).status).toBe('unknown');
    });

    it('honours @revoked', () => {
      const entries = parseKnownHosts(`@revoked * ${keyA.type} ${keyA.b64}\nnode1 ${keyA.type} ${keyA.b64}\n`);
      expect(lookupHostKey(entries, 'node1', 22, keyA.blob).status).toBe('revoked');
    });

    it('asks for the key types already known for a host first', () => {
      const entries = parseKnownHosts(`node1 ${keyRsa.type} ${keyRsa.b64}\nnode1 ${keyA.type} ${keyA.b64}\n`);
      expect(knownKeyTypesFor(entries, 'node1', 22)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
      expect(knownKeyTypesFor(entries, 'node2', 22)).toEqual([]);
    });

    it('never throws on arbitrary text', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 200 }), (s) => {
          expect(Array.isArray(parseKnownHosts(s))).toBe(true);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('verifyHostKey policy', () => {
    const noGlobals: string[] = [];

    it('refuses a changed key under every policy, naming host and fingerprint', () => {
      const path = khFile('changed', `10.200.0.11 ${keyA.type} ${keyA.b64}\n`);
      for (const policy of ['yes', 'accept-new', 'no'] as const) {
        const d = verifyHostKey({ host: '10.200.0.11', port: 22, key: keyB.blob, policy, knownHostsPath: path, globalKnownHostsPaths: noGlobals });
        expect(d.accept).toBe(false);
        expect(d.error?.code).toBe('HOST_KEY_MISMATCH');
        expect(d.error?.message).toContain('10.200.0.11');
        expect(d.error?.message).toContain(keyB.fp);
        expect(d.error?.message).toContain(keyA.fp);
      }
      expect(readFileSync(path, 'utf8')).toBe(`10.200.0.11 ${keyA.type} ${keyA.b64}\n`);
    });

    it("refuses an unknown key under 'yes' and leaves known_hosts alone", () => {
      const path = khFile('strict', '');
      const d = verifyHostKey({ host: 'h1', port: 2222, key: keyA.blob, policy: 'yes', knownHostsPath: path, globalKnownHostsPaths: noGlobals });
      expect(d.accept).toBe(false);
      expect(d.error?.code).toBe('HOST_KEY_UNKNOWN');
      expect(d.error?.message).toContain('[h1]:2222');
      expect(d.error?.message).toContain(keyA.fp);
      expect(readFileSync(path, 'utf8')).toBe('');
    });

    it("'accept-new' appends a line OpenSSH finds, creating file and directory, then matches it", () => {
      const path = join(dir, 'new', 'sub', 'known_hosts');
      const d = verifyHostKey({ host: 'h2', port: 2222, key: keyA.blob, policy: 'accept-new', knownHostsPath: path, globalKnownHostsPaths: noGlobals });
      expect(d).toEqual({ accept: true, newKey: { recorded: true } });
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const found = execFileSync('ssh-keygen', ['-F', '[h2]:2222', '-f', path], { encoding: 'utf8' });
      expect(found).toContain(keyA.b64);
      const again = verifyHostKey({ host: 'h2', port: 2222, key: keyA.blob, policy: 'accept-new', knownHostsPath: path, globalKnownHostsPaths: noGlobals });
      expect(again).toEqual({ accept: true });
      expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    });

    it('starts a new line when known_hosts lacks a final newline', () => {
      const path = khFile('nonl', `other ${keyB.type} ${keyB.b64}`);
      verifyHostKey({ host: 'h3', port: 22, key: keyA.blob, policy: 'accept-new', knownHostsPath: path, globalKnownHostsPaths: noGlobals });
      const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
      expect(lines).toEqual([`other ${keyB.type} ${keyB.b64}`, `h3 ${keyA.type} ${keyA.b64}`]);
    });

    it('reads global known_hosts files without writing them', () => {
      const global = khFile('global', `h4 ${keyA.type} ${keyA.b64}\n`);
      const user = khFile('user', '');
      const d = verifyHostKey({ host: 'h4', port: 22, key: keyA.blob, policy: 'yes', knownHostsPath: user, globalKnownHostsPaths: [global] });
      expect(d.accept).toBe(true);
      const changed = verifyHostKey({ host: 'h4', port: 22, key: keyB.blob, policy: 'no', knownHostsPath: user, globalKnownHostsPaths: [global] });
      expect(changed.error?.code).toBe('HOST_KEY_MISMATCH');
    });

    it('accepts but warns when known_hosts cannot be written', () => {
      const blocker = khFile('blocker', 'a file, not a directory');
      const d = verifyHostKey({ host: 'h5', port: 22, key: keyA.blob, policy: 'accept-new', knownHostsPath: join(blocker, 'known_hosts'), globalKnownHostsPaths: noGlobals });
      expect(d.accept).toBe(true);
      expect(d.newKey?.recorded).toBe(false);
      expect(d.newKey?.warning).toContain('could not record');
    });
  });
});
