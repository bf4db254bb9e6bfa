import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseProcDiskstats } from './diskstats';
import { parseProcLoadavg } from './loadavg';
import { parseProcMeminfo } from './meminfo';
import { parseProcNetDev } from './netdev';
import { parseProcPressure } from './pressure';
import { parseProcStat } from './stat';
import { parseProcUptime } from './uptime';
import { parseProcVmstat } from './vmstat';

const fixture = (name: string): string => readFileSync(join(__dirname, '../__fixtures__/proc', name), 'utf8');

const PARSERS: Array<[string, (text: string) => unknown]> = [
  ['diskstats', parseProcDiskstats],
  ['vmstat', parseProcVmstat],
  ['meminfo', parseProcMeminfo],
  ['loadavg', parseProcLoadavg],
  ['netdev', parseProcNetDev],
  ['stat', parseProcStat],
  ['pressure', parseProcPressure],
  ['uptime', parseProcUptime],
];

const REAL_FILES = [
  'real/diskstats', 'real/vmstat', 'real/meminfo', 'real/loadavg', 'real/net/dev', 'real/stat',
  'real/pressure/cpu', 'real/pressure/memory', 'real/pressure/io', 'real/uptime', 'netns/net-dev', 'netns/net-dev-veth',
];
const REAL_LINES = REAL_FILES.flatMap((f) => fixture(f).split('\n')).filter((l) => l !== '');

/** Characters that matter to the parsers: separators, signs, digits, the `:`/`|`/`=`/`/` punctuation, NUL. */
const TRICKY = fc.constantFrom(' ', '\t', '\r', '\n', '\0', ':', '|', '=', '/', '.', '-', '+', 'e', 'x', '0', '9', '\u00a0', '\uffff');

/** A real line with a few random edits (insert, delete or replace one character). */
const mutatedLine = fc
  .tuple(
    fc.constantFrom(...REAL_LINES),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), TRICKY), { minLength: 1, maxLength: 6 }),
  )
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

/** Any input at all: strings of every kind, bytes decoded as latin1, mutated real files, and non-strings. */
const anyInput: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary-ascii', maxLength: 400 }),
  fc.string({ unit: TRICKY, maxLength: 300 }),
  fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.array(mutatedLine, { maxLength: 40 }).map((lines) => lines.join('\n')),
  fc.anything(),
);

