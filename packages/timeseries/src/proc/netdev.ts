import type { NetDevRecord } from '../types';
import { Scanner, asText } from './scanner';

const COLON = 58;
const COUNTERS = 16;

/**
 * Parses `/proc/net/dev` into one record per interface: `name:` followed by 16 counters (8 receive,
 * 8 transmit). `eth0:123 …` with no space after the colon parses. Header lines are recognised and
 * skipped; a malformed line (no `name:`, fewer than 16 counters, a non-numeric counter) is dropped on its
 * own. Counters beyond 2^53 become the nearest double.
 *
 * Pure and total: never throws, whatever the input (non-strings give `[]`).
 */
export function parseProcNetDev(text: string): NetDevRecord[] {
  const str = asText(text);
  const s = new Scanner(str);
  const records: NetDevRecord[] = [];
  const c: number[] = new Array<number>(COUNTERS).fill(0);
  // Header lines (`Inter-|   Receive …`, ` face |bytes …`) are recognised by the `|` the kernel puts
  // between header columns and never in an interface line, rather than skipped as "the first two lines"
  // (the Python reference), so a file whose headers are missing or cut off keeps every interface.
  // The next `|` is searched once and reused, so noise without pipes stays linear.
  let pipe = str.indexOf('|');
  for (; !s.done(); s.nextLine()) {
    if (pipe >= 0 && pipe < s.pos) pipe = str.indexOf('|', s.pos);
    if (pipe >= 0) {
      const nl = str.indexOf('\n', s.pos);
      if (nl < 0 || pipe < nl) continue;
    }
    const name = s.wordUntil(COLON);
    if (name === '') continue;
    let n = 0;
    while (n < COUNTERS) {
      const v = s.uint();
      if (v !== v) break;
      c[n++] = v;
    }
    if (n < COUNTERS) continue;
    records.push({
      interface_name: name,
      rx_bytes: c[0] as number,
      rx_packets: c[1] as number,
      rx_errors: c[2] as number,
      rx_dropped: c[3] as number,
      rx_fifo: c[4] as number,
      rx_frame: c[5] as number,
      rx_compressed: c[6] as number,
      rx_multicast: c[7] as number,
      tx_bytes: c[8] as number,
      tx_packets: c[9] as number,
      tx_errors: c[10] as number,
      tx_dropped: c[11] as number,
      tx_fifo: c[12] as number,
      tx_collisions: c[13] as number,
      tx_carrier: c[14] as number,
      tx_compressed: c[15] as number,
    });
  }
  return records;
}
