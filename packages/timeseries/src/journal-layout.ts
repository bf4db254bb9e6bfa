/**
 * Layouts of journal v2 (DESIGN §3): a host's sample *shape* written once, then one row of numbers per
 * sample. A template is the sample's JSON skeleton — every key in document order, strings (hostname,
 * device and interface names) filled in, every numeric leaf `null`. A row is `[layoutId, timestamp_ms,
 * v1, v2, …]` with the numeric leaves in depth-first document order. The root's `timestamp` and
 * `timestamp_ms` are never leaves: both come from the row's `timestamp_ms` (the reference's
 * `%Y-%m-%dT%H:%M:%SZ` of it, and the number itself).
 *
 * This module turns a template into what the readers need: a sample object (lazily, per row) and, for
 * the streamed document, the exact text `JSON.stringify(sample, null, 2)` would give, as literal pieces
 * between the values, so a row becomes document text without building the object.
 */
import { formatReferenceTimestamp } from './timestamps';

type TemplateNode =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'literal'; readonly value: string | boolean }
  | { readonly kind: 'object'; readonly keys: readonly string[]; readonly children: readonly TemplateNode[] }
  | { readonly kind: 'array'; readonly children: readonly TemplateNode[] };

const LEAF: TemplateNode = Object.freeze({ kind: 'leaf' });

/** Root keys taken from the row's timestamp, never leaves. */
const TIME_KEYS: ReadonlySet<string> = new Set(['timestamp', 'timestamp_ms']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Parses a template value into nodes; null when it holds something a template cannot (a number, …). */
function nodeOf(value: unknown, depth: number): TemplateNode | null {
  if (depth > 32) return null;
  if (value === null) return LEAF;
  if (typeof value === 'string' || typeof value === 'boolean') return { kind: 'literal', value };
  if (Array.isArray(value)) {
    const children: TemplateNode[] = [];
    for (const item of value) {
      const child = nodeOf(item, depth + 1);
      if (child === null) return null;
      children.push(child);
    }
    return { kind: 'array', children };
  }
  if (isPlainObject(value)) {
    const keys: string[] = [];
    const children: TemplateNode[] = [];
    for (const key of Object.keys(value)) {
      if (depth === 0 && TIME_KEYS.has(key)) continue;
      const child = nodeOf(value[key], depth + 1);
      if (child === null) return null;
      keys.push(key);
      children.push(child);
    }
    return { kind: 'object', keys, children };
  }
  return null;
}

function countLeaves(node: TemplateNode): number {
  switch (node.kind) {
    case 'leaf':
      return 1;
    case 'literal':
      return 0;
    default: {
      let n = 0;
      for (const child of node.children) n += countLeaves(child);
      return n;
    }
  }
}

/** A parsed template of one host's sample shape. */
export class JournalLayout {
  /** The layout's id in its journal. */
  readonly id: number;
  /** The `samples_by_host` key the layout's rows belong to. */
  readonly host: string;
  /** Numeric leaves per row (after the row's layout id and timestamp). */
  readonly leaves: number;
  /** True when the template holds at least one collected source (see `isGoodSample`). */
  readonly hasData: boolean;
  private readonly root: TemplateNode & { kind: 'object' };
  private readonly pieces = new Map<string, string[]>();

  private constructor(id: number, host: string, root: TemplateNode & { kind: 'object' }) {
    this.id = id;
    this.host = host;
    this.root = root;
    this.leaves = countLeaves(root);
    this.hasData = root.keys.some((k) => k !== 'hostname' && k !== 'errors');
  }

  /** Parses a layout record's template; null when it is not a template (not an object, numbers in it). */
  static fromTemplate(id: number, host: string, template: unknown): JournalLayout | null {
    const root = nodeOf(template, 0);
    if (root === null || root.kind !== 'object') return null;
    return new JournalLayout(id, host, root as TemplateNode & { kind: 'object' });
  }

  /**
   * The sample of one row: `values[offset]` is its `timestamp_ms`, then {@link JournalLayout.leaves}
   * values (a `null` or non-finite value becomes `null`, as JSON writes it).
   */
  toSample(values: ArrayLike<number | null>, offset = 0): Record<string, unknown> {
    const timeMs = values[offset] as number;
    const out: Record<string, unknown> = { timestamp: formatReferenceTimestamp(timeMs), timestamp_ms: timeMs };
    const cursor = { at: offset + 1 };
    const root = this.root;
    for (let i = 0; i < root.keys.length; i++) out[root.keys[i] as string] = build(root.children[i] as TemplateNode, values, cursor);
    return out;
  }

  /**
   * The row's sample as `JSON.stringify(sample, null, 2)` would write it, every line after the first
   * indented by `indent` (literal pieces and numbers concatenated; no object is built).
   */
  sampleJson(values: ArrayLike<number | null>, offset: number, indent: string): string {
    let pieces = this.pieces.get(indent);
    if (pieces === undefined) {
      pieces = compilePieces(this.root, indent);
      this.pieces.set(indent, pieces);
    }
    const timeMs = values[offset] as number;
    let out = `${pieces[0] as string}"${formatReferenceTimestamp(timeMs)}"${pieces[1] as string}${numberText(timeMs)}`;
    const last = pieces.length - 1;
    for (let i = 2; i < last; i++) out += (pieces[i] as string) + numberText(values[offset + i - 1]);
    return out + (pieces[last] as string);
  }
}

/** A number as JSON writes it (`null` for NaN, ±Infinity and missing values). */
export function numberText(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : 'null';
}

function build(node: TemplateNode, values: ArrayLike<number | null>, cursor: { at: number }): unknown {
  switch (node.kind) {
    case 'leaf': {
      const v = values[cursor.at++];
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    }
    case 'literal':
      return node.value;
    case 'array': {
      const out = new Array<unknown>(node.children.length);
      for (let i = 0; i < out.length; i++) out[i] = build(node.children[i] as TemplateNode, values, cursor);
      return out;
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < node.keys.length; i++) out[node.keys[i] as string] = build(node.children[i] as TemplateNode, values, cursor);
      return out;
    }
  }
}

