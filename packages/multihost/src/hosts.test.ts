import { hostname, networkInterfaces } from 'node:os';
import fc from 'fast-check';
import { isMlpsError } from '@mlps/timeseries';
import { isLocalHost, parseHostList } from './hosts';

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('parseHostList', () => {
  it('accepts every documented form', () => {
    expect(parseHostList('node1, node2:4 alice@node3 bob@node4:8 [fe80::1] [fd00::2]:2 10.0.0.5:3')).toEqual([
      { host: 'node1', spec: 'node1' },
      { host: 'node2', slots: 4, spec: 'node2:4' },
      { host: 'node3', user: 'alice', spec: 'alice@node3' },
      { host: 'node4', user: 'bob', slots: 8, spec: 'bob@node4:8' },
      { host: 'fe80::1', spec: '[fe80::1]' },
      { host: 'fd00::2', slots: 2, spec: '[fd00::2]:2' },
      { host: '10.0.0.5', slots: 3, spec: '10.0.0.5:3' },
    ]);
  });

  it('accepts bare IPv6 addresses and user@[v6]:slots', () => {
    expect(parseHostList(['::1', 'root@[2001:db8::7]:16'])).toEqual([
      { host: '::1', spec: '::1' },
      { host: '2001:db8::7', user: 'root', slots: 16, spec: 'root@[2001:db8::7]:16' },
    ]);
  });

  it('reads MPI hostfile lines with slots= and comments', () => {
    const hostfile = '# cluster\nnode1 slots=4\nnode2 slots=8 max_slots=16   # fast one\n\n  node3\n';
    expect(parseHostList(hostfile)).toEqual([
      { host: 'node1', slots: 4, spec: 'node1' },
      { host: 'node2', slots: 8, spec: 'node2' },
      { host: 'node3', spec: 'node3' },
    ]);
  });

  it('trims, drops empties and deduplicates in first-seen order (case-insensitive)', () => {
    expect(parseHostList([' b ,, a', 'B:4', 'a', 'c,b']).map((h) => h.spec)).toEqual(['b', 'a', 'c']);
    expect(parseHostList('x@h y@h x@H').map((h) => h.spec)).toEqual(['x@h', 'y@h']);
    expect(parseHostList('')).toEqual([]);
    expect(parseHostList([' , ', '\n'])).toEqual([]);
  });

  it.each([
    ['node:', 'slots must be a positive integer'],
    ['node:0', 'slots must be a positive integer'],
    ['node:x', 'slots must be a positive integer'],
    ['@node', 'user before @ is empty'],
    ['[fe80::1', "missing ']'"],
    ['[node1]:2', 'is not an IPv6 address'],
    ['[::1]x', "unexpected 'x'"],
    ['fe80::1:zz', 'must be written in brackets'],
    ['no/slash', 'not a valid host name'],
    ['-lead', 'not a valid host name'],
    ['a..b', 'not a valid host name'],
    ['slots=4', 'must follow a host'],
  ])('rejects %j naming it', (entry, why) => {
    const err = errorOf(() => parseHostList(`good1, ${entry}`));
    expect(isMlpsError(err)).toBe(true);
    expect((err as { code: string }).code).toBe('INVALID_ARGUMENT');
    expect((err as Error).message).toContain(`'${entry}'`);
    expect((err as Error).message).toContain(why);
  });

  it("refuses 'user@host:22' (22 slots that reads as SSH port 22), naming --ssh-port and 'slots=22'", () => {
    for (const [entry, host] of [['user@host:22', 'user@host'], ['node1:22', 'node1'], ['[fd00::7]:22', '[fd00::7]']] as const) {
      const err = errorOf(() => parseHostList(entry));
      expect((err as { code: string }).code).toBe('INVALID_ARGUMENT');
      expect((err as Error).message).toContain(`Invalid host entry '${entry}': ':22' would mean 22 MPI slots, not SSH port 22`);
      expect((err as Error).message).toContain(`use --ssh-port (port 22 is the default), for 22 slots write '${host} slots=22'`);
    }
    // The unambiguous spellings still work.
    expect(parseHostList('node1 slots=22')).toEqual([{ host: 'node1', spec: 'node1', slots: 22 }]);
    expect(parseHostList('node1:21 node2:23').map((h) => h.slots)).toEqual([21, 23]);
  });

  it('rejects non-string entries with INVALID_ARGUMENT', () => {
    const err = errorOf(() => parseHostList([42 as unknown as string]));
    expect((err as { code: string }).code).toBe('INVALID_ARGUMENT');
  });

  it('either parses or throws MlpsError INVALID_ARGUMENT for any input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        try {
          const hosts = parseHostList(s);
          for (const h of hosts) expect(h.host.length).toBeGreaterThan(0);
        } catch (err) {
          expect(isMlpsError(err) && err.code === 'INVALID_ARGUMENT').toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('isLocalHost', () => {
  it('knows the loopback names and addresses', () => {
    for (const n of ['localhost', 'LOCALHOST', '127.0.0.1', '127.8.9.10', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'root@localhost']) {
      expect([n, isLocalHost(n)]).toEqual([n, true]);
    }
  });

  it("knows this machine's hostname in any case and every interface address", () => {
    expect(isLocalHost(hostname())).toBe(true);
    expect(isLocalHost(hostname().toUpperCase())).toBe(true);
    const addrs = Object.values(networkInterfaces()).flatMap((l) => l ?? []).map((i) => i.address);
    expect(addrs.length).toBeGreaterThan(0);
    for (const a of addrs) expect([a, isLocalHost(a)]).toEqual([a, true]);
  });

  it('is false for other hosts', () => {
    for (const n of ['10.200.0.250', 'node-that-does-not-exist.example', '128.0.0.1', '2001:db8::1', '', 'localhost2']) {
      expect([n, isLocalHost(n)]).toEqual([n, false]);
    }
  });
});
