/**
 * NFS client statistics per mount, from `/proc/self/mountstats` (what `nfsiostat`, `mountstats` and
 * node_exporter's mountstats collector read). One section per mount:
 *
 * ```
 * device srv:/export mounted on /mnt/nfs with fstype nfs4 statvers=1.1
 * 	opts:	rw,vers=4.1,…
 * 	age:	13968
 * 	events:	52 226 0 …            (25 fields on old kernels, 27 since pNFS)
 * 	bytes:	1207640230 0 0 0 1210214218 0 295483 0
 * 	RPC iostats version: 1.1  p/v: 100003/4 (nfs)
 * 	xprt:	tcp 832 0 1 0 11 6428 6428 0 12154 0 24 26 5726
 * 	per-op statistics
 * 	        READ: 1298 1298 0 207680 1210292152 6 79386 79407 0
 * ```
 *
 * Other filesystems print only their `device … with fstype …` line and are skipped.
 */
import type { NfsByteStats, NfsMountRecord, NfsOpStats, NfsTransportStats } from '../types';
import { Scanner, asText, isUnsafeKey } from './scanner';
import { checkNumericFields, checkRecordList, expectArray, expectObject, keyPath } from '../validation';
import { counterFamily, gaugeFamily, isPlainRecord, type MetricFieldSpec, type MetricLabels, type MetricSink, type OpenMetricsFamily, type ProcSourceMetrics } from './metrics';
import type { ProcSource } from './source';

const COLON = 58;

/** `bytes:` fields in kernel order (`include/linux/nfs_iostat.h`), node_exporter's names. */
const BYTE_FIELDS = [
  'read_bytes', 'write_bytes', 'direct_read_bytes', 'direct_write_bytes',
  'total_read_bytes', 'total_write_bytes', 'read_pages', 'write_pages',
] as const satisfies readonly (keyof NfsByteStats)[];

/** `events:` fields in kernel order, node_exporter's names (without `event_`/`_total`). */
export const NFS_EVENT_FIELDS: readonly string[] = Object.freeze([
  'inode_revalidate', 'dnode_revalidate', 'data_invalidate', 'attribute_invalidate', 'vfs_open', 'vfs_lookup',
  'vfs_access', 'vfs_update_page', 'vfs_read_page', 'vfs_read_pages', 'vfs_write_page', 'vfs_write_pages',
  'vfs_getdents', 'vfs_setattr', 'vfs_flush', 'vfs_fsync', 'vfs_lock', 'vfs_file_release', 'congestion_wait',
  'truncation', 'write_extension', 'silly_rename', 'short_read', 'short_write', 'jukebox_delay', 'pnfs_read',
  'pnfs_write',
]);

/** Per-op fields in kernel order (`_print_rpc_iostats`); the 9th, `errors`, only on newer kernels. */
export const NFS_OP_FIELDS = [
  'ops', 'transmissions', 'major_timeouts', 'bytes_sent', 'bytes_received', 'queue_ms', 'rtt_ms', 'execute_ms', 'errors',
] as const satisfies readonly (keyof NfsOpStats)[];

/** The fields every transport prints, after its protocol-specific head. */
const XPRT_COMMON = ['sends', 'recvs', 'bad_xids', 'req_u', 'bklog_u'] as const;
/** Printed by RPC iostats 1.1 (kernels since 2.6.3x) after `bklog_u`, except on rdma. */
const XPRT_SLOTS = ['max_slots', 'sending_u', 'pending_u'] as const;
const XPRT_CONNECT = ['connect_count', 'connect_time', 'idle_time'] as const;
/** `xprt_rdma_print_stats`, after the ten generic fields (the newest kernels print all 17). */
const XPRT_RDMA = [
  'read_chunk_count', 'write_chunk_count', 'reply_chunk_count', 'total_rdma_request', 'total_rdma_reply',
  'pullup_copy_count', 'fixup_copy_count', 'hardway_register_count', 'failed_marshal_count', 'bad_reply_count',
  'nomsg_call_count', 'mrs_recycled', 'mrs_orphaned', 'mrs_allocated', 'local_inv_needed', 'empty_sendctx_q',
  'reply_waits_for_send',
] as const;

/**
 * Field names of an `xprt:` line by transport, in print order (`net/sunrpc/xprtsock.c`,
 * `net/sunrpc/xprtrdma/transport.c`), and how many of them a line must have to be kept.
 */