/**
 * Literal text between the values of a sample written with indent 2 and every line prefixed by
 * `indent`: `[before timestamp, before timestamp_ms, before leaf 1, …, after the last value]`.
 */
function compilePieces(root: TemplateNode & { kind: 'object' }, indent: string): string[] {
  const pieces: string[] = [];
  let text = '';
  const slot = (): void => {
    pieces.push(text);
    text = '';
  };
  const inner = `${indent}  `;
  text += `{\n${inner}"timestamp": `;
  slot();
  text += `,\n${inner}"timestamp_ms": `;
  slot();
  const walk = (node: TemplateNode, at: string): void => {
    switch (node.kind) {
      case 'leaf':
        slot();
        return;
      case 'literal':
        text += JSON.stringify(node.value);
        return;
      case 'array': {
        if (node.children.length === 0) {
          text += '[]';
          return;
        }
        const deeper = `${at}  `;
        text += '[';
        node.children.forEach((child, i) => {
          text += `${i > 0 ? ',' : ''}\n${deeper}`;
          walk(child, deeper);
        });
        text += `\n${at}]`;
        return;
      }
      case 'object': {
        if (node.keys.length === 0) {
          text += '{}';
          return;
        }
        const deeper = `${at}  `;
        text += '{';
        node.keys.forEach((key, i) => {
          text += `${i > 0 ? ',' : ''}\n${deeper}${JSON.stringify(key)}: `;
          walk(node.children[i] as TemplateNode, deeper);
        });
        text += `\n${at}}`;
        return;
      }
    }
  };
  root.keys.forEach((key, i) => {
    text += `,\n${inner}${JSON.stringify(key)}: `;
    walk(root.children[i] as TemplateNode, inner);
  });
  text += `\n${indent}}`;
  pieces.push(text);
  return pieces;
}

// ---------------------------------------------------------------------------------------------------
// The writer's side: a sample object → template and row values.

