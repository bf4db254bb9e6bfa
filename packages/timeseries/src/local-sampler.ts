/**
 * This machine's sampler, built to cost (almost) nothing per tick (DESIGN §4 "Data path"): the files of
 * the source registry are read through descriptors kept open into one reused buffer, and while their
 * shape does not change the bytes are scanned by learned templates (`proc/byte-template.ts`) straight
 * into the values of a {@link PackedSample}: no string, no object, no array per tick. When a read does
 * not fit the template (first tick, a device added, a read error) that read is parsed the ordinary way,
 * and a new template is learned from it and checked against it; the sample is then handed on packed in
 * the new shape, or as the parsed object when it has errors or no template could be verified.
 */
import { buildLayout, type ExternalFields } from './compact';
import { templateOfSample, matchSample } from './journal-layout';
import { PackedSample, type SampleShape } from './packed-sample';
import { columnsFromMarks, demoteTokens, flatten, FileTemplate, markedText, marksIn, tokenize, type TokenizedFile } from './proc/byte-template';
import { ProcReader, RawProcRead, RAW_OK, type ProcSourceFile } from './proc/reader';
import { PROC_SOURCES, type ProcSource } from './proc/registry';
import { buildSampleFromSourceTexts, formatTimestamp, READER_FILES, readerFilesOf } from './sampling';
import { toEpochMs } from './timestamps';
import type { TimeSeriesSample } from './types';

/** The learned reading of one sample shape. */
interface Plan {
  readonly shape: SampleShape;
  /** Per reader file: its template, or null for a file the shape does not read (absent PSI). */
  readonly templates: (FileTemplate | null)[];
  /** Per reader file: the read state the shape expects. */
  readonly states: Uint8Array;
  readonly sample: PackedSample;
}

/** Counters of how the sampler's reads went, for benches and tests. */
export interface LocalSamplerStats {
  /** Reads scanned by a learned template into a packed sample. */
  fast: number;
  /** Reads parsed into a sample object (first read, shape changes, read errors). */
  parsed: number;
  /** Templates learned and verified. */
  learned: number;
  /** Shapes for which no template could be verified (they are always parsed). */
  unlearnable: number;
}

/** Options of {@link LocalSampler}. */
export interface LocalSamplerOptions {
  /** Where `/proc` is mounted. Default `/proc`. */
  procRoot?: string;
  /** The name samples carry in `hostname`. */
  hostname: string;
  /** Learn byte templates (the fast path). Default true; false parses every read (for comparison). */
  learn?: boolean;
  /** The sources sampled, in sample key order. Default: the registry, `PROC_SOURCES`. */
  sources?: readonly ProcSource[];
}

/**
 * Samples this machine. `sample()` returns a {@link PackedSample} (reused: consume it before the next
 * call) when the read fits the learned shape, otherwise a sample object. Owns descriptors: `close()`.
 *
 * @example
 * const sampler = new LocalSampler({ hostname: os.hostname() });
 * const s = sampler.sample(Date.now());
 * const sample = isPackedSample(s) ? s.toSample() : s;
 * sampler.close();
 */
export class LocalSampler {
  readonly procRoot: string;
  readonly hostname: string;
  /** How the reads went so far. */
  readonly stats: LocalSamplerStats = { fast: 0, parsed: 0, learned: 0, unlearnable: 0 };
  private readonly reader: ProcReader;
  private readonly raw: RawProcRead;
  private readonly learn: boolean;
  private plan: Plan | null = null;
  private readonly sources: readonly ProcSource[];
  private readonly files: readonly ProcSourceFile[];

  constructor(options: LocalSamplerOptions) {
    this.procRoot = options.procRoot ?? '/proc';
    this.hostname = options.hostname;
    this.learn = options.learn ?? true;
    this.sources = options.sources ?? PROC_SOURCES;
    this.files = options.sources === undefined ? READER_FILES : readerFilesOf(this.sources);
    this.reader = new ProcReader(this.procRoot, this.files);
    this.raw = new RawProcRead(this.files.length);
  }

  /** Takes one sample stamped `wallMs` (rounded to the millisecond). Never throws. */
  sample(wallMs: number): PackedSample | TimeSeriesSample {
    const ms = Math.round(wallMs);
    const raw = this.raw;
    this.reader.readRaw(raw);
    const plan = this.plan;
    if (plan !== null && !raw.failed && this.scan(plan, ms)) {
      this.stats.fast++;
      return plan.sample;
    }
    this.stats.parsed++;
    const sample = this.parse(ms);
    if (this.learn && sample.errors === undefined) {
      // A learned template has just read these very bytes into its values: hand those on, so the store
      // and the journal see one shape from the first sample on.
      this.plan = this.learnFrom(sample, ms);
      if (this.plan !== null) return this.plan.sample;
    }
    return sample;
  }

  /** Releases the kept descriptors. Idempotent; a later `sample()` opens files per read. */
  close(): void {
    this.reader.close();
  }

  private scan(plan: Plan, ms: number): boolean {
    const raw = this.raw;
    const values = plan.sample.values;
    const { templates, states } = plan;
    const timestampMs = toEpochMs(ms);
    if (timestampMs === null) return false;
    for (let i = 0; i < templates.length; i++) {
      if (raw.state[i] !== states[i]) return false;
      const template = templates[i];
      if (template !== null && template !== undefined && !template.scan(raw.buf, raw.start[i] as number, raw.end[i] as number, values)) return false;
    }
    values[0] = timestampMs;
    plan.sample.wallMs = ms;
    return true;
  }