const XPRT_LAYOUTS: Readonly<Record<string, { names: readonly string[]; required: number }>> = {
  tcp: { names: ['port', 'bind_count', ...XPRT_CONNECT, ...XPRT_COMMON, ...XPRT_SLOTS], required: 10 },
  udp: { names: ['port', 'bind_count', ...XPRT_COMMON, ...XPRT_SLOTS], required: 7 },
  local: { names: ['bind_count', ...XPRT_CONNECT, ...XPRT_COMMON, ...XPRT_SLOTS], required: 9 },
  rdma: { names: ['port', 'bind_count', ...XPRT_CONNECT, ...XPRT_COMMON, ...XPRT_RDMA], required: 10 },
};

function isNfsType(fstype: string): boolean {
  return fstype === 'nfs' || fstype === 'nfs4';
}

/**
 * Reads `device X mounted on Y with fstype Z [statvers=V]` after the `device` word; null unless it is an
 * NFS mount with that exact wording.
 */
function parseDeviceLine(s: Scanner): NfsMountRecord | null {
  const device = s.word();
  if (device === '' || !s.matchWord('mounted', -1) || !s.matchWord('on', -1)) return null;
  const mountPoint = s.word();
  if (mountPoint === '' || !s.matchWord('with', -1) || !s.matchWord('fstype', -1)) return null;
  const fstype = s.word();
  if (!isNfsType(fstype)) return null;
  const record: NfsMountRecord = { device, mount_point: mountPoint, fstype, xprt: [], per_op: {} };
  if (s.consume('statvers=')) {
    const version = s.decimal();
    if (version === version) record.statvers = version;
  }
  return record;
}

/** `mountaddr=` of an `opts:` line (the rest of the current line), or undefined. */
function mountaddrOf(s: Scanner): string | undefined {
  s.skipBlanks();
  const { text } = s;
  const nl = text.indexOf('\n', s.pos);
  const line = text.slice(s.pos, nl < 0 ? text.length : nl);
  const match = /(?:^|,)mountaddr=([^,\s]+)/.exec(line);
  return match?.[1];
}

function parseBytes(s: Scanner): NfsByteStats | null {
  const out: Partial<Record<(typeof BYTE_FIELDS)[number], number>> = {};
  for (const field of BYTE_FIELDS) {
    const v = s.uint();
    if (v !== v) return null;
    out[field] = v;
  }
  return out as NfsByteStats;
}

function parseEvents(s: Scanner): Record<string, number> | null {
  const out: Record<string, number> = {};
  let n = 0;
  for (const field of NFS_EVENT_FIELDS) {
    if (s.atLineEnd()) break;
    const v = s.uint();
    if (v !== v) return null;
    out[field] = v;
    n++;
  }
  return n > 0 ? out : null;
}

function parseTransport(s: Scanner): NfsTransportStats | null {
  const protocol = s.word();
  const layout = XPRT_LAYOUTS[protocol];
  if (layout === undefined) return null;
  const out: NfsTransportStats = { protocol } as NfsTransportStats;
  let n = 0;
  for (const name of layout.names) {
    if (s.atLineEnd()) break;
    const v = s.uint();
    if (v !== v) return null;
    out[name] = v;
    n++;
  }
  return n >= layout.required ? out : null;
}

/** The 8 (or 9) counters of one per-op line after its `NAME:`; null when fewer than 8 are numbers. */
function parseOp(s: Scanner): NfsOpStats | null {
  const out: Partial<Record<(typeof NFS_OP_FIELDS)[number], number>> = {};
  for (let i = 0; i < NFS_OP_FIELDS.length; i++) {
    const field = NFS_OP_FIELDS[i] as (typeof NFS_OP_FIELDS)[number];
    if (i === 8 && s.atLineEnd()) break;
    const v = s.uint();
    if (v !== v) return null;
    out[field] = v;
  }
  return out as NfsOpStats;
}

/**
 * Parses `/proc/self/mountstats` into one record per NFS mount (`nfs`/`nfs4`), in file order. Every other
 * filesystem is skipped. Within a mount, a malformed line (`bytes:` with a non-number, an `xprt:` of an
 * unknown transport or with too few fields, a per-op line with fewer than 8 counters) is dropped on its
 * own; lines this parser does not know (`caps:`, `sec:`, `impl_id:` and its continuation lines) are
 * ignored. Counters beyond 2^53 become the nearest double.
 *
 * Pure and total: never throws, whatever the input (non-strings give `[]`).
 */
