/**
 * bytes: an immutable byte string stored inline, with its hash cached.
 *
 * ```
 *   ptr ──> +-------------------------+
 *       +0  | ob_refcnt (i32)         |
 *       +4  | ob_type   (u32)         |
 *       +8  | length    (u32)         |  n, bytes of data
 *       +12 | hash      (i32)         |  -1 until hash() first runs
 *       +16 | data[0 .. n-1]          |  16-aligned (non-GC objects start a block)
 *           | NUL                     |  one trailing 0, as CPython keeps
 *           +-------------------------+
 *   block size: BYTES_BASIC_SIZE + n + 1
 * ```
 *
 * Why the trailing NUL: CPython keeps one so the data can be handed to C as
 * a C string; here it costs one byte and keeps the object byte-for-byte
 * CPython's (a C reader of the heap sees a terminated buffer).
 *
 * Why cache the hash in the object: dict lookups hash their key every time,
 * and a long key would otherwise be re-read each time; immutability makes
 * the cache always valid. Equality checks it too: two cached hashes that
 * differ prove the bytes differ without reading them.
 *
 * The byte-range helpers at the bottom (`rangesEqual`, `compareRanges`)
 * serve str too.
 *
 * States of the hash field: HASH_NOT_COMPUTED (-1) --hash()--> h (h !== -1), final.
 *
 * Invariants:
 * - u8[ptr + BYTES_DATA + length] === 0;
 * - hash is -1 or hashBytesRange(data, length);
 * - the data never changes after `new` returns.
 */
import { IndexError, ObjectTypeError, TypeFlags, type Ptr } from '@pymem/core';
import { hashBytesRange } from './hash.js';
import { BYTES_BASIC_SIZE, BYTES_DATA, BYTES_HASH, BYTES_LENGTH, HASH_NOT_COMPUTED } from './layout.js';
import type { Objects } from './objects.js';

/** The NUL after the data. */
const TERMINATOR_BYTES = 1;
/** Largest value of one byte. */
const BYTE_MAX = 0xff;
const WORD_SHIFT = 2;
const WORD_BYTES = 1 << WORD_SHIFT;
const WORD_OFFSET_MASK = WORD_BYTES - 1;

export class BytesOps {
  readonly type: number;

  constructor(readonly o: Objects) {
    this.type = o.rt.registerType({ name: 'bytes', basicSize: BYTES_BASIC_SIZE, itemSize: 1, flags: TypeFlags.VAR_SIZED });
  }

  /**
   * A new bytes object holding a copy of `data` (a new reference).
   * ObjectTypeError, before anything is allocated, unless `data` is a
   * Uint8Array or an array-like of integers in 0..255.
   */
  new(data: Uint8Array | ArrayLike<number>): Ptr {
    if (data instanceof Uint8Array) return this.fromUint8Array(data);
    checkByteValues(data);
    const n = data.length;
    const p = this.allocate(n);
    const u8 = this.o.rt.heap.u8;
    const start = p + BYTES_DATA;
    for (let i = 0; i < n; i++) u8[start + i] = data[i]!;
    return p;
  }

  /** Number of bytes. */
  length(p: Ptr): number {
    return this.checkedLength(p, 'bytes.length');
  }

