/**
 * int: arbitrary-precision integers in CPython's PyLong representation.
 *
 * ```
 *   ptr ──> +-------------------------+
 *       +0  | ob_refcnt (i32)         |
 *       +4  | ob_type   (u32)         |
 *       +8  | ob_size   (i32)         |  sign(n) * ndigits; 0 for zero
 *       +12 | digit[0]  (u32)         |  |n| = Σ digit[i] * 2^(30 i)
 *           | ...                     |  each digit in 0 .. 2^30 - 1
 *           | digit[ndigits-1] (u32)  |  the most significant, never 0
 *           +-------------------------+
 *   block size: INT_BASIC_SIZE + ndigits * 4
 * ```
 *
 * Why 30-bit digits in 32-bit words: CPython's 64-bit layout, so a heap
 * reads the same as CPython's memory, and so a digit times 2^30 plus a digit
 * stays exact in a double (< 2^60 is not, but < 2^53 is: see `value`).
 * Sign-magnitude rather than two's complement, as CPython: negation is a
 * flip of ob_size, and the hash and comparisons work on magnitudes.
 *
 * Small ints: -5..256 are made once per runtime, made immortal, and `new`
 * returns them by an array lookup, as CPython's small-int cache. Every other
 * value gets a fresh object (no value sharing: `new(1000) !== new(1000)`).
 *
 * Conversions avoid bigint arithmetic, which is quadratic when a value is
 * peeled 30 bits at a time: a bigint goes through its hex string, where 15
 * hex digits hold exactly two 30-bit digits (60 bits), so both directions
 * are linear in the number of digits.
 *
 * Arithmetic (`add`, `sub`, `mul`) takes a double fast path when both
 * operands have at most one digit (|n| < 2^30), else goes through bigint.
 *
 * Invariants:
 * - |ob_size| digits follow the header; digit[|ob_size| - 1] !== 0 (normalized);
 * - zero has ob_size 0 and no digit;
 * - every value in SMALL_INT_MIN..SMALL_INT_MAX has exactly one object, immortal.
 */
import { ObjectTypeError, TypeFlags, type Ptr } from '@pymem/core';
import { hashIntDigits, hashSafeInt } from './hash.js';
import { INT_BASIC_SIZE, INT_DIGITS, INT_DIGIT_BITS, INT_SIZE, WORD } from './layout.js';
import type { Objects } from './objects.js';

/** Smallest and largest cached int (CPython's _PY_NSMALLNEGINTS / _PY_NSMALLPOSINTS bounds). */
export const SMALL_INT_MIN = -5;
export const SMALL_INT_MAX = 256;
const SMALL_INT_COUNT = SMALL_INT_MAX - SMALL_INT_MIN + 1;

/** 2^30: the weight of digit[1]. */
const DIGIT_BASE = 2 ** INT_DIGIT_BITS;
/** A two-digit magnitude is a safe integer iff its top digit is below this (2^53 / 2^30). */
const SAFE_TOP_DIGIT_LIMIT = 2 ** (53 - INT_DIGIT_BITS);
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE_BIG = -MAX_SAFE_BIG;

// Hex conversion: one group of 15 hex digits = 60 bits = two 30-bit digits,
// split as [7 hex: bits 32..59][1 hex: bits 28..31][7 hex: bits 0..27].
const HEX_BITS = 4;
const HEX_RADIX = 16;
const GROUP_HEX = (2 * INT_DIGIT_BITS) / HEX_BITS;
const PART_HEX = Math.floor(INT_DIGIT_BITS / HEX_BITS);
const PART_BITS = PART_HEX * HEX_BITS;
const PART_MASK = 2 ** PART_BITS - 1;
/** Bits of the middle hex digit that belong to the low digit (bits 28, 29). */
const MID_LOW_BITS = INT_DIGIT_BITS - PART_BITS;
const MID_LOW_MASK = (1 << MID_LOW_BITS) - 1;
const HEX_PREFIX = '0x';

type Sign = -1 | 0 | 1;

export class IntOps {
  readonly type: number;
  /** The immortal small ints, indexed by value - SMALL_INT_MIN. */
  private readonly small: Uint32Array;