export function parseNfsMountstats(text: string): NfsMountRecord[] {
  const s = new Scanner(asText(text));
  const mounts: NfsMountRecord[] = [];
  let current: NfsMountRecord | null = null;
  let inPerOp = false;
  for (; !s.done(); s.nextLine()) {
    s.skipBlanks();
    if (s.matchWord('device', -1)) {
      current = parseDeviceLine(s);
      inPerOp = false;
      if (current !== null) mounts.push(current);
      continue;
    }
    if (current === null) continue;
    const key = s.word();
    if (key === 'opts:') {
      const mountaddr = mountaddrOf(s);
      if (mountaddr !== undefined) current.mountaddr = mountaddr;
    } else if (key === 'age:') {
      const age = s.uint();
      if (age === age) current.age = age;
    } else if (key === 'bytes:') {
      const bytes = parseBytes(s);
      if (bytes !== null) current.bytes = bytes;
    } else if (key === 'events:') {
      const events = parseEvents(s);
      if (events !== null) current.events = events;
    } else if (key === 'xprt:') {
      const xprt = parseTransport(s);
      if (xprt !== null) current.xprt.push(xprt);
    } else if (key === 'per-op') {
      inPerOp = true;
    } else if (inPerOp && key.length > 1 && key.charCodeAt(key.length - 1) === COLON) {
      const name = key.slice(0, -1);
      if (isUnsafeKey(name)) continue;
      const op = parseOp(s);
      if (op !== null) current.per_op[name] = op;
    }
  }
  return mounts.map(normalizeKeyOrder);
}

/** The record with its keys in the documented order, whatever the order of the lines that filled it. */
function normalizeKeyOrder(m: NfsMountRecord): NfsMountRecord {
  const out: Record<string, unknown> = { device: m.device, mount_point: m.mount_point, fstype: m.fstype };
  if (m.statvers !== undefined) out.statvers = m.statvers;
  if (m.mountaddr !== undefined) out.mountaddr = m.mountaddr;
  if (m.age !== undefined) out.age = m.age;
  if (m.bytes !== undefined) out.bytes = m.bytes;
  if (m.events !== undefined) out.events = m.events;
  out.xprt = m.xprt;
  out.per_op = m.per_op;
  return out as unknown as NfsMountRecord;
}

const MS = 1 / 1000;
const nfsCounter = (name: string, unit: string, help: string): OpenMetricsFamily => counterFamily(`node_mountstats_nfs_${name}`, unit, help);

/** node_exporter's mountstats collector: `bytes:` counters. */
const NFS_BYTE_METRICS: readonly MetricFieldSpec[] = [
  ['read_bytes', 'bytes', nfsCounter('read_bytes', 'bytes', 'Number of bytes read using the read() syscall.'), 1],
  ['write_bytes', 'bytes', nfsCounter('write_bytes', 'bytes', 'Number of bytes written using the write() syscall.'), 1],
  ['direct_read_bytes', 'bytes', nfsCounter('direct_read_bytes', 'bytes', 'Number of bytes read using the read() syscall in O_DIRECT mode.'), 1],
  ['direct_write_bytes', 'bytes', nfsCounter('direct_write_bytes', 'bytes', 'Number of bytes written using the write() syscall in O_DIRECT mode.'), 1],
  ['total_read_bytes', 'bytes', nfsCounter('total_read_bytes', 'bytes', 'Number of bytes read from the NFS server, in total.'), 1],
  ['total_write_bytes', 'bytes', nfsCounter('total_write_bytes', 'bytes', 'Number of bytes written to the NFS server, in total.'), 1],
  ['read_pages', 'count', nfsCounter('read_pages', '', 'Number of pages read directly via mmap()\'d files.'), 1],
  ['write_pages', 'count', nfsCounter('write_pages', '', 'Number of pages written directly via mmap()\'d files.'), 1],
];

