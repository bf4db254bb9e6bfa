// Bytes allocated on the V8 heap over a stretch of a program's life, from v8.GCProfiler (Node ≥ 19.6).
//
// The heap's used size only moves two ways: up when something is allocated, down when a GC frees it. So
//   allocated = (usedHeapSize at the end − at the start) + Σ over the GCs in between (before − after)
// where each GC's before/after usedHeapSize comes from the profiler's record of that GC. Objects that
// survive are counted once (when allocated), garbage once (when allocated; its freeing is added back).
// `start()` first forces a full GC (so it needs node --expose-gc): garbage left from before the window
// would otherwise be freed inside it and counted as allocated (the first check of this file was 20 %
// high for that reason, with a 6 MB heap).
// It counts JS heap objects (strings, arrays, objects, closures, typed-array wrappers, on-heap typed
// arrays ≤ 64 B); it does NOT count ArrayBuffer backing stores (Buffer contents) kept outside the heap:
// V8 frees those lazily after a GC, so the same formula over `externalMemory` is not exact (see
// `selfCheck`, which shows both). Only the wrapper of such a buffer (~90–190 B) is counted.
// Whatever else the process does in the window (timers, the profiler itself) is counted too: the
// self-check's empty case measures that floor and its spread (~±100–200 B per tick).
// Compiled code is NOT counted as allocation: V8 places the machine code of functions it optimizes in
// the heap's code space, and a function tiering up inside the window (a one-time event, which at 1 s
// can land anywhere in the first minutes) would otherwise read as kilobytes "per tick". The growth of
// the code space over the window is subtracted and returned apart (`codeBytes`). A GC that frees code
// (deoptimized code collected) still adds those bytes back as freed: rare, and at most over-counts.
import { GCProfiler, getHeapSpaceStatistics } from 'node:v8';

/** Bytes in use in the heap, apart (`data`) from its code spaces (`code`: V8's compiled machine code). */
export function spaceUse() {
  let data = 0;
  let code = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name.startsWith('code_')) code += space.space_used_size;
    else data += space.space_used_size;
  }
  return { data, code };
}

/** Heap bytes of `new Array(128)` with 8-byte slots (Node's default build: no pointer compression). */
const ARRAY_BYTES = 32 + 16 + 128 * 8;

/** GC records counted as collections of the young generation. */
const MINOR_GC = new Set(['Scavenge', 'MinorMarkCompact', 'MinorMarkSweep']);

/** Measures heap bytes allocated between `start()` and `stop()`. */
export class AllocationMeter {
  #profiler = null;
  #startUsed = 0;
  #startCode = 0;

  start() {
    global.gc();
    this.#profiler = new GCProfiler();
    this.#profiler.start();
    const use = spaceUse();
    this.#startUsed = use.data;
    this.#startCode = use.code;
  }

  /** → { allocatedBytes, codeBytes, minorGcs, majorGcs, gcs } over the window. */
  stop() {
    // Read before stopping: stop() builds the profile's objects (a few KB per GC) on the heap.
    // The spaces' own figures on both ends (the heap's used_heap_size is counted a little differently,
    // ~150 B per tick apart on an idle timer, which would mix two rulers).
    const use = spaceUse();
    const codeBytes = use.code - this.#startCode;
    const profile = this.#profiler.stop();
    let allocatedBytes = use.data - this.#startUsed;
    let minorGcs = 0;
    let majorGcs = 0;
    for (const gc of profile?.statistics ?? []) {
      allocatedBytes += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
      if (MINOR_GC.has(gc.gcType)) minorGcs++;
      else if (gc.gcType === 'MarkSweepCompact') majorGcs++;
    }
    this.#profiler = null;
    return { allocatedBytes, codeBytes, minorGcs, majorGcs, gcs: profile?.statistics.length ?? 0 };
  }
}