describe('every parser is total', () => {
  it.each(PARSERS)('%s never throws, whatever the input', (_name, parse) => {
    fc.assert(
      fc.property(anyInput, (input) => {
        parse(input as string);
      }),
      { numRuns: 600 },
    );
  });

  it.each(PARSERS)('%s never throws on huge numbers and very long lines', (_name, parse) => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.stringMatching(/^\d{1,400}(\.\d{1,400})?$/), fc.constantFrom('cpu', 'some', 'eth0:', 'a:', 'avg10=', '1/')), {
          maxLength: 30,
        }),
        (tokens) => {
          parse(tokens.join(' '));
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each(PARSERS)('%s produces only finite numbers', (_name, parse) => {
    const finite = (value: unknown): boolean =>
      typeof value === 'number'
        ? Number.isFinite(value)
        : typeof value === 'object' && value !== null
          ? Object.values(value).every(finite)
          : true;
    fc.assert(
      fc.property(fc.array(fc.oneof(mutatedLine, fc.stringMatching(/^[a-z0-9]{1,4}:? (\d{300,320} ){1,20}$/)), { maxLength: 20 }), (lines) => {
        expect(finite(parse(lines.join('\n')))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

/** Lines that cannot be mistaken for a record of any parser: no digits at all. */
const garbageLine = fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), TRICKY), maxLength: 80 }).map((s) =>
  s.replace(/[\n0-9]/g, ''),
);

/** Real lines in order with random garbage lines between them. */
function interleave(realText: string): fc.Arbitrary<string> {
  const lines = realText.split('\n').filter((l) => l !== '');
  return fc.array(fc.array(garbageLine, { maxLength: 3 }), { minLength: lines.length + 1, maxLength: lines.length + 1 }).map((noise) => {
    const out: string[] = [...(noise[0] ?? [])];
    lines.forEach((line, i) => out.push(line, ...(noise[i + 1] ?? [])));
    return out.join('\n');
  });
}

describe('garbage lines between real lines lose no real record', () => {
  it.each([
    ['real/diskstats', parseProcDiskstats],
    ['real/net/dev', parseProcNetDev],
    ['crafted/net-dev-no-space', parseProcNetDev],
    ['real/vmstat', parseProcVmstat],
    ['real/meminfo', parseProcMeminfo],
    ['real/stat', parseProcStat],
    ['real/pressure/io', parseProcPressure],
  ] as Array<[string, (text: string) => unknown]>)('%s', (file, parse) => {
    const text = fixture(file);
    const expected = parse(text);
    fc.assert(
      fc.property(interleave(text), (noisy) => {
        expect(parse(noisy)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});

describe('lines of the other /proc files between real lines lose no real record', () => {
  /** Real and mutated lines of every other file: digits, colons and pipes included. */
  const foreignLine = (own: string): fc.Arbitrary<string> => {
    const foreign = REAL_FILES.filter((f) => f !== own && !f.includes('net')).flatMap((f) => fixture(f).split('\n'));
    return fc.oneof(fc.constantFrom(...foreign), mutatedLine.filter((l) => !foreign.includes(l) && !fixture(own).includes(l)));
  };
  it.each([
    ['real/diskstats', parseProcDiskstats],
    ['real/net/dev', parseProcNetDev],
    ['real/stat', (t: string) => parseProcStat(t)?.per_cpu ?? []],
  ] as Array<[string, (text: string) => unknown[]]>)('%s keeps every real record, in order', (file, parse) => {
    const lines = fixture(file).split('\n').filter((l) => l !== '');
    const expected = parse(lines.join('\n'));
    fc.assert(
      fc.property(fc.array(fc.array(foreignLine(file), { maxLength: 3 }), { minLength: lines.length + 1, maxLength: lines.length + 1 }), (noise) => {
        const out: string[] = [...(noise[0] ?? [])];
        lines.forEach((line, i) => out.push(line, ...(noise[i + 1] ?? [])));
        const actual = parse(out.join('\n'));
        // Every real record appears, in order; a mutated line may happen to be a valid record of its own.
        let j = 0;
        for (const record of actual) if (j < expected.length && JSON.stringify(record) === JSON.stringify(expected[j])) j++;
        expect(j).toBe(expected.length);
      }),
      { numRuns: 150 },
    );
  });
});

describe('generated kernel output parses back to the generating values', () => {
  const counter = fc.oneof(fc.nat(), fc.maxSafeNat());
  const blanks = fc.stringMatching(/^[ \t]{1,4}$/);

  it('diskstats of 14, 18 and 20 fields', () => {
    const line = fc.record({
      major: fc.nat(4095),
      minor: fc.nat(1048575),
      name: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
      counters: fc.oneof(...[11, 15, 17].map((n) => fc.array(counter, { minLength: n, maxLength: n }))),
      gap: blanks,
    });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (devices) => {
        const text = devices.map((d) => `  ${d.major}${d.gap}${d.minor} ${d.name} ${d.counters.join(d.gap)}`).join('\n');
        const records = parseProcDiskstats(text);
        expect(records).toHaveLength(devices.length);
        records.forEach((r, i) => {
          const d = devices[i]!;
          const values = Object.values(r);
          expect(values).toEqual([d.major, d.minor, d.name, ...d.counters]);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('diskstats counters up to 2^64 are the nearest double of the printed value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (big) => {
        const records = parseProcDiskstats(`8 0 sda ${big} 0 0 0 0 0 0 0 0 0 0`);
        expect(records[0]?.reads_completed).toBe(Number(big));
      }),
      { numRuns: 500 },
    );
  });

  it('net/dev with or without headers and with or without a space after the colon', () => {
    const iface = fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9._-]{0,14}$/),
      counters: fc.array(counter, { minLength: 16, maxLength: 16 }),
      glued: fc.boolean(),
    });
    const header =
      'Inter-|   Receive                                                |  Transmit\n' +
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
    fc.assert(
      fc.property(fc.array(iface, { maxLength: 10 }), fc.boolean(), (ifaces, withHeader) => {
        const body = ifaces.map((f) => `${f.name.padStart(6)}:${f.glued ? '' : ' '}${f.counters.join('    ')}`).join('\n');
        const records = parseProcNetDev((withHeader ? header : '') + body);
        expect(records.map((r) => [r.interface_name, ...Object.values(r).slice(1)])).toEqual(
          ifaces.map((f) => [f.name, ...f.counters]),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('vmstat and meminfo', () => {
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_()]{0,24}$/).filter((k) => k !== '__proto__');
    fc.assert(
      fc.property(fc.dictionary(key, counter, { maxKeys: 50 }), (values) => {
        const entries = Object.entries(values);
        expect(parseProcVmstat(entries.map(([k, v]) => `${k} ${v}`).join('\n'))).toEqual(values);
        expect(parseProcMeminfo(entries.map(([k, v], i) => `${`${k}:`.padEnd(16)}${String(v).padStart(8)}${i % 2 ? ' kB' : ''}`).join('\n'))).toEqual(values);
      }),
      { numRuns: 300 },
    );
  });

  it('loadavg, uptime and pressure decimals equal parseFloat of the printed text', () => {
    const centi = fc.nat(99_999_999).map((n) => (n / 100).toFixed(2));
    fc.assert(
      fc.property(centi, centi, centi, fc.nat(), fc.nat(), counter, (a, b, c, run, total, stall) => {
        expect(parseProcLoadavg(`${a} ${b} ${c} ${run}/${total} 4242\n`)).toEqual({
          load_1min: parseFloat(a),
          load_5min: parseFloat(b),
          load_15min: parseFloat(c),
          running_processes: run,
          total_processes: total,
        });
        expect(parseProcUptime(`${a} ${b}\n`)).toBe(parseFloat(a));
        expect(parseProcPressure(`some avg10=${a} avg60=${b} avg300=${c} total=${stall}\n`)).toEqual({
          some: { avg10: parseFloat(a), avg60: parseFloat(b), avg300: parseFloat(c), total: stall },
        });
      }),
      { numRuns: 500 },
    );
  });

  it('stat with 4 to 10 times per cpu line', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 10 }), fc.array(fc.array(counter, { minLength: 10, maxLength: 10 }), { minLength: 1, maxLength: 9 }), (n, cpus) => {
        const lines = cpus.map((t, i) => `${i === 0 ? 'cpu ' : `cpu${i - 1}`} ${t.slice(0, n).join(' ')}`);
        const stat = parseProcStat(`${lines.join('\n')}\nintr 77 1 2 3\nctxt 88\nprocs_running 2\nprocs_blocked 1\n`);
        const padded = cpus.map((t) => [...t.slice(0, n), ...new Array<number>(10 - n).fill(0)]);
        expect(stat && Object.values(stat.total)).toEqual(padded[0]);
        expect(stat?.per_cpu.map((c) => Object.values(c))).toEqual(padded.slice(1).map((t, i) => [`cpu${i}`, ...t]));
        expect(stat).toMatchObject({ intr: 77, ctxt: 88, procs_running: 2, procs_blocked: 1 });
      }),
      { numRuns: 300 },
    );
  });
});
