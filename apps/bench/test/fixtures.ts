import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OP_CALLOC, OP_FREE, OP_MALLOC, OP_REALLOC, writeTrace, type Trace } from '@pymem/trace';

/** A small seeded PRNG (mulberry32): the same seed gives the same trace. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Sizes like CPython's: mostly small, some 0, a few large. */
function pickSize(rand: () => number): number {
  const r = rand();
  if (r < 0.02) return 0;
  if (r < 0.9) return 1 + Math.floor(rand() * 512);
  return 513 + Math.floor(rand() * 8000);
}

/**
 * A valid synthetic trace: ids are dense and reused LIFO like the recorder's,
 * every free/realloc names a live id, and some blocks stay live at the end.
 */
export function syntheticTrace(nevents: number, seed = 1): Trace {
  const rand = prng(seed);
  const ops = new Uint8Array(nevents);
  const ids = new Uint32Array(nevents);
  const sizes = new Uint32Array(nevents);
  const live: number[] = [];
  const liveSize = new Map<number, number>();
  const freeIds: number[] = [];
  let nids = 0;
  for (let i = 0; i < nevents; i++) {
    const r = rand();
    if (live.length > 0 && r < 0.4) {
      const k = Math.floor(rand() * live.length);
      const id = live[k];
      live[k] = live[live.length - 1];
      live.pop();
      ops[i] = OP_FREE;
      ids[i] = id;
      sizes[i] = liveSize.get(id)!;
      liveSize.delete(id);
      freeIds.push(id);
    } else if (live.length > 0 && r < 0.5) {
      const id = live[Math.floor(rand() * live.length)];
      ops[i] = OP_REALLOC;
      ids[i] = id;
      sizes[i] = pickSize(rand);
      liveSize.set(id, sizes[i]);
    } else {
      const id = freeIds.length > 0 ? freeIds.pop()! : nids++;
      ops[i] = r < 0.93 ? OP_MALLOC : OP_CALLOC;
      ids[i] = id;
      sizes[i] = pickSize(rand);
      live.push(id);
      liveSize.set(id, sizes[i]);
    }
  }
  return { name: 'synthetic', nevents, nids, flags: 0, ops, ids, sizes };
}

/** Write `trace` as a .pymtrace file in a fresh temp folder; returns its path. */
export function writeTraceFile(trace: Trace, name = 'synthetic'): string {
  const dir = mkdtempSync(join(tmpdir(), 'pymem-bench-trace-'));
  const path = join(dir, `${name}.pymtrace`);
  writeFileSync(path, writeTrace(trace));
  return path;
}
