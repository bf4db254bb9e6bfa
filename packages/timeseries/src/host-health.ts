/**
 * The one host-health rule of a run (DESIGN §4): from the outcome of each sample a host produces, its
 * link state (`pending` → `up` / `down`), the transitions worth a warning line (`connect-failed`, `lost`,
 * `recovered`), and its counts (good samples, error samples, samples with a failed source). Every
 * collector, the document builder and the journal reader judge hosts with this module, so a host is
 * `partial` or `failed` for the same reason everywhere.
 *
 * Pure: no I/O, no clock, no timers. The caller passes each sample (or its outcome) as it files it and
 * acts on the transition returned. Recording allocates nothing unless something changed (a transition,
 * a new last error), so it is cheap on the per-tick path.
 */
import type { HostHealth, HostStatusRecord, TimeSeriesSample } from './types';
import { PROC_SAMPLE_FIELDS } from './proc/registry';

/** The keys of a sample that carry collected data (as opposed to `timestamp`, `hostname`, `errors`). */
export const SAMPLE_DATA_KEYS = PROC_SAMPLE_FIELDS as readonly (keyof TimeSeriesSample & string)[];
const DATA_KEYS = SAMPLE_DATA_KEYS;

/**
 * True when the sample holds at least one collected source: a *good* sample. An *error sample* (host
 * unreachable, timed out, every source failed) holds none and does not make its host "collected".
 */
export function isGoodSample(sample: TimeSeriesSample): boolean {
  for (const key of DATA_KEYS) {
    if (sample[key] !== undefined && sample[key] !== null) return true;
  }
  return false;
}

/**
 * `pending`: no sample yet; `up`: the latest sample was good; `down`: the latest sample was an error
 * sample (never connected, or lost).
 */
export type HostLinkState = 'pending' | 'up' | 'down';

/** What changed in a host's link, worth one warning line each. */
export type HostTransitionKind = 'connect-failed' | 'lost' | 'recovered';

/** A change of a host's link state, as {@link HostHealthTracker.record} returns it. */
export interface HostTransition {
  kind: HostTransitionKind;
  /** The host's name in the run (key of `samples_by_host`). */
  host: string;
  /** `connect-failed` and `lost`: the error of the sample that showed it. */
  reason?: string;
  /** Wall-clock ms of the sample that showed the change (NaN when its timestamp is unreadable). */
  atMs: number;
  /** `recovered`: error samples the outage lasted. */
  errorSamples?: number;
  /** `recovered`: wall-clock ms of the outage's first error sample. */
  downSinceMs?: number;
  /** `recovered`: true when the host had never answered before (a late first connection). */
  firstContact?: boolean;
}

/** A host's counts. `samples = goodSamples + errorSamples`. */
export interface HostHealthCounts {
  /** Every sample filed for the host, error samples included (what the document holds, as `num_samples`). */
  samples: number;
  /** Samples with data. */
  goodSamples: number;
  /** Samples without data: the host did not answer (unreachable, lost, timed out) or every source failed. */
  errorSamples: number;
  /** Good samples in which some source failed (named in the sample's `errors`). */
  sourceErrorSamples: number;
  /** Times the host went down after having answered (`lost` transitions). */
  outages: number;
  /** The latest error, as `source: message`. */
  lastError: string | undefined;
}

/** A host's health now: its counts, `ok | partial | failed` and its link state. */
export interface HostHealthSnapshot extends HostHealthCounts {
  status: HostHealth;
  link: HostLinkState;
}

/** The outcome of one sample, for callers that do not hold a sample object. */
export interface SampleOutcome {
  /** The sample had data. */
  good: boolean;
  /** Wall-clock ms of the sample. */
  atMs: number;
  /** The sample's last error as `source: message`, when it has any. */
  error?: string;
}

