/**
 * Our side of the remote loop (see remote-script.ts): one exec channel kept open for the whole connection,
 * one request line per sample, at most one request in flight. Whatever the host does (noise on stderr, a
 * banner on stdout, a hang, an exit, a connection that drops mid-answer) ends as a resolved reading or an
 * {@link MlpsError}; nothing is ever thrown asynchronously.
 */
import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import { MlpsError } from '@mlps/timeseries';
import {
  buildRemoteCommand,
  catErrorFor,
  remoteFiles,
  scanResponse,
  type RemoteFile,
  type RemoteReader,
  type RemoteReading,
} from './remote-script';
import type { SshConnection } from './transport';

/** A reading plus what the host's stderr said about files that printed nothing. */
export interface RemoteSampleResult extends RemoteReading {
  /** Messages for required files that printed nothing, keyed by file key (`'net/dev'`). */
  errors: Record<string, string>;
}

const STDERR_KEEP = 8 * 1024;
/** Far beyond any real answer (~10 KB; ~1 MB for /proc/stat of thousands of CPUs). */
const MAX_BUFFER_CHARS = 16 * 1024 * 1024;

interface Outstanding {
  nonce: string;
  stderrMark: number;
  waiter: { resolve: (r: RemoteSampleResult) => void; reject: (e: MlpsError) => void; timer: NodeJS.Timeout | undefined } | null;
  /** Stdout chars received since the request was written (to tell a torn answer from no answer). */
  received: number;
}

/** Keeps one long-lived remote loop and asks it for samples. */
export class RemoteSampler {
  private readonly channel: ClientChannel;
  private readonly files: readonly RemoteFile[];
  private readonly where: string;
  private buffer = '';
  private stderr = '';
  /** Total stderr chars ever received (so a request can find the part that came after it). */
  private stderrTotal = 0;
  private outstanding: Outstanding | null = null;
  private nonceCounter = 0;
  private ended = false;
  private endError: MlpsError | null = null;
  private exitInfo: { code?: number | null; signal?: string | null } | null = null;
  private readonly closeListeners: Array<(err: MlpsError) => void> = [];

  private constructor(channel: ClientChannel, files: readonly RemoteFile[], where: string) {
    this.channel = channel;
    this.files = files;
    this.where = where;
    channel.on('data', (chunk: Buffer) => this.onStdout(chunk));
    channel.stderr.on('data', (chunk: Buffer) => this.onStderr(chunk));
    channel.on('exit', (code: number | null, signal?: string | null) => {
      this.exitInfo = { code, signal: signal ?? null };
    });
    channel.on('error', (err: Error) => this.end(new MlpsError('HOST_UNREACHABLE', `remote command on ${where} failed: ${err.message}`, { cause: err })));
    channel.on('close', () => this.end(null));
    // Errors on the stderr sub-stream must not go unhandled either.
    channel.stderr.on('error', () => undefined);
  }

  /**
   * Starts the loop on `connection` (one exec for the life of the connection).
   *
   * @throws MlpsError `HOST_UNREACHABLE` when the host refuses the command.
   */
  static async start(connection: SshConnection, options: { procRoot?: string; reader?: RemoteReader } = {}): Promise<RemoteSampler> {
    const files = remoteFiles(options.procRoot);
    return connection.exec(buildRemoteCommand(files, options.reader ?? 'auto'), (channel) => new RemoteSampler(channel, files, connection.where));
  }

  /** Wraps an already open channel running {@link buildRemoteCommand} (tests, custom transports). */
  static fromChannel(channel: ClientChannel, where: string, options: { procRoot?: string } = {}): RemoteSampler {
    return new RemoteSampler(channel, remoteFiles(options.procRoot), where);
  }

  /** True while a request (possibly abandoned after its deadline) has not been answered. */
  get busy(): boolean {
    return this.outstanding !== null;
  }

  /** True once the loop's channel is gone. */
  get closed(): boolean {
    return this.ended;
  }

  /** Calls `fn` once when the channel ends, with why. */
  onClose(fn: (err: MlpsError) => void): void {
    if (this.ended) queueMicrotask(() => fn(this.endError ?? this.closedError()));
    else this.closeListeners.push(fn);
  }

