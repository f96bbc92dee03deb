// Quick churn benchmark for @pymem/tlsf: ns per malloc/free pair.
//
//   pnpm build && node bench/quick.mjs        (from packages/tlsf)
//
// Runs against dist/ (plain Node cannot load the TypeScript sources). Not a
// test: figures vary with the machine. The repo-wide comparison lives in the
// bench app (`pnpm bench` at the repo root).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { createTlsf } from '../dist/index.js';

const BACKENDS = ['wasm', 'arraybuffer', 'shared'];

const SLOTS = 1024; // live blocks kept while churning
const PAIRS = 2_000_000; // timed malloc/free pairs per run
const MIN_SIZE = 513;
const MAX_SIZE = 8192;

/** Deterministic xorshift32 sizes in [MIN_SIZE, MAX_SIZE]. */
function makeSizes(n, seed) {
  const sizes = new Uint32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    sizes[i] = MIN_SIZE + (x % (MAX_SIZE - MIN_SIZE + 1));
  }
  return sizes;
}

/** Free slot i and malloc a new block into it, `pairs` times. */
function churn(t, slots, sizes, pairs) {
  const mask = sizes.length - 1;
  const n = slots.length;
  for (let i = 0; i < pairs; i++) {
    const k = i % n;
    t.free(slots[k]);
    slots[k] = t.malloc(sizes[i & mask]);
  }
}

let gcCount = 0;
const obs = new PerformanceObserver((list) => {
  gcCount += list.getEntries().length;
});
obs.observe({ entryTypes: ['gc'] });

async function run(backend) {
  const t = createTlsf({ backend, maxBytes: 256 << 20 });
  const sizes = makeSizes(1 << 16, 0x9e3779b9);
  const slots = new Uint32Array(SLOTS);
  for (let i = 0; i < SLOTS; i++) slots[i] = t.malloc(sizes[i]);
  churn(t, slots, sizes, PAIRS); // warm up (JIT, heap growth)
  const results = [];
  for (let r = 0; r < 5; r++) {
    gcCount = 0;
    const t0 = performance.now();
    churn(t, slots, sizes, PAIRS);
    const ns = ((performance.now() - t0) * 1e6) / PAIRS;
    // GC entries reach the observer asynchronously: let them in first.
    await new Promise((resolve) => setTimeout(resolve, 10));
    results.push({ ns, gcs: gcCount });
  }
  t.checkHeap();
  const s = t.stats();
  const best = Math.min(...results.map((x) => x.ns));
  const median = results.map((x) => x.ns).sort((a, b) => a - b)[2];
  console.log(
    `${backend.padEnd(12)} best ${best.toFixed(1)} ns/pair, median ${median.toFixed(1)} ns/pair, ` +
      `GCs during timed runs: ${results.map((x) => x.gcs).join('/')}, ` +
      `heap ${(s.heapBytes / 1024).toFixed(0)} KiB, fragmentation ${(s.fragmentation * 100).toFixed(1)}%`,
  );
}

// Each backend runs in its own process: V8 specialises the hot functions on
// the first typed-array kind it sees (views over a resizable ArrayBuffer are
// a different kind), so sharing a process would mix the figures.
const only = process.argv[2];
if (only) {
  await run(only);
} else {
  console.log(`churn: ${SLOTS} live blocks, sizes ${MIN_SIZE}..${MAX_SIZE}, ${PAIRS} free+malloc pairs per run`);
  for (const backend of BACKENDS) {
    process.stdout.write(execFileSync(process.execPath, [fileURLToPath(import.meta.url), backend]));
  }
}
obs.disconnect();