  constructor(readonly o: Objects) {
    this.type = o.rt.registerType({
      name: 'int',
      basicSize: INT_BASIC_SIZE,
      itemSize: WORD,
      flags: TypeFlags.VAR_SIZED | TypeFlags.IMMORTAL_CAPABLE,
    });
    this.small = new Uint32Array(SMALL_INT_COUNT);
    for (let v = SMALL_INT_MIN; v <= SMALL_INT_MAX; v++) {
      const ptr = this.fromSafeInt(v);
      o.rt.makeImmortal(ptr);
      this.small[v - SMALL_INT_MIN] = ptr;
    }
  }

  // ------------------------------------------------------------- making

  /**
   * A new int of this value (a new reference; for -5..256 the immortal cached
   * object). `value` must be an integer: a fractional number, NaN, ±Infinity
   * or a non-number throw ObjectTypeError before anything is allocated.
   */
  new(value: number | bigint): Ptr {
    if (typeof value === 'number') {
      const index = value - SMALL_INT_MIN;
      if (index >= 0 && index < SMALL_INT_COUNT && (index | 0) === index) return this.small[index];
      return this.fromNumber(value);
    }
    return this.fromBigInt(value);
  }

  /** Whether `value` is one of the cached, immortal small ints. */
  isSmall(value: number | bigint): boolean {
    const n = typeof value === 'bigint' ? Number(value) : value;
    return Number.isInteger(n) && n >= SMALL_INT_MIN && n <= SMALL_INT_MAX;
  }

  // ------------------------------------------------------------ reading

  /** The value: a number when it is a safe integer, else a bigint. */
  value(p: Ptr): number | bigint {
    this.o.expect(p, this.type, 'int.value');
    const u32 = this.o.rt.heap.u32;
    const size = this.o.rt.heap.i32[(p + INT_SIZE) >>> 2];
    const d = (p + INT_DIGITS) >>> 2;
    if (size === 0) return 0;
    if (size === 1) return u32[d];
    if (size === -1) return -u32[d];
    const n = size < 0 ? -size : size;
    if (n === 2 && u32[d + 1] < SAFE_TOP_DIGIT_LIMIT) {
      const magnitude = u32[d] + u32[d + 1] * DIGIT_BASE;
      return size < 0 ? -magnitude : magnitude;
    }
    return this.toBigIntUnchecked(p);
  }

  /** The value as a bigint. */
  toBigInt(p: Ptr): bigint {
    this.o.expect(p, this.type, 'int.toBigInt');
    return this.toBigIntUnchecked(p);
  }

  /** sign(value): -1, 0 or 1. */
  sign(p: Ptr): Sign {
    this.o.expect(p, this.type, 'int.sign');
    return Math.sign(this.o.rt.heap.i32[(p + INT_SIZE) >>> 2]) as Sign;
  }

  /** Number of 30-bit digits (0 for zero). */
  digitCount(p: Ptr): number {
    this.o.expect(p, this.type, 'int.digitCount');
    return Math.abs(this.o.rt.heap.i32[(p + INT_SIZE) >>> 2]);
  }

  // ------------------------------------------------- comparing, hashing

  /** -1, 0 or 1 as a < b, a == b, a > b. */
  compare(a: Ptr, b: Ptr): Sign {
    this.o.expect(a, this.type, 'int.compare');
    this.o.expect(b, this.type, 'int.compare');
    const i32 = this.o.rt.heap.i32;
    const sa = i32[(a + INT_SIZE) >>> 2];
    const sb = i32[(b + INT_SIZE) >>> 2];
    if (sa !== sb) return sa < sb ? -1 : 1;
    const order = compareMagnitudes(this.o.rt.heap.u32, (a + INT_DIGITS) >>> 2, (b + INT_DIGITS) >>> 2, sa < 0 ? -sa : sa);
    return (sa < 0 ? -order | 0 : order) as Sign;
  }

  /** a == b by value. Both must be ints (keys.ts handles int == float). */
  equals(a: Ptr, b: Ptr): boolean {
    this.o.expect(a, this.type, 'int.equals');
    this.o.expect(b, this.type, 'int.equals');
    if (a === b) return true;
    const i32 = this.o.rt.heap.i32;
    const size = i32[(a + INT_SIZE) >>> 2];
    if (size !== i32[(b + INT_SIZE) >>> 2]) return false;
    return compareMagnitudes(this.o.rt.heap.u32, (a + INT_DIGITS) >>> 2, (b + INT_DIGITS) >>> 2, size < 0 ? -size : size) === 0;
  }

