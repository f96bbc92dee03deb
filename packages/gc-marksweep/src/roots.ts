/**
 * Explicit roots: a table of slots in the heap, each holding one strong
 * reference to a rooted object, named by a handle.
 *
 * ```
 *   root table: one allocator block of ROOTS_HEADER + capacity * SLOT_BYTES bytes,
 *   doubled with realloc when full (it may move: the state block's `roots`
 *   word names it; 0 until the first root)
 *
 *   +0   capacity  u32   slots in the block
 *   +4   used      u32   slots handed out at least once; [used, capacity) are virgin
 *   +8   live      u32   slots holding a root
 *   +12  freeHead  u32   index + 1 of the first free slot, 0: none
 *   +16  slot 0    ┌───────────┬───────────┐
 *   +24  slot 1    │ ref   u32 │ gen   u32 │
 *   ...            └───────────┴───────────┘
 *
 *   slot states and their words:
 *     virgin   index >= used           undefined
 *     rooted   ref = the object        an object pointer: non-zero, 8-aligned (bit 0 clear)
 *              gen = generation of the handle that names this registration
 *     free     ref = (next + 1) << FREE_LINK_SHIFT | SLOT_FREE     next free index, +1 (0: end)
 *              gen = generation of the last registration (the next one takes gen + 1)
 *
 *   transitions:  virgin ──add──> rooted ──remove──> free ──add──> rooted (gen + 1) ...
 *
 *   handle = gen * MAX_ROOTS + index        gen in [1, 2^32), index < MAX_ROOTS = 2^21,
 *                                           so a handle is a safe integer
 * ```
 *
 * A rooted slot owns a reference: add increfs the object, remove decrefs
 * it. So a rooted object stays alive under refcounting too (refcount >= 1
 * while rooted), and it always has a reference from outside the heap's
 * objects, which is what the collector's second kind of root looks for.
 *
 * Invariants:
 * - used <= capacity <= MAX_ROOTS, and live + |free list| == used;
 * - every rooted slot's object is live and counts the slot in its refcount;
 * - a handle is valid iff index < used, the slot is rooted and its gen equals
 *   the handle's: a removed handle never becomes valid again until its slot
 *   has been reused 2^32 - 1 times.
 */
import { HeapCorruptionError, type Allocator, type Heap, type Ptr } from '@pymem/core';
import { GcRootError, type RootEntry, type RootHandle } from './api.js';
import { STATE_ROOTS, stateIndex } from './state.js';

const WORD = 4;
export const ROOTS_CAPACITY = 0;
export const ROOTS_USED = ROOTS_CAPACITY + WORD;
export const ROOTS_LIVE = ROOTS_USED + WORD;
export const ROOTS_FREE_HEAD = ROOTS_LIVE + WORD;
export const ROOTS_HEADER = ROOTS_FREE_HEAD + WORD;
export const SLOT_REF = 0;
export const SLOT_GEN = SLOT_REF + WORD;
export const SLOT_BYTES = SLOT_GEN + WORD;
/** Tag of a free slot's ref word (object pointers have bit 0 clear). */
export const SLOT_FREE = 1;
const FREE_LINK_SHIFT = 1;
/** Slots of a new table. */
export const ROOTS_INITIAL_CAPACITY = 16;
const HANDLE_INDEX_BITS = 21;
/** Most roots registered at once (handles keep the index in their low 21 bits). */
export const MAX_ROOTS = 2 ** HANDLE_INDEX_BITS;
/** Generations run 1 .. GEN_LIMIT - 1 and wrap to 1 (0 is never a handle's). */
const GEN_LIMIT = 2 ** 32;

export class RootTable {
  constructor(
    private readonly heap: Heap,
    private readonly allocator: Allocator,
    private readonly state: Ptr,
  ) {}

  /** The table block, 0 while no root was ever added. */
  table(): Ptr {
    return this.heap.u32[stateIndex(this.state, STATE_ROOTS)];
  }

  /** Slots handed out at least once (the marker scans [0, used)). */
  used(): number {
    const t = this.table();
    return t === 0 ? 0 : this.heap.u32[(t + ROOTS_USED) >>> 2];
  }

