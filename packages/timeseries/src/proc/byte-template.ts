/**
 * Learned byte templates: the zero-allocation reading of a `/proc` file whose shape did not change.
 *
 * A `/proc` file keeps its shape from one read to the next: the same lines, keys, device and interface
 * names, only the numbers change. So once a file's text has been parsed by its source's parser (the one
 * definition of what the file means), the sampler learns a *template* of its bytes: literal runs (keys,
 * names, punctuation), blank runs, and number tokens, each number token tied to the column (the value slot
 * of the sample) the parser put it in, or to none when the parser ignores it (the per-IRQ counts of
 * `intr`). Later reads are walked against the template byte by byte: literals compared, numbers scanned
 * straight into a `Float64Array`. Nothing is allocated; any difference (a device added, a name changed, a
 * token the template did not foresee) makes the walk fail and the sampler parses that read the slow way,
 * then learns again.
 *
 * Which token feeds which column is not written by hand: it is found by parsing a *marked* copy of the
 * text, where each number token is replaced by a unique value (`MARK_BASE + token id`), and reading back
 * where each mark landed. A column that receives no mark (a value the parser derives or fills in) fails
 * the learning, and so does a mark that changes a name; the learned template is then checked by scanning
 * the original bytes and comparing every column with the parser's value (`Object.is`). A template is used
 * only when both hold, so the fast path gives exactly what the parser gives, or is not used.
 */

import { DOT, EXACT_DIGITS, MINUS, NINE, NL, POW10, ZERO, isBlank } from './scanner';

const SLASH = 47;
const EQUALS = 61;
const COLON = 58;

/** Marks are `MARK_BASE + token id`: 15 digits, exact, read the same way by every parser's number reader. */
export const MARK_BASE = 100_000_000_000_000;
/** More number tokens than this in one sample and no template is learned (marks must stay 15 digits). */
const MAX_TOKENS = 1_000_000;

// Template ops, three Int32 each: [kind, a, b].
const OP_LITERAL = 0; // a: offset in the literal pool, b: length
const OP_BLANKS = 1; // one or more blanks
const OP_NUMBER = 2; // a: column (-1: ignored), b: flags
const FLAG_NEGATIVE = 1;
const FLAG_DECIMAL = 2;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** What may come right before a number token: the start, a blank, a newline, `/`, `=`, `:`. */
function opensNumber(c: number): boolean {
  return c !== c || isBlank(c) || c === NL || c === SLASH || c === EQUALS || c === COLON;
}

/** What may come right after a number token: the end, a blank, a newline, `/`. */
function closesNumber(c: number): boolean {
  return c !== c || isBlank(c) || c === NL || c === SLASH;
}

/** A number token of a file being learned. */
interface Token {
  /** Byte range of the token in the learned text. */
  start: number;
  end: number;
  flags: number;
  /** Demoted to literal text (part of a name). */
  literal?: boolean;
}

/** One file's text split into ops, before the columns are known. */
export interface TokenizedFile {
  /** Ops as [kind, a, b]; number ops carry their token index (into `tokens`) in `a` until columns are set. */
  ops: number[];
  literals: number[];
  tokens: Token[];
  bytes: Uint8Array;
}