/**
 * The method checked on known allocations, on a timer loop like a scheduler's (`ticks` ticks of 1 ms):
 * per tick nothing (three times: the floor and its spread), then N arrays of 128 slots (1 KB of payload
 * each) kept in a ring of the last 4000 (so some survive, are promoted and later freed by mark-compacts),
 * once with a forced full GC every 250 ticks, and 1 KB Buffers (contents off-heap: only their wrappers
 * count). Each case runs twice and the second run counts (the first pays for compiling the loop, which
 * allocates on the heap too). Pass: bytes per object above the floor within 3 % of the array's size.
 * @returns true when every checked case passed
 */
export async function selfCheck({ ticks = 1000, log = console.log } = {}) {
  const array1Kb = () => new Array(128);
  const buffer1Kb = () => Buffer.alloc(1024);
  const ring = new Array(4000);
  let slot = 0;
  const runOnce = ({ perTick, make, fullGcEvery = 0 }) =>
    new Promise((resolve) => {
      const meter = new AllocationMeter();
      meter.start();
      let t = 0;
      const tick = () => {
        for (let i = 0; i < perTick; i++) ring[slot++ % ring.length] = make();
        if (fullGcEvery > 0 && t % fullGcEvery === fullGcEvery - 1) global.gc();
        if (++t < ticks) setTimeout(tick, 1);
        else resolve(meter.stop());
      };
      setTimeout(tick, 1);
    });
  const run = async (options) => {
    await runOnce(options);
    return runOnce(options);
  };
  log(
    `self-check of the allocation meter, ${ticks} ticks of 1 ms per case. One new Array(128) is ${ARRAY_BYTES} B on` +
      ' a 64-bit heap (32 B array + 16 B header + 128 × 8 B slots), +16 B when V8 tracks its allocation site.',
  );
  const floors = [];
  for (let i = 0; i < 3; i++) floors.push((await run({ perTick: 0, make: array1Kb })).allocatedBytes / ticks);
  const floor = floors.reduce((a, b) => a + b, 0) / floors.length;
  const spread = (Math.max(...floors) - Math.min(...floors)) / 2;
  log(
    `  empty tick (the floor: one timer)         ${floors.map((f) => f.toFixed(0)).join(', ')} B/tick` +
      ` (these runs differ by ±${spread.toFixed(0)} B; the 1-object case below shows the floor moving more)`,
  );
  const cases = [
    { name: '1 × 1 KB array per tick', perTick: 1, make: array1Kb, informative: true },
    { name: '16 × 1 KB arrays per tick', perTick: 16, make: array1Kb },
    { name: '16 × 1 KB arrays, full GC every 250 ticks', perTick: 16, make: array1Kb, fullGcEvery: 250 },
    { name: '64 × 1 KB arrays per tick', perTick: 64, make: array1Kb },
    { name: '16 × Buffer.alloc(1024) per tick', perTick: 16, make: buffer1Kb, wrapper: true },
  ];
  let ok = true;
  for (const c of cases) {
    const m = await run(c);
    const perTick = m.allocatedBytes / ticks;
    const perObject = (perTick - floor) / c.perTick;
    const head = `  ${c.name.padEnd(42)}${perTick.toFixed(0).padStart(7)} B/tick (${m.minorGcs} scavenges, ${m.majorGcs} mark-compacts)`;
    if (c.wrapper) {
      log(`${head} → ${perObject.toFixed(0)} B/object: the wrapper; the 1024 B of contents are off-heap, not counted`);
      continue;
    }
    const low = ARRAY_BYTES * 0.97;
    const high = (ARRAY_BYTES + 16) * 1.03;
    const pass = perObject >= low && perObject <= high;
    if (!c.informative) ok &&= pass;
    log(
      `${head} → ${perObject.toFixed(0)} B/object` +
        (c.informative ? ' (one object per tick is within the floor\'s spread: not checked)' : pass ? ' ok' : ` OFF (expected ${low.toFixed(0)}–${high.toFixed(0)})`),
    );
  }
  log(ok ? 'self-check passed: known heap allocations are counted within 3 %' : 'self-check FAILED: see the OFF lines');
  return ok;
}
