import { Writable } from 'node:stream';
import { TextSink } from './text-sink';

describe('TextSink', () => {
  it('honours backpressure without piling up listeners on the stream', async () => {
    const chunks: string[] = [];
    // A tiny high-water mark and an asynchronous sink force a 'drain' wait on every flush.
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString('utf8'));
        setImmediate(done);
      },
    });
    const sink = TextSink.toStream(slow);
    const line = `${'x'.repeat(1023)}\n`;
    const lines = 1500; // ~1.5 MB: several 256 KB flushes, each waiting for 'drain'
    for (let i = 0; i < lines; i++) await sink.write(line);
    await sink.close();
    expect(chunks.join('').length).toBe(lines * line.length);
    expect(slow.listenerCount('error')).toBeLessThanOrEqual(1);
    expect(slow.listenerCount('drain')).toBe(0);
  });
});