/** A sample's time in epoch ms: `timestamp_ms` when present, else its ISO `timestamp` (NaN if unreadable). */
function timestampMsOf(sample: TimeSeriesSample): number {
  const ms = (sample as { timestamp_ms?: unknown }).timestamp_ms;
  return typeof ms === 'number' ? ms : Date.parse(sample.timestamp);
}

/** `source: message` of a sample's last error, or undefined when it has none. Never throws. */
export function lastSampleError(sample: TimeSeriesSample): string | undefined {
  const errors = sample.errors;
  if (errors === undefined || errors === null || typeof errors !== 'object') return undefined;
  let last: string | undefined;
  for (const key in errors) last = `${key}: ${String(errors[key])}`;
  return last;
}

/** The outcome of a sample: good or not, its time, its last error. Never throws on odd samples. */
export function sampleOutcome(sample: TimeSeriesSample): SampleOutcome {
  const ms = timestampMsOf(sample);
  const error = lastSampleError(sample);
  const outcome: SampleOutcome = { good: isGoodSample(sample), atMs: ms };
  if (error !== undefined) outcome.error = error;
  return outcome;
}

/**
 * `ok`: every sample good and complete; `partial`: some error samples or failed sources; `failed`: not a
 * single good sample.
 */
export function hostHealthOf(counts: Pick<HostHealthCounts, 'goodSamples' | 'errorSamples' | 'sourceErrorSamples'>): HostHealth {
  if (counts.goodSamples === 0) return 'failed';
  return counts.errorSamples > 0 || counts.sourceErrorSamples > 0 ? 'partial' : 'ok';
}

/**
 * One host's health over a run (see the module comment). Feed it every sample filed for the host, in
 * order, with {@link HostHealthTracker.record}; it returns the transition that sample caused, if any:
 *
 * - `connect-failed`: the host's first sample is an error sample (it never answered);
 * - `lost`: an error sample after good ones;
 * - `recovered`: a good sample after error samples (also a late first connection).
 */
export class HostHealthTracker {
  /** The host's name in the run. */
  readonly host: string;
  private linkState: HostLinkState = 'pending';
  private everUp = false;
  private downSince = NaN;
  private downSamples = 0;
  private samples = 0;
  private good = 0;
  private errors = 0;
  private sourceErrors = 0;
  private outageCount = 0;
  private lastErrorText: string | undefined;

  constructor(host: string) {
    this.host = host;
  }

  /** The link state after the latest sample. */
  get link(): HostLinkState {
    return this.linkState;
  }

  /** True when the latest sample was good (for an `up` gauge). */
  get up(): boolean {
    return this.linkState === 'up';
  }

  /** The counts so far (a fresh object). */
  get counts(): HostHealthCounts {
    return {
      samples: this.samples,
      goodSamples: this.good,
      errorSamples: this.errors,
      sourceErrorSamples: this.sourceErrors,
      outages: this.outageCount,
      lastError: this.lastErrorText,
    };
  }

  /** Counts, status and link state now (a fresh object). */
  snapshot(): HostHealthSnapshot {
    return { ...this.counts, status: this.status, link: this.linkState };
  }

  /** `ok | partial | failed` so far ({@link hostHealthOf}). */
  get status(): HostHealth {
    return hostHealthOf({ goodSamples: this.good, errorSamples: this.errors, sourceErrorSamples: this.sourceErrors });
  }

  /** Records a sample filed for this host; returns the transition it caused, or null. */
  record(sample: TimeSeriesSample): HostTransition | null {
    const good = isGoodSample(sample);
    const errors = sample.errors;
    let error: string | undefined;
    if (errors !== undefined && errors !== null && typeof errors === 'object') error = lastSampleError(sample);
    // The timestamp is parsed only when a transition needs it.
    return this.apply(good, error, () => (timestampMsOf(sample)));
  }

  /**
   * As {@link HostHealthTracker.record}, for a good sample without errors taken at `atMs` (a packed
   * sample of the fast path, which has no object to look at). Allocates nothing unless a transition.
   */
  recordGood(atMs: number): HostTransition | null {
    return this.apply(true, undefined, atMs);
  }

