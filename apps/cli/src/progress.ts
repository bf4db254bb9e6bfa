import type { BenchmarkStage, CollectionProgress } from '@mlps/benchmark';

/** Where and how the CLI talks to the user. */
export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  quiet: boolean;
  /** Colors only on a TTY and without `NO_COLOR`. */
  color: boolean;
  /** Seconds between status lines during the workload. */
  statusIntervalSeconds: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Whether to color output: `NO_COLOR` (any value) wins, then `FORCE_COLOR`, else only on a TTY. */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** `mm:ss` or `h:mm:ss`. */
export function formatElapsed(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${String(m).padStart(2, '0')}:${ss}`;
}

/** The status line: elapsed, samples per host, host health. */
export function formatStatusLine(progress: CollectionProgress & { elapsedSeconds: number }): string {
  const hosts = Object.entries(progress.samplesByHost);
  const samples =
    hosts.length <= 4
      ? hosts.map(([h, n]) => `${h}=${n}`).join(' ')
      : `${hosts.reduce((a, [, n]) => a + n, 0)} across ${hosts.length} hosts (min ${Math.min(...hosts.map(([, n]) => n))})`;
  const h = progress.health;
  const down = progress.down > 0 ? `, not answering ${progress.down}` : '';
  return `[${formatElapsed(progress.elapsedSeconds)}] samples: ${samples || 'none yet'} | hosts ok ${h.ok}, partial ${h.partial}, failed ${h.failed}${down}`;
}

const STAGE_TEXT: Record<BenchmarkStage, string> = {
  validate: 'checking the configuration',
  'run-directory': 'results directory',
  'cluster-start': 'collecting cluster information (start)',
  'collection-start': 'starting time-series collection',
  workload: 'running the workload',
  'collection-stop': 'stopping time-series collection',
  'write-timeseries': 'writing time-series data',
  'cluster-end': 'collecting cluster information (end)',
  'write-metadata': 'writing metadata',
  done: 'done',
};

/**
 * Progress on stderr: stage lines, a status line every few seconds during the workload (rewritten in place
 * with a spinner on a TTY, plain lines otherwise), warnings and errors. `--quiet` silences all but errors
 * and warnings.
 */
export class Progress {
  private readonly opts: ProgressOptions;
  private statusTimer: NodeJS.Timeout | null = null;
  private spinnerTimer: NodeJS.Timeout | null = null;
  private spinnerIndex = 0;
  private lastStatus = '';
  private lineOpen = false;

  constructor(options: ProgressOptions) {
    this.opts = options;
  }

  private get tty(): boolean {
    return this.opts.stream.isTTY === true;
  }

  private paint(code: string, text: string): string {
    return this.opts.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  }

  private clearLine(): void {
    if (this.lineOpen) {
      this.opts.stream.write('\r\u001b[2K');
      this.lineOpen = false;
    }
  }

  /** A plain progress line (silenced by quiet). */
  line(text: string): void {
    if (this.opts.quiet) return;
    this.clearLine();
    this.opts.stream.write(`${text}\n`);
  }

  /** A stage of the run. */
  stage(stage: BenchmarkStage, detail?: string): void {
    if (stage === 'validate') return;
    this.line(`${this.paint('36', 'mlpstorage:')} ${STAGE_TEXT[stage]}${detail ? `: ${detail}` : ''}`);
  }

  /** Warnings are shown even with --quiet: they say something went wrong. */
  warning(message: string): void {
    this.clearLine();
    this.opts.stream.write(`${this.paint('33', 'mlpstorage: warning:')} ${message}\n`);
  }

  /** One-line error. */
  error(message: string): void {
    this.clearLine();
    this.opts.stream.write(`${this.paint('31', 'mlpstorage: error:')} ${message}\n`);
  }

  /** Starts the periodic status line, reading `read()` each time (null = nothing to show). */
  startStatus(read: () => (CollectionProgress & { elapsedSeconds: number }) | null): void {
    if (this.opts.quiet || this.statusTimer) return;
    const update = (): void => {
      const p = read();
      if (!p) return;
      this.lastStatus = formatStatusLine(p);
      if (this.tty) this.drawSpinner();
      else this.opts.stream.write(`mlpstorage: ${this.lastStatus}\n`);
    };
    this.statusTimer = setInterval(update, Math.max(100, this.opts.statusIntervalSeconds * 1000));
    this.statusTimer.unref();
    if (this.tty) {
      this.spinnerTimer = setInterval(() => this.drawSpinner(), 120);
      this.spinnerTimer.unref();
    }
  }

  private drawSpinner(): void {
    if (!this.lastStatus) return;
    this.spinnerIndex = (this.spinnerIndex + 1) % SPINNER.length;
    const width = Math.max(20, (this.opts.stream.columns ?? 100) - 1);
    const text = `${SPINNER[this.spinnerIndex]} ${this.lastStatus}`.slice(0, width);
    this.opts.stream.write(`\r\u001b[2K${text}`);
    this.lineOpen = true;
  }

  /** Stops the status line and clears it. */
  stopStatus(): void {
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.spinnerTimer) clearInterval(this.spinnerTimer);
    this.statusTimer = null;
    this.spinnerTimer = null;
    this.clearLine();
  }
}
