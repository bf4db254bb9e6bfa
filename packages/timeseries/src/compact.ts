/**
 * The compact sample codec behind {@link SampleStore}. A parsed sample is ~40 KB of JS objects, but almost
 * all of it is structure that repeats from one sample to the next (field names, device and interface names)
 * plus counters that change a little. So a sample is split into
 * - a *shape*: the object tree with every number replaced by a slot (shared by all samples of that shape),
 * - a *layout*: a shape plus a base vector of numbers (the values of the sample that created it),
 * - per sample: its numbers as varint/zigzag deltas against the base, plus timestamp, hostname and errors.
 * Decoding rebuilds an object that deep-equals the original (key order, -0, NaN and decimals included).
 */

const NUM = 0;
const CONST = 1;
const OBJ = 2;
const ARR = 3;

/** One node of a shape tree. */
export type ShapeNode =
  | { readonly kind: typeof NUM }
  | { readonly kind: typeof CONST; readonly value: unknown }
  | {
      readonly kind: typeof OBJ;
      readonly keys: readonly string[];
      readonly children: readonly ShapeNode[];
      /** Every child is a number: walked by a tight loop (most records: vmstat, meminfo, disks, NICs). */
      readonly allNum: boolean;
    }
  | { readonly kind: typeof ARR; readonly children: readonly ShapeNode[] };

type ObjNode = Extract<ShapeNode, { kind: typeof OBJ }>;

const NUM_NODE: ShapeNode = { kind: NUM };

/**
 * A shape with its base vector. The root keys `timestamp`, `hostname` (when strings) and `errors` are
 * kept outside the shape, because they change from sample to sample: their positions are remembered so
 * the decoded object has its keys in the original order.
 */
export interface Layout {
  readonly root: ObjNode;
  /** Number of numeric slots. */
  readonly slots: number;
  /** Values of the sample the layout was created from. */
  readonly base: Float64Array;
  /** Root key positions of the external fields, -1 when absent from the shape. */
  readonly timestampAt: number;
  readonly hostnameAt: number;
}

/** The per-sample fields kept outside the shape. */
export interface ExternalFields {
  timestamp: string | undefined;
  hostname: string | undefined;
  /** `errors` value (when the sample has the key) and its position among the root keys. */
  hasErrors: boolean;
  errors: unknown;
  errorsAt: number;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Builds a shape node for `value`, or returns null when it holds something a shape cannot describe. */
function buildNode(value: unknown, counter: { slots: number }): ShapeNode | null {
  switch (typeof value) {
    case 'number':
      counter.slots++;
      return NUM_NODE;
    case 'string':
    case 'boolean':
    case 'undefined':
      return { kind: CONST, value };
    case 'object': {
      if (value === null) return { kind: CONST, value: null };
      if (Array.isArray(value)) {
        const children: ShapeNode[] = [];
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) return null; // holes would come back as undefined
          const child = buildNode(value[i], counter);
          if (!child) return null;
          children.push(child);
        }
        return { kind: ARR, children };
      }
      if (!isPlainObject(value) || Object.getOwnPropertySymbols(value).length > 0) return null;
      const keys: string[] = [];
      const children: ShapeNode[] = [];
      for (const key of Object.keys(value)) {
        const child = buildNode(value[key], counter);
        if (!child) return null;
        keys.push(key);
        children.push(child);
      }
      return { kind: OBJ, keys, children, allNum: children.every((c) => c.kind === NUM) };
    }
    default:
      return null; // bigint, symbol, function
  }
}

/**
 * Builds a layout from a sample whose numbers were not extracted yet; returns null when the sample is
 * not a plain JSON-like object tree (the store then keeps it as is).
 */
