import { TypeFlags, type HeapBackend, type ObjectContext, type Ptr } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { TrialDeletionGc } from '../src/index.js';

/** Reference slots of the test types; then the weaklist word. */
export const SLOTS = 3;
export const SLOT0 = 8;
const WEAKLIST = SLOT0 + 4 * SLOTS;
/** Buffer size that never fills in a test: collections only on demand. */
export const NEVER_FULL = 1 << 30;

export interface SetupOptions {
  backend?: HeapBackend;
  bufferSize?: number;
  checks?: boolean;
  initialBytes?: number;
}

/**
 * A runtime with the trial-deletion collector and four small user types:
 * `node` (SLOTS reference slots, weakrefable, with clear), `fin` (node plus a
 * finalizer that counts its calls and calls `onFinalize`), `noclear` (node
 * without a clear slot) and `leaf` (not a GC type).
 */
export function setup(options: SetupOptions = {}) {
  const gc = new TrialDeletionGc({ bufferSize: options.bufferSize ?? NEVER_FULL });
  const unraisable: unknown[] = [];
  const rt = new Runtime({
    allocator: createPool({ backend: options.backend ?? 'arraybuffer', initialBytes: options.initialBytes }),
    gc,
    checks: options.checks ?? true,
    onUnraisable: (e) => unraisable.push(e),
  });
  const finalized = new Map<Ptr, number>();
  const hooks = { onFinalize: null as ((p: Ptr) => void) | null };
  const slotAt = (p: Ptr, i: number): number => (p + SLOT0 + 4 * i) >>> 2;
  const node = {
    basicSize: WEAKLIST + 4,
    flags: TypeFlags.GC,
    weaklistOffset: WEAKLIST,
    dealloc: (ctx: ObjectContext, p: Ptr) => {
      for (let i = 0; i < SLOTS; i++) ctx.xdecref(ctx.heap.u32[slotAt(p, i)]);
    },
    traverse: (p: Ptr, visit: (c: Ptr, a: number) => number, arg: number) => {
      for (let i = 0; i < SLOTS; i++) {
        const c = rt.heap.u32[slotAt(p, i)];
        if (c !== 0) visit(c, arg);
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
  const types = {
    node: rt.registerType({ name: 'node', ...node }),
    fin: rt.registerType({
      name: 'fin',
      ...node,
      finalize: (_c, p) => {
        finalized.set(p, (finalized.get(p) ?? 0) + 1);
        hooks.onFinalize?.(p);
      },
    }),
    noclear: rt.registerType({ name: 'noclear', ...node, clear: undefined }),
    leaf: rt.registerType({ name: 'leaf', basicSize: 16 }),
  };
  /** parent.slot = child (child increfed, the old value decrefed), as a container's setitem. */
  const link = (parent: Ptr, slot: number, child: Ptr): void => {
    if (child !== 0) rt.incref(child);
    const at = slotAt(parent, slot);
    const old = rt.heap.u32[at];
    rt.heap.u32[at] = child;
    rt.xdecref(old);
  };
  const slot = (p: Ptr, i: number): Ptr => rt.heap.u32[slotAt(p, i)];
  /** n new objects of `type` (owned by the caller). */
  const many = (n: number, type = types.node): Ptr[] => Array.from({ length: n }, () => rt.newObject(type));
  /** A ring: objs[i].slot(0) = objs[i+1], the last back to the first. */
  const ring = (objs: Ptr[], s = 0): Ptr[] => {
    objs.forEach((p, i) => link(p, s, objs[(i + 1) % objs.length]));
    return objs;
  };
  const dropAll = (objs: Ptr[]): void => objs.forEach((p) => rt.decref(p));
  const live = (): number => rt.stats().liveObjects;
  return { gc, rt, types, finalized, hooks, unraisable, link, slot, many, ring, dropAll, live };
}

export type Setup = ReturnType<typeof setup>;
