/**
 * The source of the engines' worker threads, run with `new Worker(source, { eval: true })`.
 *
 * Why a string: the engines ship inside bundles (the package's dist, the CLI's single file) and run under
 * ts-jest, and a worker file path would differ in each; an eval'd script runs the same everywhere. It is
 * plain CommonJS and kept small; its behaviour is covered by the engine tests.
 *
 * Roles (`workerData.role`):
 * - `io`: answers `{ id, op }` messages from the main thread one at a time: `write` (random content in
 *   `ioSize` chunks, optional fsync, optional write-to-`.partial`-then-rename; a failed write removes its
 *   partial file), `readFile` (whole file, size checked), `dropCaches`.
 * - `accelerator`: one simulated accelerator. Per `epoch` message it hands batches of sample ids to its own
 *   `reader` threads (at most `prefetch` batches ahead), waits for each batch, "computes" with a precise
 *   `Atomics.wait` sleep, and reports the epoch. It blocks only its own thread, never the main loop.
 * - `reader`: reads the samples of a batch (pread in `ioSize` chunks into one reused buffer) and posts the
 *   result on its port, then wakes its accelerator through a shared counter.
 */
export const IO_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData, Worker, MessageChannel, receiveMessageOnPort } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');

const IO_SIZE = workerData.ioSize;

// Workload threads yield to the sampling thread under CPU contention: they run at the nice value the main
// thread chose for them (setpriority on this thread's id; Linux only, best effort).
if (typeof workerData.niceValue === 'number') {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (tid > 0) require('node:os').setPriority(tid, workerData.niceValue);
  } catch (_) {
    // Not Linux, or not allowed: run at the process's priority.
  }
}
const POOL_SLACK = 1 << 20;
const POOL_SLOTS = POOL_SLACK / 4096;
let readBuffer = null;
let pool = null;
// Set by the main thread to stop a long write or read between two requests (io role only).
const abortFlag = workerData.abort ? new Int32Array(workerData.abort) : null;

function checkAbort(path) {
  if (abortFlag !== null && Atomics.load(abortFlag, 0) !== 0) throw coded('EABORT', 'stopped', path);
}

function readBuf() {
  if (readBuffer === null) readBuffer = Buffer.allocUnsafe(IO_SIZE);
  return readBuffer;
}

// One random pool per thread, filled once: writing slices at shifting 4 KiB offsets keeps consecutive
// blocks distinct without paying for fresh random bytes per write.
function randomPool() {
  if (pool === null) {
    pool = Buffer.allocUnsafe(IO_SIZE + POOL_SLACK);
    crypto.randomFillSync(pool);
  }
  return pool;
}

function errorInfo(e, path) {
  return {
    code: (e && e.code) || 'EIO',
    message: String((e && e.message) || e),
    path: (e && e.path) || path,
  };
}

function coded(code, message, path) {
  const e = new Error(message);
  e.code = code;
  e.path = path;
  return e;
}

function readRange(fd, path, offset, length) {
  const buf = readBuf();
  let done = 0;
  while (done < length) {
    checkAbort(path);
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, length - done), offset + done);
    if (n === 0) throw coded('ESHORT', path + ': read ' + done + ' of ' + length + ' bytes at offset ' + offset, path);
    done += n;
  }
  return done;
}

function readSample(path, offset, length) {
  const fd = fs.openSync(path, 'r');
  try {
    return readRange(fd, path, offset, length);
  } finally {
    fs.closeSync(fd);
  }
}

function readWholeFile(path, expectBytes) {
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (expectBytes >= 0 && size !== expectBytes) {
      throw coded('ESIZE', path + ' is ' + size + ' bytes, expected ' + expectBytes, path);
    }
    return readRange(fd, path, 0, size);
  } finally {
    fs.closeSync(fd);
  }
}

function writeFile(path, size, doFsync, seed) {
  const src = randomPool();
  const fd = fs.openSync(path, 'w');
  let closed = false;
  try {
    let written = 0;
    let slot = (seed >>> 0) % POOL_SLOTS;
    while (written < size) {
      checkAbort(path);
      const len = Math.min(IO_SIZE, size - written);
      written += fs.writeSync(fd, src, slot * 4096, len);
      slot = (slot + 97) % POOL_SLOTS;
    }
    if (doFsync) fs.fsyncSync(fd);
    closed = true;
    // close can report a deferred write error (NFS), so it is not best-effort here.
    fs.closeSync(fd);
  } finally {
    if (!closed) {
      try { fs.closeSync(fd); } catch (_) { /* the write error is the one to report */ }
    }
  }
}

function removePartial(path) {
  try {
    fs.unlinkSync(path);
    return 'removed';
  } catch (e) {
    return e && e.code === 'ENOENT' ? 'absent' : 'left';
  }
}