  /** The byte at index `i` (0 <= i < length, else IndexError). */
  get(p: Ptr, i: number): number {
    const n = this.checkedLength(p, 'bytes.get');
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new IndexError(i, `bytes index ${String(i)} out of range (length ${n})`);
    }
    return this.o.rt.heap.u8[p + BYTES_DATA + i];
  }

  /** A copy of the data (not a view: the heap may move or be reused). */
  toUint8Array(p: Ptr): Uint8Array {
    const n = this.checkedLength(p, 'bytes.toUint8Array');
    const start = p + BYTES_DATA;
    return this.o.rt.heap.u8.slice(start, start + n);
  }

  /** hash(b): xxHash32 of the data (hash.ts), computed once and cached at BYTES_HASH. */
  hash(p: Ptr): number {
    this.o.expect(p, this.type, 'bytes.hash');
    const i32 = this.o.rt.heap.i32;
    const cached = i32[(p + BYTES_HASH) >>> 2];
    if (cached !== HASH_NOT_COMPUTED) return cached;
    const h = hashBytesRange(this.o.rt.heap.u8, p + BYTES_DATA, this.o.rt.heap.u32[(p + BYTES_LENGTH) >>> 2]);
    i32[(p + BYTES_HASH) >>> 2] = h;
    return h;
  }

  /** a == b: same length and bytes. Both must be bytes. */
  equals(a: Ptr, b: Ptr): boolean {
    this.o.expect(a, this.type, 'bytes.equals');
    this.o.expect(b, this.type, 'bytes.equals');
    if (a === b) return true;
    const heap = this.o.rt.heap;
    const n = heap.u32[(a + BYTES_LENGTH) >>> 2];
    if (n !== heap.u32[(b + BYTES_LENGTH) >>> 2]) return false;
    if (cachedHashesDiffer(heap.i32, (a + BYTES_HASH) >>> 2, (b + BYTES_HASH) >>> 2)) return false;
    return rangesEqual(heap.u8, heap.u32, a + BYTES_DATA, b + BYTES_DATA, n);
  }

  /** -1, 0 or 1: lexicographic order of the bytes (a prefix sorts first). */
  compare(a: Ptr, b: Ptr): -1 | 0 | 1 {
    const na = this.checkedLength(a, 'bytes.compare');
    const nb = this.checkedLength(b, 'bytes.compare');
    return compareRanges(this.o.rt.heap.u8, a + BYTES_DATA, na, b + BYTES_DATA, nb);
  }

  /** a + b, a new bytes object (a new reference). */
  concat(a: Ptr, b: Ptr): Ptr {
    const na = this.checkedLength(a, 'bytes.concat');
    const nb = this.checkedLength(b, 'bytes.concat');
    const p = this.allocate(na + nb);
    const u8 = this.o.rt.heap.u8;
    u8.copyWithin(p + BYTES_DATA, a + BYTES_DATA, a + BYTES_DATA + na);
    u8.copyWithin(p + BYTES_DATA + na, b + BYTES_DATA, b + BYTES_DATA + nb);
    return p;
  }

  // ------------------------------------------------------------ private

  /** The data length, after checking that `p` is a bytes object (`what` names the operation). */
  private checkedLength(p: Ptr, what: string): number {
    this.o.expect(p, this.type, what);
    return this.o.rt.heap.u32[(p + BYTES_LENGTH) >>> 2];
  }

  /** A bytes object of `n` zero bytes with its hash not yet computed. */
  private allocate(n: number): Ptr {
    const p = this.o.rt.newObject(this.type, n + TERMINATOR_BYTES);
    const heap = this.o.rt.heap;
    heap.u32[(p + BYTES_LENGTH) >>> 2] = n;
    heap.i32[(p + BYTES_HASH) >>> 2] = HASH_NOT_COMPUTED;
    return p;
  }

  private fromUint8Array(data: Uint8Array): Ptr {
    // Tricky: a view of this very heap would be detached (wasm) or stale
    // after the allocation grows it: copy it out first.
    const source = data.buffer === this.o.rt.heap.u8.buffer ? data.slice() : data;
    const p = this.allocate(source.length);
    this.o.rt.heap.u8.set(source, p + BYTES_DATA);
    return p;
  }
}

/** ObjectTypeError unless `data` is an array-like of integers 0..255. */
function checkByteValues(data: ArrayLike<number>): void {
  if (data === null || typeof data !== 'object' || !Number.isSafeInteger(data.length) || data.length < 0) {
    throw new ObjectTypeError(0, `bytes.new: expected a Uint8Array or an array-like of byte values, got ${describe(data)}`);
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > BYTE_MAX) {
      throw new ObjectTypeError(0, `bytes.new: item ${i} is ${describe(v)}, not a byte value 0..${BYTE_MAX}`);
    }
  }
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (v === null) return 'null';
  return `a ${typeof v}`;
}

/** Both hashes cached (i32 word indexes `ia`, `ib`) and different: the contents differ. */
export function cachedHashesDiffer(i32: Int32Array, ia: number, ib: number): boolean {
  const ha = i32[ia];
  const hb = i32[ib];
  return ha !== hb && ha !== HASH_NOT_COMPUTED && hb !== HASH_NOT_COMPUTED;
}

/**
 * Whether `n` bytes at `a` and at `b` are equal. Word-aligned starts (bytes
 * data always, str data always: both fields sit on 4-byte offsets of 8-aligned
 * objects) compare four bytes per step.
 */
export function rangesEqual(u8: Uint8Array, u32: Uint32Array, a: number, b: number, n: number): boolean {
  let i = 0;
  if (((a | b) & WORD_OFFSET_MASK) === 0) {
    const wa = a >>> WORD_SHIFT;
    const wb = b >>> WORD_SHIFT;
    const words = n >>> WORD_SHIFT;
    for (let w = 0; w < words; w++) if (u32[wa + w] !== u32[wb + w]) return false;
    i = words << WORD_SHIFT;
  }
  for (; i < n; i++) if (u8[a + i] !== u8[b + i]) return false;
  return true;
}

/** Lexicographic order of `na` bytes at `a` and `nb` bytes at `b`. */
export function compareRanges(u8: Uint8Array, a: number, na: number, b: number, nb: number): -1 | 0 | 1 {
  const n = na < nb ? na : nb;
  for (let i = 0; i < n; i++) {
    const x = u8[a + i];
    const y = u8[b + i];
    if (x !== y) return x < y ? -1 : 1;
  }
  return na === nb ? 0 : na < nb ? -1 : 1;
}