/** Splits a file's bytes into literal runs, blank runs and number tokens. */
export function tokenize(bytes: Uint8Array, start: number, end: number): TokenizedFile {
  const ops: number[] = [];
  const literals: number[] = [];
  const tokens: Token[] = [];
  let litStart = -1;
  const flushLiteral = (upTo: number): void => {
    if (litStart < 0) return;
    ops.push(OP_LITERAL, literals.length, upTo - litStart);
    for (let k = litStart; k < upTo; k++) literals.push(bytes[k] as number);
    litStart = -1;
  };
  let p = start;
  while (p < end) {
    const c = bytes[p] as number;
    if (isBlank(c)) {
      flushLiteral(p);
      while (p < end && isBlank(bytes[p] as number)) p++;
      ops.push(OP_BLANKS, 0, 0);
      continue;
    }
    const before = p === start ? NaN : (bytes[p - 1] as number);
    if ((isDigit(c) || (c === MINUS && p + 1 < end && isDigit(bytes[p + 1] as number))) && opensNumber(before)) {
      let q = p;
      let flags = 0;
      if (c === MINUS) {
        flags |= FLAG_NEGATIVE;
        q++;
      }
      while (q < end && isDigit(bytes[q] as number)) q++;
      if (q + 1 < end && bytes[q] === DOT && isDigit(bytes[q + 1] as number)) {
        flags |= FLAG_DECIMAL;
        q++;
        while (q < end && isDigit(bytes[q] as number)) q++;
      }
      if (closesNumber(q < end ? (bytes[q] as number) : NaN)) {
        flushLiteral(p);
        ops.push(OP_NUMBER, tokens.length, flags);
        tokens.push({ start: p - start, end: q - start, flags });
        p = q;
        continue;
      }
      // Digits glued to something else (`7.5.1`, `12ab`): literal text, compared as is.
      if (litStart < 0) litStart = p;
      p = q;
      continue;
    }
    if (litStart < 0) litStart = p;
    p++;
  }
  flushLiteral(end);
  return { ops, literals, tokens, bytes: bytes.subarray(start, end) };
}

/**
 * The text of `file` with number token `i` replaced by `MARK_BASE + firstId + i`, except the tokens
 * demoted to literals (parts of names: see {@link demoteTokens}), which keep their bytes.
 */
export function markedText(file: TokenizedFile, firstId: number): string {
  const { bytes, tokens } = file;
  // Plain ASCII (nearly every /proc file): byte offsets are string offsets, so the text is decoded once and
  // sliced, instead of one subarray and decode per token (a collector's start marks ~1000 tokens).
  const text = isAscii(bytes) ? latin1Text(bytes) : null;
  const decoder = new TextDecoder();
  const piece = (from: number, to: number): string =>
    text !== null ? text.slice(from, to) : decoder.decode(bytes.subarray(from, to));
  let out = '';
  let at = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.literal === true) continue;
    out += piece(at, token.start);
    out += String(MARK_BASE + firstId + i);
    at = token.end;
  }
  return out + piece(at, bytes.length);
}

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) > 0x7f) return false;
  return true;
}

function latin1Text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * Makes number tokens literal text, compared as they are: digits that the parser keeps as part of a name
 * (`/mnt/nfs/2024`, a device called `7`). Their marks showed up in the marked record's strings.
 */
export function demoteTokens(file: TokenizedFile, tokenIndexes: Iterable<number>): void {
  const demote = new Set(tokenIndexes);
  const { ops, literals, tokens, bytes } = file;
  for (let k = 0; k < ops.length; k += 3) {
    if (ops[k] !== OP_NUMBER || !demote.has(ops[k + 1] as number)) continue;
    const token = tokens[ops[k + 1] as number] as Token;
    token.literal = true;
    ops[k] = OP_LITERAL;
    ops[k + 1] = literals.length;
    ops[k + 2] = token.end - token.start;
    for (let b = token.start; b < token.end; b++) literals.push(bytes[b] as number);
  }
}

/** The mark ids (`MARK_BASE + id`) found inside `text`: number tokens that ended up in a name. */
export function marksIn(text: string): number[] {
  const ids: number[] = [];
  const found = text.match(/1\d{14}/g);
  if (found !== null) for (const m of found) ids.push(Number(m) - MARK_BASE);
  return ids;
}

/** A learned template of one file: ops with columns set, and the literal bytes they compare. */
export class FileTemplate {
  private readonly ops: Int32Array;
  private readonly literals: Uint8Array;

  constructor(file: TokenizedFile, columnOfToken: ArrayLike<number>) {
    const ops = Int32Array.from(file.ops);
    for (let k = 0; k < ops.length; k += 3) {
      if (ops[k] === OP_NUMBER) ops[k + 1] = columnOfToken[ops[k + 1] as number] as number;
    }
    this.ops = ops;
    this.literals = Uint8Array.from(file.literals);
  }

