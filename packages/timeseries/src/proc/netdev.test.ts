import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcNetDev } from './netdev';

const fixture = (name: string): string => readFileSync(join(__dirname, '../__fixtures__/proc', name), 'utf8');

describe('parseProcNetDev', () => {
  it('parses every interface of the real capture with all 16 counters', () => {
    const records = parseProcNetDev(fixture('real/net/dev'));
    expect(records.map((r) => r.interface_name)).toEqual(['lo', 'ifb0', 'ifb1', 'eth0']);
    expect(records[3]).toEqual({
      interface_name: 'eth0',
      rx_bytes: 354421390, rx_packets: 9875, rx_errors: 0, rx_dropped: 0,
      rx_fifo: 0, rx_frame: 0, rx_compressed: 0, rx_multicast: 0,
      tx_bytes: 791586, tx_packets: 6956, tx_errors: 0, tx_dropped: 0,
      tx_fifo: 0, tx_collisions: 0, tx_carrier: 0, tx_compressed: 0,
    });
  });

  it('parses the capture of a fresh network namespace (lo only, all zero)', () => {
    const records = parseProcNetDev(fixture('netns/net-dev'));
    expect(records).toHaveLength(1);
    expect(records[0]?.interface_name).toBe('lo');
    expect(Object.values(records[0] ?? {}).filter((v) => v !== 0)).toEqual(['lo']);
  });

  it('parses interface names with `|`, `.`, `-` and longer than the 6-column field (real veth capture)', () => {
    const records = parseProcNetDev(fixture('netns/net-dev-veth'));
    expect(records.map((r) => [r.interface_name, r.rx_bytes, r.rx_packets, r.tx_bytes, r.tx_packets])).toEqual([
      ['lo', 0, 0, 0, 0],
      ['pq2', 90, 1, 176, 2],
      ['a|b', 176, 2, 90, 1],
      ['v-1', 0, 0, 0, 0],
      ['nine_chars.x', 0, 0, 0, 0],
    ]);
    expect(parseProcNetDev('Inter-|x: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16')[0]?.interface_name).toBe('Inter-|x');
  });

  it('parses every line of a file without header lines (no blind skipping of two lines)', () => {
    const records = parseProcNetDev(fixture('crafted/net-dev-no-headers'));
    expect(records.map((r) => r.interface_name)).toEqual(['lo', 'eth0', 'eth1']);
    expect(records[1]).toEqual({
      interface_name: 'eth0',
      rx_bytes: 239278353, rx_packets: 7268, rx_errors: 1, rx_dropped: 2,
      rx_fifo: 3, rx_frame: 4, rx_compressed: 5, rx_multicast: 6,
      tx_bytes: 695148, tx_packets: 5553, tx_errors: 7, tx_dropped: 8,
      tx_fifo: 9, tx_collisions: 10, tx_carrier: 11, tx_compressed: 12,
    });
    expect(Object.values(records[2] ?? {}).slice(1)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  });

  it('parses counters glued to the colon (`eth0:123 456 …`)', () => {
    const records = parseProcNetDev(fixture('crafted/net-dev-no-space'));
    expect(records.map((r) => [r.interface_name, r.rx_bytes, r.rx_packets, r.tx_bytes, r.tx_packets])).toEqual([
      ['eth0', 123, 456, 789, 1011],
      ['bond0', 98765432109876, 1, 8, 9],
      ['lo', 3193, 29, 3193, 29],
    ]);
    expect(records[1]?.tx_compressed).toBe(15);
  });

  it('drops malformed lines alone and keeps the interfaces around them', () => {
    const records = parseProcNetDev(fixture('crafted/net-dev-garbage'));
    expect(records.map((r) => r.interface_name)).toEqual(['lo', 'eth0']);
    expect(records[1]?.rx_bytes).toBe(239278353);
  });

  it('recognises header lines by content wherever they are, also without the other header', () => {
    const line = '  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16';
    const header2 = ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed';
    expect(parseProcNetDev(`${header2}\n${line}`).map((r) => r.interface_name)).toEqual(['eth0']);
    expect(parseProcNetDev(`${line}\n${header2}\n${line.replace('eth0', 'eth1')}`).map((r) => r.interface_name)).toEqual(['eth0', 'eth1']);
    // A `|` later in the text must not hide the lines before it.
    expect(parseProcNetDev(`${line}\nx|y`).map((r) => r.interface_name)).toEqual(['eth0']);
  });

  it('drops a line with fewer than 16 counters and ignores fields after the 16th', () => {
    expect(parseProcNetDev('eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15')).toEqual([]);
    expect(parseProcNetDev('eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17')[0]?.tx_compressed).toBe(16);
    expect(parseProcNetDev('eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16')).toEqual([]);
  });

  it('returns [] for empty text, binary noise and non-strings', () => {
    expect(parseProcNetDev(fixture('crafted/empty'))).toEqual([]);
    expect(parseProcNetDev(readFileSync(join(__dirname, '../__fixtures__/proc/crafted/binary-noise'), 'latin1'))).toEqual([]);
    for (const bad of [undefined, null, 1, Symbol('x'), () => 'lo: 1']) {
      expect(parseProcNetDev(bad as unknown as string)).toEqual([]);
    }
  });
});