  /**
   * Whether the int equals the double `x` exactly (Python's `n == x` for a
   * float x): false for fractional values, NaN and ±Infinity; no rounding
   * (2^53 + 1 != 2.0 ** 53).
   */
  equalsDouble(p: Ptr, x: number): boolean {
    this.o.expect(p, this.type, 'int.equalsDouble');
    if (!Number.isInteger(x)) return false;
    if (Number.isSafeInteger(x)) return this.value(p) === x;
    return this.toBigIntUnchecked(p) === BigInt(x);
  }

  /** hash(n) = sign(n) * (|n| mod (2^31 - 1)), -1 -> -2 (see hash.ts). */
  hash(p: Ptr): number {
    this.o.expect(p, this.type, 'int.hash');
    const size = this.o.rt.heap.i32[(p + INT_SIZE) >>> 2];
    const d = (p + INT_DIGITS) >>> 2;
    if (size === 0) return 0;
    if (size === 1 || size === -1) return hashSafeInt(size * this.o.rt.heap.u32[d]);
    return hashIntDigits(this.o.rt.heap.u32, d, size < 0 ? -size : size, size < 0);
  }

  // --------------------------------------------------------- arithmetic

  /** a + b, a new reference. */
  add(a: Ptr, b: Ptr): Ptr {
    this.o.expect(a, this.type, 'int.add');
    this.o.expect(b, this.type, 'int.add');
    const x = this.singleDigitValue(a);
    const y = this.singleDigitValue(b);
    if (x !== null && y !== null) return this.new(x + y);
    return this.fromBigInt(this.toBigIntUnchecked(a) + this.toBigIntUnchecked(b));
  }

  /** a - b, a new reference. */
  sub(a: Ptr, b: Ptr): Ptr {
    this.o.expect(a, this.type, 'int.sub');
    this.o.expect(b, this.type, 'int.sub');
    const x = this.singleDigitValue(a);
    const y = this.singleDigitValue(b);
    if (x !== null && y !== null) return this.new(x - y);
    return this.fromBigInt(this.toBigIntUnchecked(a) - this.toBigIntUnchecked(b));
  }

  /** a * b, a new reference. */
  mul(a: Ptr, b: Ptr): Ptr {
    this.o.expect(a, this.type, 'int.mul');
    this.o.expect(b, this.type, 'int.mul');
    const x = this.singleDigitValue(a);
    const y = this.singleDigitValue(b);
    if (x !== null && y !== null) {
      const product = x * y;
      if (Number.isSafeInteger(product)) return this.new(product);
      return this.fromBigInt(BigInt(x) * BigInt(y));
    }
    return this.fromBigInt(this.toBigIntUnchecked(a) * this.toBigIntUnchecked(b));
  }

  // ------------------------------------------------------------ private

  /** The value when |value| < 2^30 (at most one digit), else null. */
  private singleDigitValue(p: Ptr): number | null {
    const size = this.o.rt.heap.i32[(p + INT_SIZE) >>> 2];
    if (size === 0) return 0;
    if (size !== 1 && size !== -1) return null;
    return size * this.o.rt.heap.u32[(p + INT_DIGITS) >>> 2];
  }

  /** A non-small number: validate, then store it (via bigint when beyond 2^53). */
  private fromNumber(value: number): Ptr {
    if (!Number.isInteger(value)) throw notAnInteger(value);
    if (!Number.isSafeInteger(value)) return this.fromBigInt(BigInt(value));
    return this.fromSafeInt(value);
  }

  /** A fresh object for a safe integer (one or two digits; zero has none). */
  private fromSafeInt(value: number): Ptr {
    const magnitude = value < 0 ? -value : value;
    const ndigits = magnitude === 0 ? 0 : magnitude < DIGIT_BASE ? 1 : 2;
    const p = this.o.rt.newObject(this.type, ndigits * WORD);
    const u32 = this.o.rt.heap.u32;
    const d = (p + INT_DIGITS) >>> 2;
    this.o.rt.heap.i32[(p + INT_SIZE) >>> 2] = value < 0 ? -ndigits : ndigits;
    if (ndigits >= 1) u32[d] = magnitude % DIGIT_BASE;
    if (ndigits === 2) u32[d + 1] = Math.floor(magnitude / DIGIT_BASE);
    return p;
  }

