/**
 * A hand-written cursor over the text of a `/proc` file, shared by the parsers.
 *
 * Why not `split(/\s+/)` and `Number()`: a sample parses ~300 lines, and at 10 samples a second beside a
 * benchmark every allocation counts. The scanner walks char codes, builds integers without creating
 * substrings, and only slices the few strings the records keep (device and interface names, keys).
 *
 * Every method is total: on any input it returns a value (`NaN` or `''` for "not here") and never throws,
 * which is what lets the parsers promise the same.
 */

// Char codes of the /proc texts, shared with the byte templates (`byte-template.ts`).
export const NL = 10;
export const SPACE = 32;
export const TAB = 9;
export const CR = 13;
export const VT = 11;
export const FF = 12;
export const ZERO = 48;
export const NINE = 57;
export const DOT = 46;
export const MINUS = 45;

/** Digits a double holds exactly when accumulated by `v * 10 + d` (10^15 < 2^53). */
export const EXACT_DIGITS = 15;

/** Powers of ten up to 10^15, exact: `digits / POW10[k]` is a correctly rounded decimal. */
export const POW10: readonly number[] = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** Blanks separate fields. `\n` is not one: it ends the line. */
export function isBlank(c: number): boolean {
  // Most chars are above SPACE: one comparison settles them.
  return c <= SPACE && (c === SPACE || c === TAB || c === CR || c === VT || c === FF);
}

/** True for a char code that ends a token: blank, newline, or the end of the text (`NaN`). */
function endsToken(c: number): boolean {
  if (c > SPACE) return false;
  return c === SPACE || c === NL || c === TAB || c === CR || c === VT || c === FF || c !== c;
}

/** The text to parse, or `''` for anything that is not a string (parsers accept `unknown` at runtime). */
export function asText(input: unknown): string {
  return typeof input === 'string' ? input : '';
}

/**
 * The most recent scanner (and so one text), kept alive on purpose. A scanner lives for one parse, and
 * V8's optimized code of the scanner's methods depends weakly on objects that die with the last one: at
 * a full GC with no scanner alive, V8 deoptimized them ("weak objects" under `--trace-deopt`) and the next
 * parse paid TurboFan compiling them again, ~10 ms of CPU at each collector start and after each full GC
 * on this VM in Dec 2026. One live scanner keeps that code valid.
 */
let latestScanner: Scanner | null = null;

/**
 * Cursor over a text. Field readers skip leading blanks first and stop at the end of the current line, so
 * a short line yields `NaN`/`''` instead of reading into the next one.
 */
export class Scanner {
  readonly text: string;
  readonly length: number;
  pos = 0;

  constructor(text: string) {
    this.text = text;
    this.length = text.length;
    latestScanner = this;
  }

  /** True once every line was consumed. */
  done(): boolean {
    return this.pos >= this.length;
  }

  /** Moves to the start of the next line (or the end of the text). */
  nextLine(): void {
    const nl = this.text.indexOf('\n', this.pos);
    this.pos = nl < 0 ? this.length : nl + 1;
  }

  /** Skips blanks on the current line. */
  skipBlanks(): void {
    const { text, length } = this;
    let p = this.pos;
    while (p < length && isBlank(text.charCodeAt(p))) p++;
    this.pos = p;
  }

  /** True when only blanks remain on the current line. Leaves the cursor at the newline (or the end). */
  atLineEnd(): boolean {
    this.skipBlanks();
    return this.pos >= this.length || this.text.charCodeAt(this.pos) === NL;
  }

  /** Char code at the cursor after skipping blanks (`NaN` at the end of the text). */
  peek(): number {
    this.skipBlanks();
    return this.text.charCodeAt(this.pos);
  }

  /** The next blank-separated token of the current line, or `''` at the end of the line. */
  word(): string {
    this.skipBlanks();
    const { text, length } = this;
    const start = this.pos;
    let p = start;
    while (p < length && !endsToken(text.charCodeAt(p))) p++;
    this.pos = p;
    return start === p ? '' : text.slice(start, p);
  }

  /**
   * The characters up to `stop` (a char code) on the current line, consuming `stop`; `''` when a blank, the
   * newline or the end comes first, or nothing precedes `stop`. Used for `eth0:` and `MemTotal:`.
   */
  wordUntil(stop: number): string {
    this.skipBlanks();
    const { text, length } = this;
    const start = this.pos;
    let p = start;
    while (p < length) {
      const c = text.charCodeAt(p);
      if (c === stop) {
        this.pos = p + 1;
        return p === start ? '' : text.slice(start, p);
      }
      if (endsToken(c)) break;
      p++;
    }
    this.pos = p;
    return '';
  }

  /**
   * The next token as an unsigned decimal integer, or `NaN` when it is anything else (sign, letters, empty).
   * Up to 15 digits are accumulated exactly; longer ones go through `Number()` so that a counter beyond
   * 2^53 becomes the nearest double (precision lost in the last digits, never a wrong magnitude).
   */
  uint(): number {
    this.skipBlanks();
    return this.digits(-1);
  }

  /** An unsigned integer immediately followed by the char code `stop`, which is consumed (`2/94`). */
  uintBefore(stop: number): number {
    this.skipBlanks();
    return this.digits(stop);
  }

  /** An unsigned integer starting right at the cursor, no blanks skipped (the `94` of `2/94`). */
  uintAdjacent(): number {
    return this.digits(-1);
  }

