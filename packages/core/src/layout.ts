/**
 * Layout constants shared by every pymem package.
 *
 * The allocator geometry is CPython's obmalloc on 64-bit (3.10+):
 *
 * ```
 *   request (bytes)   block size   size class idx
 *   ---------------------------------------------
 *       1 - 16            16             0
 *      17 - 32            32             1
 *      ...               ...           ...
 *     497 - 512          512            31
 *   0, > 512          -> raw allocator (tlsf)
 * ```
 *
 * A pool is POOL_SIZE bytes carved into blocks of one size class; an arena is
 * ARENA_SIZE bytes holding ARENA_SIZE / POOL_SIZE pools and is aligned to
 * ARENA_SIZE inside the heap, so the pool of a block is `p & ~POOL_MASK` and
 * the arena of a block is `p >>> ARENA_BITS`.
 */

/** Every block and object is aligned to this many bytes (CPython's 64-bit ALIGNMENT). */
export const ALIGNMENT_SHIFT = 4;
export const ALIGNMENT = 1 << ALIGNMENT_SHIFT;
export const ALIGNMENT_MASK = ALIGNMENT - 1;

/** Largest request served by the pool allocator; larger ones go to the raw allocator. */
export const SMALL_REQUEST_THRESHOLD = 512;
/** Number of pool size classes: 512 / 16 = 32. */
export const NB_SMALL_SIZE_CLASSES = SMALL_REQUEST_THRESHOLD / ALIGNMENT;

export const POOL_BITS = 14;
/** One pool: 16 KiB. */
export const POOL_SIZE = 1 << POOL_BITS;
export const POOL_MASK = POOL_SIZE - 1;

export const ARENA_BITS = 20;
/** One arena: 1 MiB, aligned to 1 MiB inside the heap. */
export const ARENA_SIZE = 1 << ARENA_BITS;
export const ARENA_MASK = ARENA_SIZE - 1;
/** Pools per arena when the arena is ARENA_SIZE-aligned (no pool lost to alignment). */
export const MAX_POOLS_IN_ARENA = ARENA_SIZE / POOL_SIZE;

/** Heaps are addressed with unsigned 32-bit offsets: at most 4 GiB. */
export const MAX_HEAP_BYTES = 2 ** 32;
/** Heap growth granularity (also WebAssembly's page size). */
export const HEAP_PAGE_SIZE = 1 << 16;

/** The NULL pointer. Offset 0 is never handed out. */
export const NULL = 0;

/*
 * Object layout (offsets from the object pointer, like a PyObject*):
 *
 * ```
 *            GC-tracked types only
 *   ptr-8  +----------------------+
 *          | gc_next        (u32) |
 *   ptr-4  +----------------------+
 *          | gc_prev        (u32) |
 *   ptr    +======================+  <- the object pointer
 *          | ob_refcnt      (i32) |
 *   ptr+4  +----------------------+
 *          | ob_type  (u32): flags  |
 *          |   << 24 | type id    |
 *   ptr+8  +----------------------+
 *          | payload ...          |
 * ```
 */
/** Byte offset of the reference count (i32). */
export const OB_REFCNT = 0;
/**
 * Byte offset of the type word (u32): the type id in the low 24 bits, the
 * object's own flag bits (OB_FLAG_*) in the high 8.
 */
export const OB_TYPE = 4;
/** Bits of the type word that hold the type id. Type id 0 is never registered. */
export const OB_TYPE_ID_MASK = 0x00ffffff;
/** Largest type id a registry hands out. */
export const MAX_TYPE_ID = OB_TYPE_ID_MASK;
/** Type-word flag: the object's finalizer has run (PEP 442: at most once). */
export const OB_FLAG_FINALIZED = 1 << 24;
/** Type-word flag bits reserved for the GC strategy in use (marks, colours). */
export const OB_FLAGS_GC_RESERVED = 0xf0000000;
/** Size of the object header (refcount + type id). */
export const OBJECT_HEADER_SIZE = 8;
/** Size of the GC head that precedes GC-tracked objects. */
export const GC_HEAD_SIZE = 8;
/** Byte offset (negative) of gc_next from the object pointer. */
export const GC_NEXT = -8;
/** Byte offset (negative) of gc_prev from the object pointer. */
export const GC_PREV = -4;
/** Refcount value that marks an immortal object (PEP 683 style: never reaches zero). */
export const IMMORTAL_REFCNT = 0x3fffffff;

/** Round `n` up to a multiple of ALIGNMENT. */
export function alignUp(n: number): number {
  return (n + ALIGNMENT_MASK) & ~ALIGNMENT_MASK;
}

/** Size class index of a request of `nbytes` (1..SMALL_REQUEST_THRESHOLD). */
export function sizeClassIndex(nbytes: number): number {
  return (nbytes - 1) >>> ALIGNMENT_SHIFT;
}

/** Block size of size class `szidx`. */
export function sizeClassBlockSize(szidx: number): number {
  return (szidx + 1) << ALIGNMENT_SHIFT;
}