  /** Any bigint: safe ones take the number path (and the small-int cache). */
  private fromBigInt(value: bigint): Ptr {
    if (typeof value !== 'bigint') throw notAnInteger(value);
    if (value >= MIN_SAFE_BIG && value <= MAX_SAFE_BIG) return this.new(Number(value));
    const negative = value < 0n;
    const hex = (negative ? -value : value).toString(HEX_RADIX);
    const ndigits = digitCountOfHex(hex);
    const p = this.o.rt.newObject(this.type, ndigits * WORD);
    this.o.rt.heap.i32[(p + INT_SIZE) >>> 2] = negative ? -ndigits : ndigits;
    writeHexDigits(this.o.rt.heap.u32, (p + INT_DIGITS) >>> 2, ndigits, hex);
    return p;
  }

  private toBigIntUnchecked(p: Ptr): bigint {
    const size = this.o.rt.heap.i32[(p + INT_SIZE) >>> 2];
    const n = size < 0 ? -size : size;
    if (n === 0) return 0n;
    const magnitude = BigInt(HEX_PREFIX + readHexDigits(this.o.rt.heap.u32, (p + INT_DIGITS) >>> 2, n));
    return size < 0 ? -magnitude : magnitude;
  }
}

/** Compare two magnitudes of `n` digits each, from the most significant digit. */
function compareMagnitudes(u32: Uint32Array, a: number, b: number, n: number): Sign {
  for (let i = n - 1; i >= 0; i--) {
    const x = u32[a + i];
    const y = u32[b + i];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Digits needed for the magnitude written as `hex` (no leading zeros, not "0"). */
function digitCountOfHex(hex: string): number {
  const topBits = 32 - Math.clz32(parseInt(hex[0], HEX_RADIX));
  const bits = (hex.length - 1) * HEX_BITS + topBits;
  return Math.ceil(bits / INT_DIGIT_BITS);
}

/** Store the magnitude `hex` as `ndigits` digits at word index `d`, one 15-hex group (two digits) at a time. */
function writeHexDigits(u32: Uint32Array, d: number, ndigits: number, hex: string): void {
  const groups = Math.ceil(ndigits / 2);
  const padded = hex.padStart(groups * GROUP_HEX, '0');
  for (let g = 0; g < groups; g++) {
    const end = padded.length - g * GROUP_HEX;
    const high = parseInt(padded.slice(end - GROUP_HEX, end - GROUP_HEX + PART_HEX), HEX_RADIX);
    const mid = parseInt(padded[end - PART_HEX - 1], HEX_RADIX);
    const low = parseInt(padded.slice(end - PART_HEX, end), HEX_RADIX);
    u32[d + 2 * g] = (low | ((mid & MID_LOW_MASK) << PART_BITS)) >>> 0;
    if (2 * g + 1 < ndigits) u32[d + 2 * g + 1] = (mid >>> MID_LOW_BITS) | (high << (HEX_BITS - MID_LOW_BITS));
  }
}

/** The magnitude of `n` digits at word index `d` as a hex string (leading zeros allowed). */
function readHexDigits(u32: Uint32Array, d: number, n: number): string {
  let hex = '';
  for (let g = Math.ceil(n / 2) - 1; g >= 0; g--) {
    const low = u32[d + 2 * g];
    const high = 2 * g + 1 < n ? u32[d + 2 * g + 1] : 0;
    const mid = ((high << MID_LOW_BITS) & (HEX_RADIX - 1)) | (low >>> PART_BITS);
    hex +=
      (high >>> (HEX_BITS - MID_LOW_BITS)).toString(HEX_RADIX).padStart(PART_HEX, '0') +
      mid.toString(HEX_RADIX) +
      (low & PART_MASK).toString(HEX_RADIX).padStart(PART_HEX, '0');
  }
  return hex;
}

function notAnInteger(value: unknown): ObjectTypeError {
  const shown = typeof value === 'number' || typeof value === 'bigint' ? String(value) : `a ${typeof value}`;
  return new ObjectTypeError(0, `int.new: expected an integer (a whole number or a bigint), got ${shown}`);
}