  private parse(ms: number): TimeSeriesSample {
    const raw = this.raw;
    const texts: Record<string, string> = {};
    const errors: Record<string, string> = {};
    const files = this.files;
    for (let i = 0; i < files.length; i++) {
      const key = (files[i] as ProcSourceFile).key;
      const text = raw.text(i);
      if (text !== undefined) texts[key] = text;
      const error = raw.errors[i];
      if (raw.state[i] !== RAW_OK && error !== undefined) errors[key] = error;
    }
    return buildSampleFromSourceTexts({ timestamp: formatTimestamp(ms), timestampMs: ms, hostname: this.hostname, texts, errors, sources: this.sources });
  }

  /**
   * Learns the templates of the current read from its parsed `sample` and checks them: scanning the same
   * bytes must give exactly the values the codec and the journal take from the sample. Null when not.
   */
  private learnFrom(sample: TimeSeriesSample, ms: number): Plan | null {
    const plan = this.tryLearn(sample, ms);
    if (plan === null) this.stats.unlearnable++;
    else this.stats.learned++;
    return plan;
  }

  private tryLearn(sample: TimeSeriesSample, ms: number): Plan | null {
    const raw = this.raw;
    const external: ExternalFields = { timestamp: undefined, hostname: undefined, hasErrors: false, errors: undefined, errorsAt: -1 };
    const scratch = { values: new Float64Array(256) };
    const layout = buildLayout(sample, external, scratch);
    const journal = templateOfSample(sample);
    if (layout === null || journal === null || journal.leaves + 1 !== layout.slots) return null;

    const templates: (FileTemplate | null)[] = new Array<FileTemplate | null>(this.files.length).fill(null);
    const record = sample as unknown as Record<string, unknown>;
    let column = 1; // slot 0 is timestamp_ms
    let fileIndex = 0;
    for (const source of this.sources) {
      const first = fileIndex;
      fileIndex += source.files.length;
      const value = record[source.field];
      const tokenized: (TokenizedFile | null)[] = [];
      let tokens = 0;
      for (let i = first; i < fileIndex; i++) {
        if (raw.state[i] !== RAW_OK) {
          tokenized.push(null);
          continue;
        }
        const file = tokenize(raw.buf, raw.start[i] as number, raw.end[i] as number);
        tokenized.push(file);
        tokens += file.tokens.length;
      }
      let columns: Int32Array | null = null;
      let leaves = 0;
      const real = value === undefined ? null : flatten(value);
      // Digits that belong to a name (`/mnt/nfs/2024`) come back inside the marked record's strings: make
      // them literals and mark again (twice at most: a name's digits are found the first time).
      for (let attempt = 0; attempt < 3; attempt++) {
        const marked: (string | undefined)[] = [];
        let firstId = 0;
        for (const file of tokenized) {
          marked.push(file === null ? undefined : markedText(file, firstId));
          firstId += file === null ? 0 : file.tokens.length;
        }
        const markedRecord = source.build(marked, {});
        if (real === null) {
          // A source with nothing to report in files that were read (mountstats without an NFS mount): its
          // files are templates of literals and ignored numbers, so the read that would give it a record
          // (a new mount line) differs and is parsed.
          if (markedRecord !== undefined) return null;
          columns = new Int32Array(tokens).fill(-1);
          break;
        }
        const markedFlat = flatten(markedRecord);
        columns = columnsFromMarks(real, markedFlat, tokens, column);
        leaves = real.numbers.length;
        if (columns !== null) break;
        const inNames = new Set<number>();
        for (const text of markedFlat.strings) for (const id of marksIn(text)) inNames.add(id);
        if (inNames.size === 0) return null;
        let base = 0;
        for (const file of tokenized) {
          if (file === null) continue;
          const local: number[] = [];
          for (const id of inNames) if (id >= base && id < base + file.tokens.length) local.push(id - base);
          demoteTokens(file, local);
          base += file.tokens.length;
        }
      }
      if (columns === null) return null;
      let offset = 0;
      for (let k = 0; k < tokenized.length; k++) {
        const file = tokenized[k];
        if (file === null || file === undefined) continue;
        templates[first + k] = new FileTemplate(file, columns.subarray(offset, offset + file.tokens.length));
        offset += file.tokens.length;
      }
      column += leaves;
    }
    if (column !== layout.slots) return null;

    const shape: SampleShape = { layout, template: JSON.parse(journal.text) as unknown, slots: layout.slots };
    const values = new Float64Array(layout.slots);
    const plan: Plan = { shape, templates, states: Uint8Array.from(raw.state), sample: new PackedSample(shape, values, this.hostname, ms) };
    if (!this.scan(plan, ms)) return null;
    const fromJournal = new Float64Array(layout.slots);
    if (!matchSample({ id: 0, root: journal.root, leaves: journal.leaves }, sample, fromJournal)) return null;
    for (let k = 0; k < layout.slots; k++) {
      if (!Object.is(values[k], layout.base[k]) || !Object.is(values[k], fromJournal[k])) return null;
    }
    return plan;
  }
}
