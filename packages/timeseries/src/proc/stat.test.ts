import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcStat } from './stat';

const fixture = (name: string): string => readFileSync(join(__dirname, '../__fixtures__/proc', name), 'utf8');

describe('parseProcStat', () => {
  it('parses the real capture: aggregate, per-cpu, ctxt, intr total, procs', () => {
    expect(parseProcStat(fixture('real/stat'))).toEqual({
      total: { user: 12615, nice: 0, system: 3832, idle: 71323, iowait: 355, irq: 0, softirq: 81, steal: 10, guest: 0, guest_nice: 0 },
      per_cpu: [
        { cpu: 'cpu0', user: 5553, nice: 0, system: 1754, idle: 36743, iowait: 55, irq: 0, softirq: 15, steal: 4, guest: 0, guest_nice: 0 },
        { cpu: 'cpu1', user: 7062, nice: 0, system: 2077, idle: 34580, iowait: 300, irq: 0, softirq: 65, steal: 5, guest: 0, guest_nice: 0 },
      ],
      ctxt: 874600,
      intr: 364985,
      procs_running: 1,
      procs_blocked: 0,
    });
  });

  it('fills the times older kernels do not print with 0 (Linux 2.4: 4 fields)', () => {
    const stat = parseProcStat(fixture('crafted/stat-linux-2.4'));
    expect(stat?.total).toEqual({ user: 100, nice: 200, system: 300, idle: 400, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guest_nice: 0 });
    expect(stat?.per_cpu.map((c) => c.cpu)).toEqual(['cpu0', 'cpu1']);
    expect(stat?.intr).toBe(12345);
    expect(stat?.ctxt).toBe(678);
    expect(stat).not.toHaveProperty('procs_running');
    expect(stat).not.toHaveProperty('procs_blocked');
  });

  it('parses 7-field cpu lines (Linux 2.6.0)', () => {
    const stat = parseProcStat(fixture('crafted/stat-linux-2.6.0'));
    expect(stat?.total).toEqual({ user: 100, nice: 200, system: 300, idle: 400, iowait: 5, irq: 6, softirq: 7, steal: 0, guest: 0, guest_nice: 0 });
    expect(stat).toMatchObject({ intr: 999, ctxt: 5, procs_running: 3, procs_blocked: 0 });
  });

  it('returns null without the aggregate cpu line', () => {
    expect(parseProcStat(fixture('crafted/stat-no-aggregate'))).toBeNull();
  });

  it('drops malformed cpu lines alone', () => {
    const text = 'cpu 1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 x 4\ncpu1 1 2 3\ncpux 1 2 3 4\ncpu2 9 9 9 9 9 9 9 9 9 9 9\nctxt x\nctxt 7\n';
    const stat = parseProcStat(text);
    expect(stat?.per_cpu.map((c) => c.cpu)).toEqual(['cpu2']);
    expect(stat?.per_cpu[0]?.guest_nice).toBe(9);
    expect(stat?.ctxt).toBe(7);
  });

  it('returns null for empty text, binary noise and non-strings', () => {
    expect(parseProcStat('')).toBeNull();
    expect(parseProcStat(fixture('crafted/binary-noise'))).toBeNull();
    expect(parseProcStat(null as unknown as string)).toBeNull();
  });
});