export function buildLayout(sample: unknown, external: ExternalFields, scratch: { values: Float64Array }): Layout | null {
  if (!isPlainObject(sample) || Object.getOwnPropertySymbols(sample).length > 0) return null;
  const counter = { slots: 0 };
  const keys: string[] = [];
  const children: ShapeNode[] = [];
  let timestampAt = -1;
  let hostnameAt = -1;
  external.hasErrors = false;
  external.errors = undefined;
  external.errorsAt = -1;
  external.timestamp = undefined;
  external.hostname = undefined;
  for (const key of Object.keys(sample)) {
    const value = sample[key];
    if (key === 'errors') {
      external.hasErrors = true;
      external.errors = value;
      external.errorsAt = keys.length;
      continue;
    }
    if (key === 'timestamp' && typeof value === 'string') {
      timestampAt = keys.length;
      external.timestamp = value;
    } else if (key === 'hostname' && typeof value === 'string') {
      hostnameAt = keys.length;
      external.hostname = value;
    }
    const child = buildNode(value, counter);
    if (!child) return null;
    keys.push(key);
    children.push(child);
  }
  const root: ObjNode = { kind: OBJ, keys, children, allNum: false };
  const layout: Layout = {
    root,
    slots: counter.slots,
    base: new Float64Array(counter.slots),
    timestampAt,
    hostnameAt,
  };
  ensureCapacity(scratch, counter.slots);
  const pos = extractNode(root, sample, scratch.values, 0, layout, external, true);
  if (pos !== counter.slots) return null;
  layout.base.set(scratch.values.subarray(0, counter.slots));
  return layout;
}

/** Same shape as `base`, with the values currently in `values` as the new base. */
export function rebaseLayout(layout: Layout, values: Float64Array): Layout {
  return { ...layout, base: Float64Array.from(values.subarray(0, layout.slots)) };
}

function ensureCapacity(scratch: { values: Float64Array }, n: number): void {
  if (scratch.values.length < n) scratch.values = new Float64Array(Math.max(n, scratch.values.length * 2));
}

/**
 * Checks that `sample` has exactly the layout's shape and extracts its numbers into `scratch.values` and
 * its external fields into `external`. Returns false on any difference.
 */
export function matchLayout(
  layout: Layout,
  sample: unknown,
  external: ExternalFields,
  scratch: { values: Float64Array },
): boolean {
  if (!isPlainObject(sample)) return false;
  ensureCapacity(scratch, layout.slots);
  external.hasErrors = false;
  external.errors = undefined;
  external.errorsAt = -1;
  external.timestamp = undefined;
  external.hostname = undefined;
  return extractNode(layout.root, sample, scratch.values, 0, layout, external, true) === layout.slots;
}