  /** As {@link HostHealthTracker.record}, from an outcome instead of a sample. */
  recordOutcome(outcome: SampleOutcome): HostTransition | null {
    return this.apply(outcome.good, outcome.error, () => outcome.atMs);
  }

  /** The per-host record of the document's `host_status` (mlps addition). */
  toStatusRecord(extra: { reconnects?: number } = {}): HostStatusRecord {
    const record: HostStatusRecord = {
      status: this.status,
      samples: this.samples,
      good_samples: this.good,
      error_samples: this.errors,
      source_error_samples: this.sourceErrors,
    };
    if (extra.reconnects !== undefined) record.reconnects = extra.reconnects;
    if (this.lastErrorText !== undefined) record.last_error = this.lastErrorText;
    return record;
  }

  private apply(good: boolean, error: string | undefined, atMs: number | (() => number)): HostTransition | null {
    this.samples++;
    if (error !== undefined) this.lastErrorText = error;
    if (good) {
      this.good++;
      if (error !== undefined) this.sourceErrors++;
      const was = this.linkState;
      this.linkState = 'up';
      if (was !== 'down') {
        this.everUp = true;
        return null;
      }
      const transition: HostTransition = {
        kind: 'recovered',
        host: this.host,
        atMs: typeof atMs === 'number' ? atMs : atMs(),
        errorSamples: this.downSamples,
        downSinceMs: this.downSince,
      };
      if (!this.everUp) transition.firstContact = true;
      this.everUp = true;
      this.downSamples = 0;
      return transition;
    }
    this.errors++;
    if (this.linkState === 'down') {
      this.downSamples++;
      return null;
    }
    const first = this.linkState === 'pending';
    this.linkState = 'down';
    this.downSamples = 1;
    const at = typeof atMs === 'number' ? atMs : atMs();
    this.downSince = at;
    if (!first) this.outageCount++;
    const transition: HostTransition = { kind: first ? 'connect-failed' : 'lost', host: this.host, atMs: at };
    if (error !== undefined) transition.reason = error;
    return transition;
  }
}

/** Health of one host judged from its samples alone (documents without `host_status`, journals). */
export function hostStatusFromSamples(samples: Iterable<TimeSeriesSample>): HostStatusRecord {
  const tracker = new HostHealthTracker('');
  for (const sample of samples) tracker.record(sample);
  return tracker.toStatusRecord();
}

/** Drops the collector's wording around a connection error, so the warning says the cause once. */
function plainReason(reason: string | undefined): string {
  if (reason === undefined) return 'no answer';
  // Error samples name their source (`ssh`, `json`, `collection`, as the reference's keys; `sample` before).
  return reason.replace(/^(?:ssh|json|collection|sample): /, '').replace(/^not connected(?: \(next attempt in [^)]*\))?: /, '');
}

function seconds(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = ms / 1000;
  return ` (${s < 10 ? s.toFixed(1) : Math.round(s)} s)`;
}

/**
 * The warning line of a transition, e.g. `host node2: cannot connect (getaddrinfo ENOTFOUND node2); its
 * samples are error samples until it answers`. One line, no trailing newline.
 */
export function describeHostTransition(t: HostTransition): string {
  switch (t.kind) {
    case 'connect-failed':
      return `host ${t.host}: cannot connect (${plainReason(t.reason)}); its samples are error samples until it answers`;
    case 'lost':
      return `host ${t.host}: lost (${plainReason(t.reason)}); reconnecting, its samples are error samples until it is back`;
    case 'recovered':
      return t.firstContact === true
        ? `host ${t.host}: connected after ${t.errorSamples ?? 0} error sample(s)${seconds(t.atMs - (t.downSinceMs ?? NaN))}`
        : `host ${t.host}: back after ${t.errorSamples ?? 0} error sample(s)${seconds(t.atMs - (t.downSinceMs ?? NaN))}`;
  }
}