  /**
   * Asks for one sample. Resolves with the reading, or rejects with `TIMEOUT` after `timeoutMs` (the
   * request stays outstanding until its late answer arrives, and a further request meanwhile rejects at
   * once: never two in flight), or `HOST_UNREACHABLE` when the channel ends or the answer is torn.
   */
  request(timeoutMs: number): Promise<RemoteSampleResult> {
    if (this.ended) return Promise.reject(this.endError ?? this.closedError());
    if (this.outstanding) {
      return Promise.reject(
        new MlpsError('TIMEOUT', `${this.where} has still not answered the previous request (request ${this.outstanding.nonce}); not sending another`),
      );
    }
    // Unguessable, so a banner or rc-file output can never look like the answer's markers.
    const nonce = `${++this.nonceCounter}-${randomBytes(6).toString('hex')}`;
    return new Promise<RemoteSampleResult>((resolve, reject) => {
      const out: Outstanding = { nonce, stderrMark: this.stderrTotal, waiter: { resolve, reject, timer: undefined }, received: 0 };
      this.outstanding = out;
      if (Number.isFinite(timeoutMs)) {
        const timer = setTimeout(() => {
          if (out.waiter === null) return;
          out.waiter = null;
          reject(new MlpsError('TIMEOUT', `${this.where} did not answer within ${Math.round(timeoutMs)} ms`));
        }, Math.max(0, timeoutMs));
        timer.unref();
        out.waiter!.timer = timer;
      }
      try {
        this.channel.write(`${nonce}\n`);
      } catch (err) {
        this.end(new MlpsError('HOST_UNREACHABLE', `cannot write to the remote command on ${this.where}: ${(err as Error).message}`, { cause: err }));
      }
    });
  }

  /** Asks the loop to exit and closes the channel; pending requests reject. Idempotent. */
  close(): void {
    if (this.ended) return;
    try {
      this.channel.end('q\n');
    } catch {
      // Channel already gone.
    }
    try {
      this.channel.close();
    } catch {
      // Channel already gone.
    }
    this.end(new MlpsError('HOST_UNREACHABLE', `remote command on ${this.where} closed by us`));
  }

  private onStdout(chunk: Buffer): void {
    // latin1 maps bytes 1:1, so a chunk boundary never splits a character; /proc text is ASCII.
    const text = chunk.toString('latin1');
    this.buffer += text;
    const out = this.outstanding;
    if (!out) {
      // Nothing asked: a banner or noise. Keep only a short tail.
      if (this.buffer.length > 4096) this.buffer = this.buffer.slice(-4096);
      return;
    }
    out.received += text.length;
    const result = scanResponse(this.buffer, out.nonce, this.files);
    if (result.kind === 'incomplete') {
      if (result.discardBefore > 0) this.buffer = this.buffer.slice(result.discardBefore);
      if (this.buffer.length > MAX_BUFFER_CHARS) {
        this.end(new MlpsError('HOST_UNREACHABLE', `${this.where} sent more than ${MAX_BUFFER_CHARS} characters without completing an answer`));
      }
      return;
    }
    this.buffer = this.buffer.slice(result.end);
    this.outstanding = null;
    const waiter = out.waiter;
    if (!waiter) return; // The answer to a request abandoned at its deadline: the loop is free again.
    out.waiter = null;
    if (waiter.timer) clearTimeout(waiter.timer);
    if (result.kind === 'garbled') {
      waiter.reject(new MlpsError('INVALID_FORMAT', `${this.where}: ${result.reason}`));
      return;
    }
    const stderr = this.stderrSince(out.stderrMark);
    const errors: Record<string, string> = {};
    for (const key of result.reading.missing) {
      const file = this.files.find((f) => f.key === key);
      const path = file?.path ?? key;
      errors[key] = catErrorFor(stderr, path) ?? `cannot read ${path} on the host (empty or unreadable)`;
    }
    waiter.resolve({ ...result.reading, errors });
  }

  private onStderr(chunk: Buffer): void {
    const text = chunk.toString('latin1');
    this.stderrTotal += text.length;
    this.stderr += text;
    if (this.stderr.length > STDERR_KEEP) this.stderr = this.stderr.slice(-STDERR_KEEP);
  }

  private stderrSince(mark: number): string {
    const since = this.stderrTotal - mark;
    return since >= this.stderr.length ? this.stderr : this.stderr.slice(this.stderr.length - since);
  }

  private closedError(): MlpsError {
    const exit = this.exitInfo;
    const how =
      exit === null
        ? 'the channel closed'
        : exit.signal
          ? `it was killed by ${exit.signal}`
          : `it exited with status ${exit.code ?? 'unknown'}`;
    const tail = this.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 500);
    return new MlpsError('HOST_UNREACHABLE', `remote sampling command on ${this.where} ended: ${how}${tail ? ` (stderr: ${tail})` : ''}`);
  }

  private end(err: MlpsError | null): void {
    if (this.ended) return;
    this.ended = true;
    const base = err ?? this.closedError();
    this.endError = base;
    const out = this.outstanding;
    this.outstanding = null;
    if (out?.waiter) {
      const waiter = out.waiter;
      out.waiter = null;
      if (waiter.timer) clearTimeout(waiter.timer);
      const torn = out.received > 0 ? `answer torn after ${out.received} bytes: ` : '';
      waiter.reject(new MlpsError(base.code, `${torn}${base.message}`, { cause: base }));
    }
    for (const fn of this.closeListeners.splice(0)) fn(base);
  }
}