/** A sample shape the writer has declared, with what it needs to match later samples against it. */
export interface WriterLayout {
  readonly id: number;
  readonly root: TemplateNode & { kind: 'object' };
  readonly leaves: number;
}

/**
 * The template of `sample` (the JSON text of its skeleton) and its parsed nodes, or null when the sample
 * cannot be a row: no integer `timestamp_ms`, a `timestamp` that is not the reference form of it,
 * `errors` present, or values a template cannot express. Such samples are journalled whole.
 */
export function templateOfSample(sample: unknown): { text: string; root: TemplateNode & { kind: 'object' }; leaves: number } | null {
  if (!isRowSample(sample)) return null;
  const skeleton = skeletonOf(sample, 0);
  if (skeleton === undefined) return null;
  const root = nodeOf(skeleton, 0);
  if (root === null || root.kind !== 'object') return null;
  return { text: JSON.stringify(skeleton), root: root as TemplateNode & { kind: 'object' }, leaves: countLeaves(root) };
}

function isRowSample(sample: unknown): sample is Record<string, unknown> {
  if (!isPlainObject(sample)) return false;
  const ms = sample.timestamp_ms;
  if (typeof ms !== 'number' || !Number.isInteger(ms) || Math.abs(ms) > 8.64e15) return false;
  if (sample.timestamp !== formatReferenceTimestamp(ms)) return false;
  if (sample.errors !== undefined) return false;
  return true;
}

/** The skeleton (numbers → null), or undefined when a value cannot be templated. */
function skeletonOf(value: unknown, depth: number): unknown {
  if (depth > 32) return undefined;
  if (value === null || typeof value === 'number') return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const s = skeletonOf(item, depth + 1);
      if (s === undefined) return undefined;
      out.push(s);
    }
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const v = value[key];
      if (v === undefined) continue;
      if (depth === 0 && TIME_KEYS.has(key)) {
        out[key] = null;
        continue;
      }
      const s = skeletonOf(v, depth + 1);
      if (s === undefined) return undefined;
      out[key] = s;
    }
    return out;
  }
  return undefined;
}

/**
 * Extracts the row values of `sample` into `out` (from index 0: `timestamp_ms`, then the leaves) when the
 * sample has exactly the layout's shape; false on any difference (then a new layout is needed).
 */
export function matchSample(layout: WriterLayout, sample: unknown, out: Float64Array): boolean {
  if (!isRowSample(sample)) return false;
  out[0] = sample.timestamp_ms as number;
  const cursor = { at: 1 };
  const root = layout.root;
  let n = 0;
  for (const key of Object.keys(sample)) {
    const v = sample[key];
    if (v === undefined || TIME_KEYS.has(key)) continue;
    if (root.keys[n] !== key) return false;
    if (!extract(root.children[n] as TemplateNode, v, out, cursor, 1)) return false;
    n++;
  }
  return n === root.keys.length && cursor.at === layout.leaves + 1;
}

function extract(node: TemplateNode, value: unknown, out: Float64Array, cursor: { at: number }, depth: number): boolean {
  switch (node.kind) {
    case 'leaf':
      if (typeof value === 'number') out[cursor.at++] = value;
      else if (value === null) out[cursor.at++] = NaN;
      else return false;
      return true;
    case 'literal':
      return value === node.value;
    case 'array': {
      if (!Array.isArray(value) || value.length !== node.children.length) return false;
      for (let i = 0; i < value.length; i++) {
        if (!extract(node.children[i] as TemplateNode, value[i], out, cursor, depth + 1)) return false;
      }
      return true;
    }
    case 'object': {
      if (!isPlainObject(value)) return false;
      let n = 0;
      for (const key in value) {
        const v = value[key];
        if (v === undefined) continue;
        if (node.keys[n] !== key) return false;
        if (!extract(node.children[n] as TemplateNode, v, out, cursor, depth + 1)) return false;
        n++;
      }
      return n === node.keys.length;
    }
  }
}