/** node_exporter's per-operation counters (`operation` label); times from ms to seconds. */
const NFS_OP_METRICS: readonly MetricFieldSpec[] = [
  ['ops', 'count', nfsCounter('operations_requests', '', 'Number of requests performed for a given operation.'), 1],
  ['transmissions', 'count', nfsCounter('operations_transmissions', '', 'Number of times an actual RPC request has been transmitted for a given operation.'), 1],
  ['major_timeouts', 'count', nfsCounter('operations_major_timeouts', '', 'Number of times a request has had a major timeout for a given operation.'), 1],
  ['bytes_sent', 'bytes', nfsCounter('operations_sent_bytes', 'bytes', 'Number of bytes sent for a given operation, including RPC headers and payload.'), 1],
  ['bytes_received', 'bytes', nfsCounter('operations_received_bytes', 'bytes', 'Number of bytes received for a given operation, including RPC headers and payload.'), 1],
  ['queue_ms', 'ms', nfsCounter('operations_queue_time_seconds', 'seconds', 'Duration all requests spent queued for transmission for a given operation before they were sent, in seconds.'), MS],
  ['rtt_ms', 'ms', nfsCounter('operations_response_time_seconds', 'seconds', 'Duration all requests took to get a reply back after a request for a given operation was transmitted, in seconds.'), MS],
  ['execute_ms', 'ms', nfsCounter('operations_request_time_seconds', 'seconds', 'Duration all requests took from when a request was enqueued to when it was completely handled for a given operation, in seconds.'), MS],
];

/** node_exporter's transport counters (every `xprt:` line, label `transport` = its index); the other fields go to CSV only. */
const NFS_XPRT_METRICS: readonly MetricFieldSpec[] = [
  ['bind_count', 'count', nfsCounter('transport_bind', '', 'Number of times the client has had to establish a connection from scratch to the NFS server.'), 1],
  ['connect_count', 'count', nfsCounter('transport_connect', '', 'Number of times the client has made a TCP connection to the NFS server.'), 1],
  ['idle_time', 's', gaugeFamily('node_mountstats_nfs_transport_idle_time_seconds', 'seconds', 'Duration since the NFS mount last saw any RPC traffic, in seconds.'), 1],
  ['sends', 'count', nfsCounter('transport_sends', '', 'Number of RPC requests for this mount sent to the NFS server.'), 1],
  ['recvs', 'count', nfsCounter('transport_receives', '', 'Number of RPC responses for this mount received from the NFS server.'), 1],
  ['bad_xids', 'count', nfsCounter('transport_bad_transaction_ids', '', 'Number of times the NFS server sent a response with a transaction ID unknown to this client.'), 1],
  // node_exporter's backlog_queue is the cumulative backlog (`bklog_u`); `req_u` (cumulative active
  // requests) has no node_exporter family and goes to CSV only.
  ['bklog_u', 'count', nfsCounter('transport_backlog_queue', '', 'Total number of items added to the RPC backlog queue.'), 1],
  ['max_slots', 'count', gaugeFamily('node_mountstats_nfs_transport_maximum_rpc_slots', '', 'Maximum number of simultaneously active RPC requests ever used.'), 1],
  ['sending_u', 'count', nfsCounter('transport_sending_queue', '', 'Total number of items added to the RPC transmission sending queue.'), 1],
  ['pending_u', 'count', nfsCounter('transport_pending_queue', '', 'Total number of items added to the RPC transmission pending queue.'), 1],
];
const XPRT_MAPPED = new Set(NFS_XPRT_METRICS.map(([field]) => field));

const NFS_AGE_FAMILY = nfsCounter('age_seconds', 'seconds', 'The age of the NFS mount in seconds.');
const NFS_OP_ERRORS_FAMILY = nfsCounter('operations_errors', '', 'Number of errors for a given operation');
/** `node_mountstats_nfs_event_<name>_total`, one family per event. */
const NFS_EVENT_FAMILIES: ReadonlyMap<string, OpenMetricsFamily> = new Map(
  NFS_EVENT_FIELDS.map((name) => [name, nfsCounter(`event_${name}`, '', `NFS event ${name} (mountstats events:).`)]),
);

/**
 * The nfs mapping, as node_exporter's mountstats collector: labels `export`, `protocol`, `mountaddr` (the
 * `mountaddr=` option where the mount has one: node_exporter reads `addr=` from mountinfo), `operation` per
 * RPC operation and `transport` (the `xprt:` line's index) per transport. As node_exporter, a second mount
 * of the same export over the same protocol and address is not exported again (its series would be the
 * same). CSV rows: device = the export, metric = the field (`read_bytes`), the event (`event_vfs_open`),
 * `<OP>_<field>` per operation (`READ_rtt_ms`) or `xprt_<field>` (`xprt2_…` for further transports).
 */
