import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseCifsStats } from './cifs';
import { parseLustreLliteStats } from './lustre-llite';
import { NFS_EVENT_FIELDS, parseNfsMountstats } from './nfs-mountstats';

const DIR = join(__dirname, '../__fixtures__/netfs');
const fixture = (name: string): string => readFileSync(join(DIR, name), 'utf8');
const FILES = readdirSync(DIR).filter((f) => f !== 'README.md');
const REAL_LINES = FILES.flatMap((f) => fixture(f).split('\n')).filter((l) => l !== '');

const PARSERS: Array<[string, (text: string) => unknown]> = [
  ['mountstats', parseNfsMountstats],
  ['cifs', parseCifsStats],
  ['llite', parseLustreLliteStats],
];

const TRICKY = fc.constantFrom(' ', '\t', '\r', '\n', '\0', ':', ')', '[', ']', '=', '/', '.', '-', 'e', 'x', '0', '9', '\u00a0', '\uffff');

/** A real line with a few random edits. */
const mutatedLine = fc
  .tuple(fc.constantFrom(...REAL_LINES), fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), TRICKY), { minLength: 1, maxLength: 6 }))
  .map(([line, edits]) => {
    let out = line;
    for (const [at, op, ch] of edits) {
      const i = out.length === 0 ? 0 : at % out.length;
      if (op === 'insert') out = out.slice(0, i) + ch + out.slice(i);
      else if (op === 'delete') out = out.slice(0, i) + out.slice(i + 1);
      else out = out.slice(0, i) + ch + out.slice(i + 1);
    }
    return out;
  });

const anyInput: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: TRICKY, maxLength: 300 }),
  fc.array(fc.oneof(mutatedLine, fc.constantFrom(...REAL_LINES)), { maxLength: 60 }).map((lines) => lines.join('\n')),
  fc.anything(),
);

const finite = (value: unknown): boolean =>
  typeof value === 'number' ? Number.isFinite(value) : typeof value === 'object' && value !== null ? Object.values(value).every(finite) : true;

describe('network filesystem parsers are total', () => {
  it.each(PARSERS)('%s never throws and produces only finite numbers, whatever the input', (_name, parse) => {
    fc.assert(
      fc.property(anyInput, (input) => {
        expect(finite(parse(input as string))).toBe(true);
      }),
      { numRuns: 800 },
    );
  });

  it.each(PARSERS)('%s never throws on huge numbers', (_name, parse) => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.stringMatching(/^-?\d{1,400}$/), fc.constantFrom('device', 'xprt:', 'tcp', 'READ:', 'per-op', '1)', 'samples', '[bytes]', 'Reads:', 'Bytes:')), { maxLength: 40 }), (tokens) => {
        expect(finite(parse(`device a:/b mounted on /m with fstype nfs statvers=1.1\n\tper-op statistics\n${tokens.join(' ')}`))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

/** Lines without digits, colons or brackets: never a record of any of these files. */
const garbageLine = fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), TRICKY), maxLength: 60 }).map((s) => s.replace(/[\n0-9:)\]]/g, '').replace(/^\s*(device|==>)/, ''));

describe('garbage lines between real lines lose no real record', () => {
  it.each([
    ['mountstats-procfs-nfs4-tcp-statvers1.1', parseNfsMountstats],
    ['mountstats-tacc-nfs3-tcp-statvers1.0', parseNfsMountstats],
    ['cifs-sysstat-root2-smb1', parseCifsStats],
    ['cifs-linux-cifs-2020-smb3', parseCifsStats],
    ['llite-stats-hpe-2.x-usecs', parseLustreLliteStats],
  ] as Array<[string, (text: string) => unknown]>)('%s', (file, parse) => {
    const text = fixture(file);
    const lines = text.split('\n').filter((l) => l !== '');
    const expected = parse(text);
    fc.assert(
      fc.property(fc.array(fc.array(garbageLine, { maxLength: 3 }), { minLength: lines.length + 1, maxLength: lines.length + 1 }), (noise) => {
        const out: string[] = [...(noise[0] ?? [])];
        lines.forEach((line, i) => out.push(line, ...(noise[i + 1] ?? [])));
        expect(parse(out.join('\n'))).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});

describe('generated mountstats parse back to the generating values', () => {
  const counter = fc.oneof(fc.nat(), fc.maxSafeNat());
  const opName = fc.stringMatching(/^[A-Z][A-Z_]{1,18}$/);
  const mount = fc.record({
    server: fc.stringMatching(/^[a-z][a-z0-9.-]{0,20}$/),
    path: fc.stringMatching(/^\/[a-z]{1,10}$/),
    v4: fc.boolean(),
    events: fc.array(counter, { minLength: 25, maxLength: 27 }),
    bytes: fc.array(counter, { minLength: 8, maxLength: 8 }),
    xprt: fc.array(counter, { minLength: 13, maxLength: 13 }),
    ops: fc.uniqueArray(fc.tuple(opName, fc.array(counter, { minLength: 8, maxLength: 9 })), { selector: ([n]) => n, maxLength: 12 }),
  });
  it('any number of mounts, old and new field counts', () => {
    fc.assert(
      fc.property(fc.array(mount, { maxLength: 4 }), (mounts) => {
        const text = mounts
          .map((m) =>
            [
              'device tmpfs mounted on /run with fstype tmpfs',
              `device ${m.server}:/x mounted on ${m.path} with fstype ${m.v4 ? 'nfs4' : 'nfs'} statvers=1.1`,
              `\tevents:\t${m.events.join(' ')}`,
              `\tbytes:\t${m.bytes.join(' ')}`,
              `\txprt:\ttcp ${m.xprt.join(' ')}`,
              '\tper-op statistics',
              ...m.ops.map(([name, v]) => `\t${name.padStart(12)}: ${v.join(' ')}`),
              '',
            ].join('\n'),
          )
          .join('\n');
        const parsed = parseNfsMountstats(text);
        expect(parsed).toHaveLength(mounts.length);
        parsed.forEach((p, i) => {
          const m = mounts[i]!;
          expect(p.device).toBe(`${m.server}:/x`);
          expect(Object.values(p.bytes!)).toEqual(m.bytes);
          expect(Object.values(p.events!)).toEqual(m.events);
          expect(Object.keys(p.events!)).toEqual(NFS_EVENT_FIELDS.slice(0, m.events.length));
          expect(Object.values(p.xprt[0]!).slice(1)).toEqual(m.xprt);
          expect(Object.entries(p.per_op).map(([n, o]) => [n, Object.values(o)])).toEqual(m.ops);
        });
      }),
      { numRuns: 300 },
    );
  });
});
