/**
 * A buffered text writer over a file (written to a temporary name and renamed when complete, so a reader
 * never sees half an export) or over any writable stream, honouring backpressure.
 */
import { createWriteStream, renameSync, unlinkSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { MlpsError } from '../errors';

const FLUSH_CHARS = 256 * 1024;

/** Buffered, backpressure-aware text output. */
export class TextSink {
  private buffer: string[] = [];
  private bufferedChars = 0;
  private error: Error | null = null;
  /** Characters written so far. */
  written = 0;

  private constructor(
    private readonly stream: Writable,
    private readonly finalPath: string | null,
    private readonly tempPath: string | null,
    private readonly ownsStream: boolean,
  ) {
    stream.on('error', (err: Error) => {
      this.error = err;
    });
  }

  /** A sink writing `path` atomically (temporary file in the same directory, renamed by {@link close}). */
  static toFile(path: string): TextSink {
    const temp = `${path}.tmp-${process.pid}-${Date.now()}`;
    return new TextSink(createWriteStream(temp, { encoding: 'utf8' }), path, temp, true);
  }

  /** A sink over a stream the caller owns (e.g. stdout); {@link close} flushes but does not end it. */
  static toStream(stream: Writable): TextSink {
    return new TextSink(stream, null, null, false);
  }

  /** Queues `text`; resolves once it is handed to the stream when the buffer is full. */
  async write(text: string): Promise<void> {
    this.buffer.push(text);
    this.bufferedChars += text.length;
    this.written += text.length;
    if (this.bufferedChars >= FLUSH_CHARS) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.error !== null) throw this.ioError(this.error);
    if (this.buffer.length === 0) return;
    const text = this.buffer.join('');
    this.buffer = [];
    this.bufferedChars = 0;
    if (!this.stream.write(text)) await this.drainOrError();
    if (this.error !== null) throw this.ioError(this.error);
  }

  /** Waits for 'drain' or 'error', then removes the listener that lost, so listeners never pile up. */
  private async drainOrError(): Promise<void> {
    const cancel = new AbortController();
    const settle = (p: Promise<unknown>): Promise<void> => p.then(() => undefined, () => undefined);
    try {
      await Promise.race([
        settle(once(this.stream, 'drain', { signal: cancel.signal })),
        settle(once(this.stream, 'error', { signal: cancel.signal })),
      ]);
    } finally {
      cancel.abort();
    }
  }

  /** Flushes, then (for a file) closes and renames it into place. */
  async close(): Promise<void> {
    await this.flush();
    if (!this.ownsStream) return;
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(this.ioError(err)) : resolve()));
    });
    if (this.finalPath !== null && this.tempPath !== null) renameSync(this.tempPath, this.finalPath);
  }

  /** Abandons a file export: closes and removes the temporary file. Never throws. */
  async abort(): Promise<void> {
    if (!this.ownsStream) return;
    if (!this.stream.closed) {
      await new Promise<void>((resolve) => {
        this.stream.once('close', () => resolve());
        this.stream.destroy();
      });
    }
    if (this.tempPath !== null) {
      try {
        unlinkSync(this.tempPath);
      } catch {
        // already gone
      }
    }
  }

  private ioError(err: Error): MlpsError {
    return new MlpsError('IO_ERROR', `cannot write ${this.finalPath ?? 'the output'}: ${err.message}`, { cause: err });
  }
}