  /** Roots registered now. */
  live(): number {
    const t = this.table();
    return t === 0 ? 0 : this.heap.u32[(t + ROOTS_LIVE) >>> 2];
  }

  /**
   * Take a slot for `ptr` (the caller has validated it and increfs it) and
   * return its handle. Growing the table may throw OutOfMemoryError, or
   * GcRootError at MAX_ROOTS; both before anything changes.
   */
  add(ptr: Ptr): RootHandle {
    const t = this.reserve();
    const u32 = this.heap.u32;
    let index = u32[(t + ROOTS_FREE_HEAD) >>> 2] - 1;
    let gen = 1;
    if (index >= 0) {
      const slot = slotAt(t, index);
      u32[(t + ROOTS_FREE_HEAD) >>> 2] = u32[(slot + SLOT_REF) >>> 2] >>> FREE_LINK_SHIFT;
      gen = nextGen(u32[(slot + SLOT_GEN) >>> 2]);
    } else {
      index = u32[(t + ROOTS_USED) >>> 2];
      u32[(t + ROOTS_USED) >>> 2] = index + 1;
    }
    const slot = slotAt(t, index);
    u32[(slot + SLOT_REF) >>> 2] = ptr;
    u32[(slot + SLOT_GEN) >>> 2] = gen;
    u32[(t + ROOTS_LIVE) >>> 2]++;
    return (gen * MAX_ROOTS + index) as RootHandle;
  }

  /** The object a valid handle roots. GcRootError for anything else. */
  get(handle: RootHandle): Ptr {
    return this.heap.u32[(this.validSlot(handle) + SLOT_REF) >>> 2];
  }

  /**
   * Free the handle's slot and return its object: the caller now owns the
   * slot's reference (and decrefs it). GcRootError, before any change, for a
   * handle already removed or never issued.
   */
  remove(handle: RootHandle): Ptr {
    const slot = this.validSlot(handle);
    const t = this.table();
    const u32 = this.heap.u32;
    const ptr = u32[(slot + SLOT_REF) >>> 2];
    const index = handle % MAX_ROOTS;
    u32[(slot + SLOT_REF) >>> 2] = ((u32[(t + ROOTS_FREE_HEAD) >>> 2] << FREE_LINK_SHIFT) | SLOT_FREE) >>> 0;
    u32[(t + ROOTS_FREE_HEAD) >>> 2] = index + 1;
    u32[(t + ROOTS_LIVE) >>> 2]--;
    return ptr;
  }

  /** Every root, in slot order (cold: allocates). */
  entries(): RootEntry[] {
    const out: RootEntry[] = [];
    const t = this.table();
    const used = this.used();
    const u32 = this.heap.u32;
    for (let i = 0; i < used; i++) {
      const slot = slotAt(t, i);
      const ref = u32[(slot + SLOT_REF) >>> 2];
      if ((ref & SLOT_FREE) === 0) out.push({ handle: (u32[(slot + SLOT_GEN) >>> 2] * MAX_ROOTS + i) as RootHandle, ptr: ref });
    }
    return out;
  }

  /**
   * Check the table's invariants (cold). `isLiveObject` tells a live object.
   * Throws HeapCorruptionError naming the first broken one.
   */
  check(isLiveObject: (p: Ptr) => boolean): void {
    const t = this.table();
    if (t === 0) return;
    const u32 = this.heap.u32;
    const capacity = u32[(t + ROOTS_CAPACITY) >>> 2];
    const used = u32[(t + ROOTS_USED) >>> 2];
    const live = u32[(t + ROOTS_LIVE) >>> 2];
    if (!(used <= capacity && capacity <= MAX_ROOTS)) throw new HeapCorruptionError('root table: used <= capacity <= MAX_ROOTS', t);
    let rooted = 0;
    for (let i = 0; i < used; i++) {
      const slot = slotAt(t, i);
      const ref = u32[(slot + SLOT_REF) >>> 2];
      if ((ref & SLOT_FREE) !== 0) continue;
      rooted++;
      if (!isLiveObject(ref)) throw new HeapCorruptionError('root table: a rooted slot holds a live object', slot, `slot ${i}`);
    }
    let free = 0;
    for (let next = u32[(t + ROOTS_FREE_HEAD) >>> 2]; next !== 0; free++) {
      if (next > used || free > used) throw new HeapCorruptionError('root table: the free list links free slots below used', t);
      const ref = u32[(slotAt(t, next - 1) + SLOT_REF) >>> 2];
      if ((ref & SLOT_FREE) === 0) throw new HeapCorruptionError('root table: the free list links free slots', slotAt(t, next - 1));
      next = ref >>> FREE_LINK_SHIFT;
    }
    if (rooted !== live || live + free !== used) {
      throw new HeapCorruptionError('root table: live + |free list| == used', t, `live ${live}, rooted ${rooted}, free ${free}, used ${used}`);
    }
  }