  /**
   * Walks `bytes[start, end)` against the template, writing each kept number into `out[column]`. Returns
   * false at the first difference (the caller then parses the text the slow way). Allocates nothing.
   */
  scan(bytes: Uint8Array, start: number, end: number, out: Float64Array): boolean {
    const ops = this.ops;
    const lit = this.literals;
    let p = start;
    for (let k = 0; k < ops.length; k += 3) {
      const kind = ops[k] as number;
      if (kind === OP_NUMBER) {
        const flags = ops[k + 2] as number;
        let negative = false;
        if (p < end && bytes[p] === MINUS) {
          if ((flags & FLAG_NEGATIVE) === 0) return false;
          negative = true;
          p++;
        } else if ((flags & FLAG_NEGATIVE) !== 0) {
          return false;
        }
        let value = 0;
        let digits = 0;
        let c = 0;
        while (p < end && (c = bytes[p] as number) >= ZERO && c <= NINE) {
          value = value * 10 + (c - ZERO);
          digits++;
          p++;
        }
        if (digits === 0) return false;
        let fraction = 0;
        if ((flags & FLAG_DECIMAL) !== 0) {
          if (p >= end || bytes[p] !== DOT) return false;
          p++;
          while (p < end && (c = bytes[p] as number) >= ZERO && c <= NINE) {
            value = value * 10 + (c - ZERO);
            digits++;
            fraction++;
            p++;
          }
          if (fraction === 0) return false;
        } else if (p < end && bytes[p] === DOT) {
          return false;
        }
        // Longer tokens are read with Number() by the parsers: leave them to the slow path.
        if (digits > EXACT_DIGITS) return false;
        if (p < end && !closesNumber(bytes[p] as number)) return false;
        const column = ops[k + 1] as number;
        if (column >= 0) {
          const v = fraction > 0 ? value / (POW10[fraction] as number) : value;
          out[column] = negative ? 0 - v : v;
        }
      } else if (kind === OP_BLANKS) {
        if (p >= end || !isBlank(bytes[p] as number)) return false;
        p++;
        while (p < end && isBlank(bytes[p] as number)) p++;
      } else {
        const from = ops[k + 1] as number;
        const length = ops[k + 2] as number;
        if (end - p < length) return false;
        for (let i = 0; i < length; i++) if (bytes[p + i] !== lit[from + i]) return false;
        p += length;
      }
    }
    return p === end;
  }
}

/** Numbers and strings of a parsed record in walk order (own keys, arrays in order). */
export interface Flattened {
  numbers: number[];
  strings: string[];
  /** False when the record holds something a template cannot describe (booleans, nested nulls, …). */
  ok: boolean;
}

/** Walks `value` as the sample codec does: own enumerable keys in order, arrays in order. */
export function flatten(value: unknown, into: Flattened = { numbers: [], strings: [], ok: true }): Flattened {
  if (typeof value === 'number') into.numbers.push(value);
  else if (typeof value === 'string') into.strings.push(value);
  else if (Array.isArray(value)) for (const item of value) flatten(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      into.strings.push(key);
      flatten((value as Record<string, unknown>)[key], into);
    }
  } else into.ok = false;
  return into;
}

/**
 * Which token feeds which column, from a record parsed out of marked texts: `columnOfToken[token id]` is
 * the column (`firstColumn + leaf index`) or -1. Null when a leaf holds no mark, a mark lands twice, or
 * the marked record's names differ from the real one's (a number token that is part of a name).
 */
export function columnsFromMarks(real: Flattened, marked: Flattened, tokenCount: number, firstColumn: number): Int32Array | null {
  if (!real.ok || !marked.ok) return null;
  if (real.numbers.length !== marked.numbers.length || real.strings.length !== marked.strings.length) return null;
  for (let i = 0; i < real.strings.length; i++) if (real.strings[i] !== marked.strings[i]) return null;
  if (tokenCount > MAX_TOKENS) return null;
  const columns = new Int32Array(tokenCount).fill(-1);
  for (let j = 0; j < marked.numbers.length; j++) {
    const id = (marked.numbers[j] as number) - MARK_BASE;
    if (!Number.isInteger(id) || id < 0 || id >= tokenCount || columns[id] !== -1) return null;
    columns[id] = firstColumn + j;
  }
  return columns;
}
