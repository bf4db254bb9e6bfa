import type { NetDevRecord } from '../types';
import { checkRecordList } from '../validation';
import { KeyCache, Scanner, asText, isBlank } from './scanner';
import { counterFamily, recordListMetrics, type MetricFieldSpec } from './metrics';
import { isEmptyRecord, singleFileSource, type ProcSource } from './source';

/** The previous input's names by line, reused when unchanged (see {@link KeyCache}). */
const names = new KeyCache();

const COLON = 58;
const COUNTERS = 16;
/** The 16 counters of a record, in record order: the reference's names (after `interface_name`). */
const NET_FIELDS = [
  'rx_bytes', 'rx_packets', 'rx_errors', 'rx_dropped', 'rx_fifo', 'rx_frame', 'rx_compressed', 'rx_multicast',
  'tx_bytes', 'tx_packets', 'tx_errors', 'tx_dropped', 'tx_fifo', 'tx_collisions', 'tx_carrier', 'tx_compressed',
] as const;

/**
 * True for the two table-header lines (`Inter-|   Receive …` and ` face |bytes …`), recognised by their
 * fixed text rather than skipped as "the first two lines" (the Python reference), so a file whose headers
 * are missing or cut off keeps every interface. Not by "contains `|`": `a|b` is a valid interface name.
 */
function isHeaderLine(s: Scanner): boolean {
  s.skipBlanks();
  const { text, pos } = s;
  if (text.startsWith('face |', pos)) return true; // the space makes it no interface name
  // `Inter-|x:` would be a (strange but valid) interface name: the header's first token ends at a blank.
  return text.startsWith('Inter-|', pos) && isBlank(text.charCodeAt(pos + 7));
}

/**
 * Parses `/proc/net/dev` into one record per interface: `name:` followed by 16 counters (8 receive,
 * 8 transmit). `eth0:123 …` with no space after the colon parses. Header lines are recognised and
 * skipped; a malformed line (no `name:`, fewer than 16 counters, a non-numeric counter) is dropped on its
 * own. Counters beyond 2^53 become the nearest double.
 *
 * Pure and total: never throws, whatever the input (non-strings give `[]`).
 */
export function parseProcNetDev(text: string): NetDevRecord[] {
  const s = new Scanner(asText(text));
  const records: NetDevRecord[] = [];
  const c: number[] = new Array<number>(COUNTERS).fill(0);
  for (let line = 0; !s.done(); s.nextLine(), line++) {
    if (isHeaderLine(s)) continue;
    const name = names.wordUntil(s, COLON, line);
    if (name === '') continue;
    let n = 0;
    while (n < COUNTERS) {
      const v = s.uint();
      if (v !== v) break;
      c[n++] = v;
    }
    if (n < COUNTERS) continue;
    // An object literal, not a loop over NET_FIELDS: V8 then allocates the record in its final shape.
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

/** Our field → node_exporter's `node_network_<name>` (its names follow the `/proc/net/dev` header). */
const NODE_EXPORTER_NAMES: Readonly<Record<(typeof NET_FIELDS)[number], string>> = {
  rx_bytes: 'receive_bytes',
  rx_packets: 'receive_packets',
  rx_errors: 'receive_errs',
  rx_dropped: 'receive_drop',
  rx_fifo: 'receive_fifo',
  rx_frame: 'receive_frame',
  rx_compressed: 'receive_compressed',
  rx_multicast: 'receive_multicast',
  tx_bytes: 'transmit_bytes',
  tx_packets: 'transmit_packets',
  tx_errors: 'transmit_errs',
  tx_dropped: 'transmit_drop',
  tx_fifo: 'transmit_fifo',
  tx_collisions: 'transmit_colls',
  tx_carrier: 'transmit_carrier',
  tx_compressed: 'transmit_compressed',
};

const NET_METRICS: readonly MetricFieldSpec[] = NET_FIELDS.map((field) => {
  const name = NODE_EXPORTER_NAMES[field];
  const bytes = name.endsWith('_bytes');
  const what = name.replace(/^(receive|transmit)_/, '').replace('errs', 'errors').replace('colls', 'collisions');
  const dir = name.startsWith('receive') ? 'received' : 'transmitted';
  return [
    field,
    bytes ? 'bytes' : field.endsWith('_packets') ? 'packets' : 'count',
    counterFamily(`node_network_${name}`, bytes ? 'bytes' : '', `Network device statistic ${what} ${dir}.`),
    1,
  ] as const;
});

/** The `netdev` source (`/proc/net/dev` → sample key `netdev`): one record per interface. */
export const netdevSource: ProcSource = singleFileSource({
  name: 'netdev',
  field: 'netdev',
  file: 'net/dev',
  fields: NET_FIELDS,
  parse: parseProcNetDev,
  isEmpty: isEmptyRecord,
  validate(value, path) {
    checkRecordList(value, path, 'interface_name', NET_FIELDS);
    return value;
  },
  metrics: recordListMetrics(20, 'interface_name', NET_METRICS),
});