function runIo() {
  parentPort.on('message', (m) => {
    const t0 = performance.now();
    if (m.op === 'write') {
      const target = m.atomic ? m.path + '.partial' : m.path;
      try {
        writeFile(target, m.size, m.fsync, m.seed || 0);
        if (m.atomic) fs.renameSync(target, m.path);
        parentPort.postMessage({ id: m.id, ok: true, bytes: m.size, ms: performance.now() - t0 });
      } catch (e) {
        const partial = removePartial(target);
        parentPort.postMessage({ id: m.id, ok: false, error: errorInfo(e, target), partialFile: target, partial });
      }
    } else if (m.op === 'readFile') {
      try {
        const bytes = readWholeFile(m.path, m.expectBytes);
        parentPort.postMessage({ id: m.id, ok: true, bytes, ms: performance.now() - t0 });
      } catch (e) {
        parentPort.postMessage({ id: m.id, ok: false, error: errorInfo(e, m.path) });
      }
    } else if (m.op === 'dropCaches') {
      try {
        fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
        parentPort.postMessage({ id: m.id, ok: true, bytes: 0, ms: performance.now() - t0 });
      } catch (e) {
        parentPort.postMessage({ id: m.id, ok: false, error: errorInfo(e, '/proc/sys/vm/drop_caches') });
      }
    } else {
      parentPort.postMessage({ id: m.id, ok: false, error: { code: 'EINVAL', message: 'unknown op ' + m.op, path: '' } });
    }
  });
}

function samplePath(d, fileIndex) {
  return d.dir + '/' + d.prefix + (fileIndex + 1) + '_of_' + d.numFiles + '.' + d.ext;
}

function runReader() {
  const d = workerData;
  const port = d.port;
  const sig = new Int32Array(d.signal);
  const recordBytes = new Float64Array(d.recordBytes);
  const spf = d.samplesPerFile;
  port.on('message', (m) => {
    const t0 = performance.now();
    let bytes = 0;
    let path = '';
    try {
      for (let i = 0; i < m.ids.length; i++) {
        const id = m.ids[i];
        const f = Math.floor(id / spf);
        const len = recordBytes[f];
        path = samplePath(d, f);
        bytes += readSample(path, (id % spf) * len, len);
      }
      port.postMessage({ k: m.k, ok: true, bytes, ms: performance.now() - t0 });
    } catch (e) {
      port.postMessage({ k: m.k, ok: false, error: errorInfo(e, path) });
    }
    Atomics.add(sig, 0, 1);
    Atomics.notify(sig, 0);
  });
}

function runAccelerator() {
  const d = workerData;
  const signal = new SharedArrayBuffer(4);
  const sig = new Int32Array(signal);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const ports = [];
  const readers = [];
  let online = 0;
  for (let r = 0; r < d.readThreads; r++) {
    const ch = new MessageChannel();
    const w = new Worker(d.source, {
      eval: true,
      workerData: {
        role: 'reader', ioSize: d.ioSize, niceValue: d.niceValue, port: ch.port2, signal, recordBytes: d.recordBytes,
        samplesPerFile: d.samplesPerFile, dir: d.dir, prefix: d.prefix, ext: d.ext, numFiles: d.numFiles,
      },
      transferList: [ch.port2],
    });
    w.on('online', () => {
      online++;
      if (online === d.readThreads) parentPort.postMessage({ op: 'ready' });
    });
    w.on('error', (e) => parentPort.postMessage({ op: 'fatal', error: errorInfo(e, '') }));
    ports.push(ch.port1);
    readers.push(w);
  }

  function sleepMs(ms) {
    if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
  }

  function runEpoch(m) {
    const B = m.batchSize;
    const steps = m.steps;
    const R = ports.length;
    const loaded = new Map();
    const tStart = performance.now();
    let issued = 0;
    let computeMs = 0;
    let waitMs = 0;
    let maxWaitMs = 0;
    let readMs = 0;
    let bytes = 0;
    let lastProgress = tStart;
    const drain = () => {
      let got = false;
      for (let r = 0; r < R; r++) {
        let msg;
        while ((msg = receiveMessageOnPort(ports[r])) !== undefined) {
          loaded.set(msg.message.k, msg.message);
          got = true;
        }
      }
      return got;
    };
    for (let k = 0; k < steps; k++) {
      while (issued < steps && issued < k + d.prefetch) {
        ports[issued % R].postMessage({ k: issued, ids: m.ids.slice(issued * B, issued * B + B) });
        issued++;
      }
      const tw = performance.now();
      while (!loaded.has(k)) {
        const seen = Atomics.load(sig, 0);
        if (!drain() && !loaded.has(k)) Atomics.wait(sig, 0, seen, 250);
      }
      const w = performance.now() - tw;
      waitMs += w;
      if (w > maxWaitMs) maxWaitMs = w;
      const res = loaded.get(k);
      loaded.delete(k);
      if (!res.ok) {
        // Batches still in flight finish into ports nobody reads again: the run is over.
        parentPort.postMessage({ op: 'epochFailed', epoch: m.epoch, step: k, error: res.error, bytes, computeMs, wallMs: performance.now() - tStart });
        return;
      }
      bytes += res.bytes;
      readMs += res.ms;
      const tc = performance.now();
      sleepMs(d.computeMs);
      computeMs += performance.now() - tc;
      const now = performance.now();
      if (now - lastProgress >= 500) {
        lastProgress = now;
        parentPort.postMessage({ op: 'progress', epoch: m.epoch, step: k + 1, steps });
      }
    }
    parentPort.postMessage({
      op: 'epochDone', epoch: m.epoch, steps, samples: steps * B, bytes, computeMs,
      wallMs: performance.now() - tStart, waitMs, maxWaitMs, readMs,
    });
  }

  parentPort.on('message', (m) => {
    if (m.op === 'epoch') runEpoch(m);
    else if (m.op === 'stop') {
      Promise.all(readers.map((w) => w.terminate())).then(() => parentPort.close());
    }
  });
}

if (workerData.role === 'io') runIo();
else if (workerData.role === 'reader') runReader();
else if (workerData.role === 'accelerator') runAccelerator();
else throw new Error('unknown worker role ' + workerData.role);
`;
