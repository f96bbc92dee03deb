import { TypeFlags, type Allocator, type HeapBackend, type Ptr } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { createTlsf } from '@pymem/tlsf';
import { Runtime, type RuntimeOptions } from '../src/index.js';

export type AllocatorKind = 'pool' | 'tlsf';

export function makeAllocator(kind: AllocatorKind = 'pool', backend: HeapBackend = 'shared'): Allocator {
  return kind === 'pool' ? createPool({ backend }) : createTlsf({ backend });
}

export function makeRuntime(options: Partial<RuntimeOptions> & { kind?: AllocatorKind; backend?: HeapBackend } = {}): Runtime {
  const { kind, backend, ...rest } = options;
  return new Runtime({ allocator: makeAllocator(kind, backend), ...rest });
}

/** A user container type with `n` pointer slots after the header (GC unless told otherwise). */
export const SLOT0 = 8;
export function registerNode(rt: Runtime, name = 'node', slots = 2, gc = true): number {
  const basicSize = SLOT0 + 4 * slots;
  return rt.registerType({
    name,
    basicSize,
    flags: gc ? TypeFlags.GC : 0,
    dealloc: (ctx, p) => {
      for (let i = 0; i < slots; i++) ctx.xdecref(ctx.heap.u32[(p + SLOT0 + 4 * i) >>> 2]);
    },
    traverse: (p, visit, arg) => {
      for (let i = 0; i < slots; i++) {
        const child = rt.heap.u32[(p + SLOT0 + 4 * i) >>> 2];
        if (child !== 0) {
          const r = visit(child, arg);
          if (r !== 0) return r;
        }
      }
      return 0;
    },
    clear: (ctx, p) => {
      for (let i = 0; i < slots; i++) {
        const at = (p + SLOT0 + 4 * i) >>> 2;
        const child = ctx.heap.u32[at];
        ctx.heap.u32[at] = 0;
        ctx.xdecref(child);
      }
    },
  });
}

/** Store `child` (a new reference the caller gives away) in slot i of `node`, dropping the old one. */
export function setSlot(rt: Runtime, node: Ptr, i: number, child: Ptr): void {
  const at = (node + SLOT0 + 4 * i) >>> 2;
  const old = rt.heap.u32[at];
  rt.heap.u32[at] = child;
  rt.xdecref(old);
}

export function getSlot(rt: Runtime, node: Ptr, i: number): Ptr {
  return rt.heap.u32[(node + SLOT0 + 4 * i) >>> 2];
}

/** A copy of every heap byte, to prove an error changed nothing. */
export function snapshot(rt: Runtime): Uint8Array {
  return rt.heap.u8.slice(0, rt.heap.byteLength);
}

/** Whether two snapshots are byte-identical (fast; toEqual on megabytes is slow). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