const NFS_METRICS: ProcSourceMetrics = Object.freeze({
  exportOrder: 90,
  emit(record: unknown, sink: MetricSink): void {
    if (!Array.isArray(record)) return;
    const seen = new Set<string>();
    for (const mount of record as unknown[]) {
      if (!isPlainRecord(mount) || typeof mount.device !== 'string') continue;
      const device = mount.device;
      const xprts = Array.isArray(mount.xprt) ? (mount.xprt as unknown[]) : [];
      const first = xprts[0];
      const protocol = isPlainRecord(first) && typeof first.protocol === 'string' ? first.protocol : '';
      const mountaddr = typeof mount.mountaddr === 'string' ? mount.mountaddr : '';
      const identity = `${device}\u0000${protocol}\u0000${mountaddr}`;
      if (seen.has(identity)) continue;
      seen.add(identity);
      const labels: MetricLabels = [['export', device], ['protocol', protocol], ['mountaddr', mountaddr]];
      sink.point(device, 'age', mount.age, 's', NFS_AGE_FAMILY, labels, 1);
      if (isPlainRecord(mount.bytes)) {
        const bytes = mount.bytes;
        for (const [field, unit, family, scale] of NFS_BYTE_METRICS) sink.point(device, field, bytes[field], unit, family, labels, scale);
      }
      if (isPlainRecord(mount.events)) {
        for (const [name, value] of Object.entries(mount.events)) {
          const family = NFS_EVENT_FAMILIES.get(name);
          if (family !== undefined) sink.point(device, `event_${name}`, value, 'count', family, labels, 1);
          else sink.csvOnly(device, `event_${name}`, value, 'count');
        }
      }
      xprts.forEach((xprt, i) => {
        if (!isPlainRecord(xprt)) return;
        const prefix = i === 0 ? 'xprt' : `xprt${i + 1}`;
        const transportLabels: MetricLabels = [...labels, ['transport', String(i)]];
        for (const [field, unit, family, scale] of NFS_XPRT_METRICS) sink.point(device, `${prefix}_${field}`, xprt[field], unit, family, transportLabels, scale);
        for (const [field, value] of Object.entries(xprt)) {
          if (XPRT_MAPPED.has(field)) continue;
          sink.csvOnly(device, `${prefix}_${field}`, value, 'count');
        }
      });
      if (isPlainRecord(mount.per_op)) {
        for (const [operation, stats] of Object.entries(mount.per_op)) {
          if (!isPlainRecord(stats)) continue;
          const opLabels: MetricLabels = [...labels, ['operation', operation]];
          for (const [field, unit, family, scale] of NFS_OP_METRICS) sink.point(device, `${operation}_${field}`, stats[field], unit, family, opLabels, scale);
          sink.point(device, `${operation}_errors`, stats.errors, 'count', NFS_OP_ERRORS_FAMILY, opLabels, 1);
        }
      }
    }
  },
});

/** Checks the `nfs` list of a loaded sample: each mount an object with its `device`, numeric counters. */
function validateNfs(value: unknown, path: string): unknown {
  checkRecordList(value, path, 'device', []);
  (value as unknown[]).forEach((item, i) => {
    const mount = item as Record<string, unknown>;
    const mountPath = `${path}[${i}]`;
    if (mount.bytes !== undefined) checkNumericFields(expectObject(mount.bytes, keyPath(mountPath, 'bytes')), BYTE_FIELDS, keyPath(mountPath, 'bytes'));
    if (mount.per_op !== undefined) {
      const perOpPath = keyPath(mountPath, 'per_op');
      for (const [operation, stats] of Object.entries(expectObject(mount.per_op, perOpPath))) {
        checkNumericFields(expectObject(stats, keyPath(perOpPath, operation)), NFS_OP_FIELDS, keyPath(perOpPath, operation));
      }
    }
    if (mount.xprt !== undefined) expectArray(mount.xprt, keyPath(mountPath, 'xprt'));
  });
  return value;
}

/**
 * The `nfs` source: `/proc/self/mountstats` → sample key `nfs` (one record per NFS mount). A host without
 * NFS mounts reads the file and gets no key and no error. The file is marked optional so that a `procRoot`
 * fixture tree without it is not an error (every Linux has it).
 */
export const nfsSource: ProcSource = Object.freeze({
  name: 'nfs',
  field: 'nfs',
  files: Object.freeze([Object.freeze({ key: 'self/mountstats', path: 'self/mountstats', optional: true })]),
  fields: Object.freeze([...BYTE_FIELDS, ...NFS_OP_FIELDS]),
  build(texts: readonly (string | undefined)[]): unknown {
    const text = texts[0];
    if (typeof text !== 'string') return undefined;
    const mounts = parseNfsMountstats(text);
    return mounts.length > 0 ? mounts : undefined;
  },
  validate: validateNfs,
  metrics: NFS_METRICS,
});