  /** Reads digits at the cursor ending at a token end (`stop` < 0) or at `stop`. */
  private digits(stop: number): number {
    const { text, length } = this;
    const start = this.pos;
    let p = start;
    let value = 0;
    while (p < length) {
      const c = text.charCodeAt(p);
      if (c < ZERO || c > NINE) break;
      value = value * 10 + (c - ZERO);
      p++;
    }
    const digits = p - start;
    const next = text.charCodeAt(p);
    if (digits === 0 || (stop < 0 ? !endsToken(next) : next !== stop)) {
      this.skipToken(p);
      return NaN;
    }
    this.pos = stop < 0 ? p : p + 1;
    return digits <= EXACT_DIGITS ? value : finiteOrNaN(Number(text.slice(start, p)));
  }

  /** Like {@link Scanner.uint} but accepts one leading `-`, so a signed value keeps its line instead of dropping it. */
  int(): number {
    if (this.peek() === MINUS) {
      this.pos++;
      const c = this.text.charCodeAt(this.pos);
      if (c < ZERO || c > NINE) {
        this.skipToken(this.pos);
        return NaN;
      }
      return 0 - this.uint(); // `0 -` rather than unary minus: `-0` would not equal 0 in deep comparisons
    }
    return this.uint();
  }

  /**
   * The next token as an unsigned decimal with an optional fraction (`0.52`, `272.50`, `7`), or `NaN`.
   * `digits / 10^k` of two exactly representable integers is correctly rounded, so the result equals
   * `parseFloat`'s; longer tokens go through `Number()`. Exponents, signs, `Infinity` and hex are rejected.
   */
  decimal(): number {
    this.skipBlanks();
    const { text, length } = this;
    const start = this.pos;
    let p = start;
    let value = 0;
    let digits = 0;
    let fraction = -1;
    while (p < length) {
      const c = text.charCodeAt(p);
      if (c >= ZERO && c <= NINE) {
        value = value * 10 + (c - ZERO);
        digits++;
        if (fraction >= 0) fraction++;
      } else if (c === DOT && fraction < 0) {
        fraction = 0;
      } else {
        break;
      }
      p++;
    }
    if (digits === 0 || !endsToken(text.charCodeAt(p))) {
      this.skipToken(p);
      return NaN;
    }
    this.pos = p;
    if (digits > EXACT_DIGITS) return finiteOrNaN(Number(text.slice(start, p)));
    return fraction > 0 ? value / (POW10[fraction] as number) : value;
  }

  /**
   * Consumes `word` when it is exactly the next token (`stop` < 0) or exactly what precedes the char code
   * `stop` (which is consumed too), i.e. when {@link Scanner.word} / {@link Scanner.wordUntil} would return
   * a string equal to `word`. Otherwise returns false having moved past blanks only.
   */
  matchWord(word: string, stop: number): boolean {
    this.skipBlanks();
    const { text, pos } = this;
    if (!text.startsWith(word, pos)) return false;
    const end = pos + word.length;
    const next = text.charCodeAt(end);
    if (stop < 0 ? !endsToken(next) : next !== stop) return false;
    this.pos = stop < 0 ? end : end + 1;
    return true;
  }

  /** Consumes `literal` when the current line continues with it (after blanks); otherwise moves nothing. */
  consume(literal: string): boolean {
    this.skipBlanks();
    if (!this.text.startsWith(literal, this.pos)) return false;
    this.pos += literal.length;
    return true;
  }

  /** Moves past the rest of the malformed token that starts before `from`. */
  private skipToken(from: number): void {
    const { text, length } = this;
    let p = from;
    while (p < length && !endsToken(text.charCodeAt(p))) p++;
    this.pos = p;
  }
}

/** Lines whose keys a {@link KeyCache} remembers (a real `/proc/vmstat` has ~200). */
const MAX_CACHED_KEYS = 1024;

/**
 * The key strings of a parser's previous input, by line, handed out again when the same key is at the
 * same line: the object's keys are then the very strings it had last time.
 *
 * Why: a sampler is always cold, and most of a cold `/proc/vmstat` parse (~200 keys) is spent turning
 * fresh key strings into property names (string-table lookups all over memory), not scanning: reusing
 * the previous strings makes the parse ~3× cheaper. The output is the same; only string identity is
 * reused, so the parsers stay pure as far as any caller can tell.
 */
export class KeyCache {
  private readonly keys: string[] = [];

  /** Same result as `s.word()`. */
  word(s: Scanner, line: number): string {
    const cached = this.keys[line];
    if (cached !== undefined && s.matchWord(cached, -1)) return cached;
    return this.remember(line, s.word());
  }

  /** Same result as `s.wordUntil(stop)`. */
  wordUntil(s: Scanner, stop: number, line: number): string {
    const cached = this.keys[line];
    if (cached !== undefined && s.matchWord(cached, stop)) return cached;
    return this.remember(line, s.wordUntil(stop));
  }

  private remember(line: number, key: string): string {
    if (line <= this.keys.length && line < MAX_CACHED_KEYS) this.keys[line] = key;
    return key;
  }
}

/** A 400-digit "counter" is noise, not a number: `Infinity` would serialise as `null`. */
function finiteOrNaN(value: number): number {
  return Number.isFinite(value) ? value : NaN;
}

/** True for a record key that would change an object's prototype when assigned (never a kernel key). */
export function isUnsafeKey(key: string): boolean {
  return key === '__proto__';
}
