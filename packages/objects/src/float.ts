/**
 * float: one IEEE-754 double, boxed.
 *
 * ```
 *   ptr ──> +-------------------------+
 *       +0  | ob_refcnt (i32)         |
 *       +4  | ob_type   (u32)         |
 *       +8  | ob_fval   (f64)         |  8-aligned: objects are 8-aligned
 *           +-------------------------+
 *   block size: FLOAT_BASIC_SIZE (16)
 * ```
 *
 * Why no free list (CPython keeps one of 100 floats): the pool allocator's
 * 16-byte size class already recycles these blocks LIFO, which is what the
 * free list bought CPython over the system malloc.
 *
 * Hash: int-compatible (hash(2.0) == hash(2)); NaN hashes to the constant
 * HASH_NAN (0), see hash.ts. Equality is IEEE equality, as Python's `==`:
 * NaN is unequal to everything, itself included, and -0.0 == 0.0 (both hash
 * to 0). A dict still finds a NaN key by identity, which it tests first.
 *
 * Invariants:
 * - the value at +8 never changes after `new` (floats are immutable).
 */
import { ObjectTypeError, type Ptr } from '@pymem/core';
import { hashDouble } from './hash.js';
import { FLOAT_BASIC_SIZE, FLOAT_VALUE } from './layout.js';
import type { Objects } from './objects.js';

/** log2 of a double's size: f64 index = byte offset >>> 3. */
const F64_SHIFT = 3;

export class FloatOps {
  readonly type: number;

  constructor(readonly o: Objects) {
    this.type = o.rt.registerType({ name: 'float', basicSize: FLOAT_BASIC_SIZE, flags: 0 });
  }

  /** A new float (a new reference). ObjectTypeError unless `v` is a number. */
  new(v: number): Ptr {
    if (typeof v !== 'number') {
      throw new ObjectTypeError(0, `float.new: expected a number, got a ${typeof v}`);
    }
    const p = this.o.rt.newObject(this.type);
    this.o.rt.heap.f64[(p + FLOAT_VALUE) >>> F64_SHIFT] = v;
    return p;
  }

  /** The value. */
  value(p: Ptr): number {
    this.o.expect(p, this.type, 'float.value');
    return this.o.rt.heap.f64[(p + FLOAT_VALUE) >>> F64_SHIFT];
  }

  /** hash(x): int-compatible, inf -> 314159, NaN -> 0 (hash.ts). */
  hash(p: Ptr): number {
    return hashDouble(this.value(p));
  }

  /** a == b by IEEE equality (NaN != NaN, -0.0 == 0.0). Both must be floats. */
  equals(a: Ptr, b: Ptr): boolean {
    this.o.expect(b, this.type, 'float.equals');
    return this.value(a) === this.o.rt.heap.f64[(b + FLOAT_VALUE) >>> F64_SHIFT];
  }
}
