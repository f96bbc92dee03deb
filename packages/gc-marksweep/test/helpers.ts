import { TypeFlags, type HeapBackend, type ObjectContext, type Ptr, type VisitProc } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { MarkSweepGc, type MarkSweepOptions } from '../src/index.js';

/** Strong-reference slots of the test node types. */
export const SLOTS = 3;
export const SLOT0 = 8;
export const WEAKLIST = SLOT0 + 4 * SLOTS;
export const BACKENDS: HeapBackend[] = ['arraybuffer', 'wasm', 'shared'];

export interface SetupOptions extends MarkSweepOptions {
  backend?: HeapBackend;
  checks?: boolean;
  initialBytes?: number;
  maxBytes?: number;
}

/**
 * A runtime with a mark-sweep collector and two small GC types with SLOTS
 * strong-reference slots each: `node`, and `fin` (the same with a
 * finalizer that counts its runs and calls `onFinalize`).
 */
export function setup(options: SetupOptions = {}) {
  const gc = new MarkSweepGc({ threshold: options.threshold ?? 0, enabled: options.enabled });
  const allocator = createPool({ backend: options.backend ?? 'arraybuffer', initialBytes: options.initialBytes, maxBytes: options.maxBytes });
  const unraisable: unknown[] = [];
  const rt = new Runtime({ allocator, gc, checks: options.checks ?? true, onUnraisable: (e) => unraisable.push(e) });
  const finalized = new Map<Ptr, number>();
  const hooks = { onFinalize: null as ((p: Ptr) => void) | null };
  const slots = {
    basicSize: WEAKLIST + 4,
    flags: TypeFlags.GC,
    weaklistOffset: WEAKLIST,
    dealloc: (ctx: ObjectContext, p: Ptr) => {
      for (let i = 0; i < SLOTS; i++) ctx.xdecref(ctx.heap.u32[(p + SLOT0 + 4 * i) >>> 2]);
    },
    traverse: (p: Ptr, visit: VisitProc, arg: number) => {
      const u32 = rt.heap.u32;
      for (let i = 0; i < SLOTS; i++) {
        const c = u32[(p + SLOT0 + 4 * i) >>> 2];
        if (c !== 0) visit(c, arg);
      }
      return 0;
    },
    clear: (ctx: ObjectContext, p: Ptr) => {
      for (let i = 0; i < SLOTS; i++) {
        const at = (p + SLOT0 + 4 * i) >>> 2;
        const c = ctx.heap.u32[at];
        ctx.heap.u32[at] = 0;
        ctx.xdecref(c);
      }
    },
  };
  const node = rt.registerType({ name: 'node', ...slots });
  const fin = rt.registerType({
    name: 'fin',
    ...slots,
    finalize: (_c, p) => {
      finalized.set(p, (finalized.get(p) ?? 0) + 1);
      hooks.onFinalize?.(p);
    },
  });
  /** A non-GC leaf type (no GC head, no references). */
  const leaf = rt.registerType({ name: 'leaf', basicSize: 16 });

  /** parent.slot = child (a new strong reference; the old one is dropped). */
  const link = (parent: Ptr, slot: number, child: Ptr): void => {
    if (child !== 0) rt.incref(child);
    const at = (parent + SLOT0 + 4 * slot) >>> 2;
    const old = rt.heap.u32[at];
    rt.heap.u32[at] = child;
    rt.xdecref(old);
  };
  const slotOf = (parent: Ptr, slot: number): Ptr => rt.heap.u32[(parent + SLOT0 + 4 * slot) >>> 2];
  const newNode = (): Ptr => rt.newObject(node);
  const live = (): number => rt.stats().liveObjects;
  return { gc, rt, node, fin, leaf, finalized, hooks, link, slotOf, newNode, live, unraisable };
}

export type Setup = ReturnType<typeof setup>;

/** A ring of `n` nodes (slot 0 forward, slot 1 backward when `doubly`); JS references dropped. */
export function ring(s: Setup, n: number, doubly = false): Ptr[] {
  const nodes = Array.from({ length: n }, () => s.newNode());
  nodes.forEach((p, i) => {
    s.link(p, 0, nodes[(i + 1) % n]);
    if (doubly) s.link(p, 1, nodes[(i + n - 1) % n]);
  });
  nodes.forEach((p) => s.rt.decref(p));
  return nodes;
}