  /** The table, with at least one free or virgin slot: created or doubled as needed. */
  private reserve(): Ptr {
    const t = this.table();
    if (t === 0) return this.create();
    const u32 = this.heap.u32;
    const full = u32[(t + ROOTS_FREE_HEAD) >>> 2] === 0 && u32[(t + ROOTS_USED) >>> 2] === u32[(t + ROOTS_CAPACITY) >>> 2];
    return full ? this.grow(t) : t;
  }

  private create(): Ptr {
    const t = this.allocator.malloc(tableBytes(ROOTS_INITIAL_CAPACITY));
    const u32 = this.heap.u32; // malloc may have grown the heap
    u32[(t + ROOTS_CAPACITY) >>> 2] = ROOTS_INITIAL_CAPACITY;
    u32[(t + ROOTS_USED) >>> 2] = 0;
    u32[(t + ROOTS_LIVE) >>> 2] = 0;
    u32[(t + ROOTS_FREE_HEAD) >>> 2] = 0;
    u32[stateIndex(this.state, STATE_ROOTS)] = t;
    return t;
  }

  private grow(t: Ptr): Ptr {
    const capacity = this.heap.u32[(t + ROOTS_CAPACITY) >>> 2];
    if (capacity >= MAX_ROOTS) throw new GcRootError(null, `cannot add a root: ${MAX_ROOTS} roots are registered, the most a table holds`);
    const grown = Math.min(capacity * 2, MAX_ROOTS);
    const moved = this.allocator.realloc(t, tableBytes(grown));
    const u32 = this.heap.u32;
    u32[(moved + ROOTS_CAPACITY) >>> 2] = grown;
    u32[stateIndex(this.state, STATE_ROOTS)] = moved;
    return moved;
  }

  /** The slot a handle names, if the handle is valid; else GcRootError. */
  private validSlot(handle: RootHandle): Ptr {
    if (typeof handle !== 'number' || !Number.isSafeInteger(handle) || handle < MAX_ROOTS) {
      throw new GcRootError(handle, 'not a root handle (addRoot returns them)');
    }
    const index = handle % MAX_ROOTS;
    const gen = (handle - index) / MAX_ROOTS;
    const t = this.table();
    if (t === 0 || gen >= GEN_LIMIT || index >= this.used()) throw new GcRootError(handle, 'not a root handle (addRoot returns them)');
    const slot = slotAt(t, index);
    const u32 = this.heap.u32;
    if ((u32[(slot + SLOT_REF) >>> 2] & SLOT_FREE) !== 0) throw new GcRootError(handle, 'already removed');
    if (u32[(slot + SLOT_GEN) >>> 2] !== gen) throw new GcRootError(handle, 'stale: removed, and its slot now holds a newer root');
    return slot;
  }
}

/** Byte address of slot `index` of table `t`. */
export function slotAt(t: Ptr, index: number): Ptr {
  return t + ROOTS_HEADER + index * SLOT_BYTES;
}

function tableBytes(capacity: number): number {
  return ROOTS_HEADER + capacity * SLOT_BYTES;
}

function nextGen(gen: number): number {
  const next = gen + 1;
  return next === GEN_LIMIT ? 1 : next;
}