/** Walks `value` along `node`, writing numbers from `pos`; returns the next position or -1 on mismatch. */
function extractNode(
  node: ShapeNode,
  value: unknown,
  out: Float64Array,
  pos: number,
  layout: Layout,
  external: ExternalFields,
  isRoot: boolean,
): number {
  switch (node.kind) {
    case NUM:
      if (typeof value !== 'number') return -1;
      out[pos] = value;
      return pos + 1;
    case CONST:
      return value === node.value && typeof value === typeof node.value ? pos : -1;
    case ARR: {
      if (!Array.isArray(value) || value.length !== node.children.length) return -1;
      const children = node.children;
      for (let i = 0; i < children.length; i++) {
        if (!(i in value)) return -1;
        pos = extractNode(children[i] as ShapeNode, value[i], out, pos, layout, external, false);
        if (pos < 0) return -1;
      }
      return pos;
    }
    case OBJ: {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return -1;
      const obj = value as Record<string, unknown>;
      const keys = node.keys;
      if (node.allNum && !isRoot) {
        // Hot path: flat records of numbers. Same checks as below, without a call per field.
        let i = 0;
        for (const key in obj) {
          if (i >= keys.length || keys[i] !== key || !Object.prototype.hasOwnProperty.call(obj, key)) return -1;
          const v = obj[key];
          if (typeof v !== 'number') return -1;
          out[pos++] = v;
          i++;
        }
        return i === keys.length ? pos : -1;
      }
      const children = node.children;
      let i = 0;
      for (const key in obj) {
        if (!Object.prototype.hasOwnProperty.call(obj, key)) return -1;
        const child = obj[key];
        if (isRoot && key === 'errors') {
          external.hasErrors = true;
          external.errors = child;
          external.errorsAt = i;
          continue;
        }
        if (i >= keys.length || keys[i] !== key) return -1;
        if (isRoot && i === layout.timestampAt) {
          if (typeof child !== 'string') return -1;
          external.timestamp = child;
        } else if (isRoot && i === layout.hostnameAt) {
          if (typeof child !== 'string') return -1;
          external.hostname = child;
        } else {
          pos = extractNode(children[i] as ShapeNode, child, out, pos, layout, external, false);
          if (pos < 0) return -1;
        }
        i++;
      }
      return i === keys.length ? pos : -1;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Number coding. Each value is one varint `z × 4 + tag`:
//   tag 0: integer delta d = v − base (z = zigzag(d)); d = 0 means "exactly the base value" (also NaN, -0)
//   tag 1: centi delta: v = (round(base × 100) + d) / 100 exactly (loadavg, PSI averages, uptime)
//   tag 2: the raw float64 follows in 8 bytes (anything else)
//   tag 3: a run of z ≥ 2 consecutive values exactly equal to their base values (most of a sample: the
//          counters of idle devices, static vmstat/meminfo fields), one byte for up to 31 of them
// ---------------------------------------------------------------------------------------------------

const LIMIT = 2 ** 50;
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** A growable byte buffer reused across samples. */
export class ByteWriter {
  buf = new Uint8Array(16384);
  pos = 0;

  reset(): void {
    this.pos = 0;
  }

  /** Makes room for `extra` more bytes. */
  reserve(extra: number): void {
    this.grow(extra);
  }

  private grow(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + extra));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}

function centiOf(base: number): number {
  const c = Math.round(base * 100);
  return Number.isSafeInteger(c) ? c : 0;
}

/** True when `v` is exactly `b` as the codec sees it (same double, -0 apart from 0, NaN equal to NaN). */
function isBaseValue(v: number, b: number): boolean {
  if (v === b) return v !== 0 || 1 / v === 1 / b;
  return v !== v && b !== b;
}

/** Appends the numbers `values[0..n)` coded against `base` to `w`. */
export function encodeValues(values: Float64Array, base: Float64Array, n: number, w: ByteWriter): void {
  // Worst case per value: a 1-byte tag varint plus 8 raw bytes, or an 8-byte varint.
  w.reserve(n * 9);
  const buf = w.buf;
  let pos = w.pos;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    const b = base[i] as number;
    let x = -1;
    if (v === b && (v !== 0 || 1 / v === 1 / b)) {
      let run = 1;
      while (i + run < n && isBaseValue(values[i + run] as number, base[i + run] as number)) run++;
      if (run === 1) {
        buf[pos++] = 0;
        continue;
      }
      i += run - 1;
      x = run * 4 + 3;
    } else if (Number.isSafeInteger(v) && Number.isSafeInteger(b)) {
      const d = v - b;
      // d === 0 here means +0 vs -0, which only the raw form keeps apart.
      // Zigzag written without a branch on the sign: a negative delta (a gauge going down) may first come
      // long after V8 optimized this loop, and an operation it never saw would deoptimize it then (at 1 s
      // a sample, re-optimizing takes minutes, with every number boxed meanwhile).
      if (d !== 0 && d < LIMIT && d > -LIMIT && !Object.is(v, -0)) x = (Math.abs(d) * 2 - (d < 0 ? 1 : 0)) * 4;
    } else if (Number.isFinite(v)) {
      const c = Math.round(v * 100);
      if (Number.isSafeInteger(c)) {
        const cb = centiOf(b);
        const d = c - cb;
        if (d < LIMIT && d > -LIMIT && Object.is((cb + d) / 100, v)) x = (Math.abs(d) * 2 - (d < 0 ? 1 : 0)) * 4 + 1;
      }
    } else if (Object.is(v, b)) {
      x = 0; // NaN as base and value
    }
    if (x < 0) {
      buf[pos++] = 2;
      f64[0] = v;
      for (let k = 0; k < 8; k++) buf[pos++] = f64Bytes[k] as number;
      continue;
    }
    if (x < 0x80) {
      buf[pos++] = x;
    } else if (x < 0x80000000) {
      while (x >= 0x80) {
        buf[pos++] = (x & 0x7f) | 0x80;
        x >>>= 7;
      }
      buf[pos++] = x;
    } else {
      while (x >= 0x80) {
        buf[pos++] = (x % 0x80) | 0x80;
        x = Math.floor(x / 0x80);
      }
      buf[pos++] = x;
    }
  }
  w.pos = pos;
}

/** Decodes `n` numbers coded by {@link encodeValues} from `bytes[offset..]` into `out`; returns the end offset. */
export function decodeValues(bytes: Uint8Array, offset: number, base: Float64Array, n: number, out: Float64Array): number {
  let pos = offset;
  for (let i = 0; i < n; i++) {
    let x = 0;
    let byte = bytes[pos++] as number;
    if (byte < 0x80) {
      x = byte;
    } else {
      x = byte & 0x7f;
      let mul = 0x80;
      do {
        byte = bytes[pos++] as number;
        x += (byte & 0x7f) * mul;
        mul *= 0x80;
      } while (byte >= 0x80);
    }
    const b = base[i] as number;
    if (x === 0) {
      out[i] = b;
      continue;
    }
    const tag = x % 4;
    if (tag === 3) {
      const run = (x - 3) / 4;
      for (let k = 0; k < run && i < n; k++, i++) out[i] = base[i] as number;
      i--;
      continue;
    }
    if (tag === 2) {
      for (let k = 0; k < 8; k++) f64Bytes[k] = bytes[pos++] as number;
      out[i] = f64[0] as number;
      continue;
    }
    const z = (x - tag) / 4;
    const d = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    out[i] = tag === 0 ? b + d : (centiOf(b) + d) / 100;
  }
  return pos;
}

/** Rebuilds the sample object from a layout, decoded numbers and external fields. */
export function materialize(layout: Layout, values: Float64Array, external: ExternalFields): Record<string, unknown> {
  const root = layout.root;
  const out: Record<string, unknown> = {};
  const cursor = { pos: 0 };
  const keys = root.keys;
  for (let i = 0; i < keys.length; i++) {
    if (external.hasErrors && external.errorsAt === i) out['errors'] = external.errors;
    const key = keys[i] as string;
    const value =
      i === layout.timestampAt
        ? external.timestamp
        : i === layout.hostnameAt
          ? external.hostname
          : buildValue(root.children[i] as ShapeNode, values, cursor);
    setKey(out, key, value);
  }
  if (external.hasErrors && external.errorsAt >= keys.length) out['errors'] = external.errors;
  return out;
}

function buildValue(node: ShapeNode, values: Float64Array, cursor: { pos: number }): unknown {
  switch (node.kind) {
    case NUM:
      return values[cursor.pos++];
    case CONST:
      return node.value;
    case ARR: {
      const children = node.children;
      const arr = new Array<unknown>(children.length);
      for (let i = 0; i < children.length; i++) arr[i] = buildValue(children[i] as ShapeNode, values, cursor);
      return arr;
    }
    case OBJ: {
      const obj: Record<string, unknown> = {};
      const keys = node.keys;
      const children = node.children;
      for (let i = 0; i < keys.length; i++) setKey(obj, keys[i] as string, buildValue(children[i] as ShapeNode, values, cursor));
      return obj;
    }
  }
}

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  // An own "__proto__" key (JSON.parse makes those) must stay a plain property, not set the prototype.
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
