import { TypeFlags, type HeapBackend, type ObjectContext, type Ptr, type VisitProc } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { GenerationalGc, type GenerationalGcOptions } from '../src/index.js';

/** Slots of the test node types: three strong references, then the weaklist head. */
export const SLOTS = 3;
export const SLOT0 = 8;
export const WEAKLIST = SLOT0 + 4 * SLOTS;

export interface SetupOptions extends GenerationalGcOptions {
  backend?: HeapBackend;
  checks?: boolean;
}

/**
 * A runtime with a generational collector and three small user types:
 * `node` (GC, 3 slots, weakrefable), `fin` (the same with a finalizer that
 * counts its calls and may resurrect) and `atom` (not a GC type).
 */
export function setup(options: SetupOptions = {}) {
  const { backend = 'arraybuffer', checks = true, ...gcOptions } = options;
  const gc = new GenerationalGc({ write: () => {}, ...gcOptions });
  const unraisable: unknown[] = [];
  const rt = new Runtime({
    allocator: createPool({ backend }),
    gc,
    checks,
    onUnraisable: (error) => unraisable.push(error),
  });
  const finalized = new Map<Ptr, number>();
  const hooks: { onFinalize: ((p: Ptr) => void) | null } = { onFinalize: null };
  const slotAt = (p: Ptr, i: number): number => (p + SLOT0 + 4 * i) >>> 2;
  const slots = {
    basicSize: WEAKLIST + 4,
    flags: TypeFlags.GC,
    weaklistOffset: WEAKLIST,
    dealloc: (ctx: ObjectContext, p: Ptr) => {
      for (let i = 0; i < SLOTS; i++) ctx.xdecref(ctx.heap.u32[slotAt(p, i)]);
    },
    traverse: (p: Ptr, visit: VisitProc, arg: number) => {
      for (let i = 0; i < SLOTS; i++) {
        const c = rt.heap.u32[slotAt(p, i)];
        if (c !== 0) {
          const r = visit(c, arg);
          if (r !== 0) return r;
        }
      }
      return 0;
    },
    clear: (ctx: ObjectContext, p: Ptr) => {
      for (let i = 0; i < SLOTS; i++) {
        const c = ctx.heap.u32[slotAt(p, i)];
        ctx.heap.u32[slotAt(p, i)] = 0;
        ctx.xdecref(c);
      }
    },
  };
  const node = rt.registerType({ name: 'node', ...slots });
  const fin = rt.registerType({
    name: 'fin',
    ...slots,
    finalize: (_ctx, p) => {
      finalized.set(p, (finalized.get(p) ?? 0) + 1);
      hooks.onFinalize?.(p);
    },
  });
  const atom = rt.registerType({ name: 'atom', basicSize: 8 });
  /** parent.slot = child (a new strong reference; the old one is dropped). */
  const link = (parent: Ptr, slot: number, child: Ptr): void => {
    if (child !== 0) rt.incref(child);
    const at = slotAt(parent, slot);
    const old = rt.heap.u32[at];
    rt.heap.u32[at] = child;
    rt.xdecref(old);
  };
  const slot = (p: Ptr, i: number): Ptr => rt.heap.u32[slotAt(p, i)];
  /** A new node, optionally pointing at `children` (slot order). */
  const make = (...children: Ptr[]): Ptr => {
    const p = rt.newObject(node);
    children.forEach((c, i) => link(p, i, c));
    return p;
  };
  return { gc, rt, node, fin, atom, link, slot, make, finalized, hooks, unraisable };
}

export type Setup = ReturnType<typeof setup>;

/** The set of a generation's objects (order-free comparisons). */
export function gen(s: Setup, g: number): Set<Ptr> {
  return new Set(s.gc.getObjects(g));
}
