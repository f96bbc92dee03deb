/**
 * A rough measurement of full collections (not a test, not the bench app).
 * Run from packages/gc-generational:
 *
 *   ../../node_modules/.pnpm/esbuild@0.27.7/node_modules/esbuild/bin/esbuild bench/collect.ts \
 *     --bundle --platform=node --format=esm --conditions=source --outfile=/tmp/gc-bench.mjs \
 *     && node /tmp/gc-bench.mjs
 *
 * gc_traversal: 1000 lists, list n holds n references to list n-1 (499,500
 * edges, all live); one full collection, ns per edge.
 * gc_collect: 100 rings of 21 doubly linked instances, dropped, then one
 * full collection; ns per collected object, dealloc included.
 */
import type { HeapBackend } from '@pymem/core';
import { Objects } from '@pymem/objects';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { generationalGc } from '../src/index.js';

const LISTS = 1000;
const RINGS = 100;
const RING_SIZE = 21;
const ROUNDS = 100;

/**
 * The fastest of many rounds (wall clock): on a busy machine the median
 * measures the other processes; the minimum is the round that ran alone.
 */
function fastest(xs: number[]): number {
  return Math.min(...xs);
}

function traversal(backend: HeapBackend): number {
  const gc = generationalGc();
  const rt = new Runtime({ allocator: createPool({ backend, maxBytes: 1 << 28 }), gc, checks: false });
  const o = new Objects(rt);
  gc.disable();
  const lists = [o.list.new()];
  let edges = 0;
  for (let n = 1; n < LISTS; n++) {
    const l = o.list.new();
    for (let i = 0; i < n; i++) o.list.append(l, lists[n - 1]);
    edges += n;
    lists.push(l);
  }
  gc.collect();
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    gc.collect();
    times.push(performance.now() - t0);
  }
  return (fastest(times) * 1e6) / edges;
}

function collect(backend: HeapBackend): number {
  const gc = generationalGc();
  const rt = new Runtime({ allocator: createPool({ backend, maxBytes: 1 << 28 }), gc, checks: false });
  const o = new Objects(rt);
  gc.disable();
  const Node = o.instances.defineClass({ name: 'Node', slots: ['next', 'prev'] });
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < RINGS; k++) {
      const ring = Array.from({ length: RING_SIZE }, () => Node.new());
      ring.forEach((n, i) => {
        Node.setattr(n, 'next', ring[(i + 1) % RING_SIZE]);
        Node.setattr(n, 'prev', ring[(i + RING_SIZE - 1) % RING_SIZE]);
      });
      ring.forEach((n) => rt.decref(n));
    }
    const t0 = performance.now();
    const { collected } = gc.collect();
    times.push(performance.now() - t0);
    if (collected !== RINGS * RING_SIZE) throw new Error(`collected ${collected}`);
  }
  return (fastest(times) * 1e6) / (RINGS * RING_SIZE);
}

/** ns per iteration of a plain typed-array sum: how fast this machine is right now. */
function calibrate(): number {
  const u = new Uint32Array(1 << 20).map((_, i) => i & 7);
  let s = 0;
  let best = Infinity;
  for (let r = 0; r < 50; r++) {
    const t0 = performance.now();
    for (let i = 0; i < u.length; i++) s += u[i];
    best = Math.min(best, performance.now() - t0);
  }
  return (best * 1e6) / u.length + (s < 0 ? 1 : 0);
}

console.log(`calibration: ${calibrate().toFixed(2)} ns per typed-array sum iteration (about 0.3-0.5 on an idle core)`);
for (const backend of ['shared', 'wasm', 'arraybuffer'] as const) {
  console.log(
    `${backend.padEnd(12)} gc_traversal ${traversal(backend).toFixed(2)} ns/edge   gc_collect ${collect(backend).toFixed(1)} ns/object`,
  );
}
