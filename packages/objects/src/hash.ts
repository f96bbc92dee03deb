/**
 * Hash primitives shared by every hashable built-in type.
 *
 * Every hash is a signed 32-bit integer and never -1: CPython reserves -1 as
 * "error / not computed yet", and so do we (the bytes and str objects cache
 * their hash in an i32 field that holds HASH_NOT_COMPUTED = -1 until the
 * first call). `fixHash` maps a computed -1 to -2, as CPython does.
 *
 * ## Numbers: one rule for int and float
 *
 * Python requires `hash(x) == hash(y)` whenever `x == y`, across int and
 * float (`hash(1) == hash(1.0)`, `{1: 'a'}[1.0]`). CPython meets it by
 * hashing every rational number `p / q` to `p * q^-1 mod P` for the
 * Mersenne prime P = 2^61 - 1. We keep the rule and take P = 2^31 - 1
 * (HASH_MODULUS) so that hashes fit an i32:
 *
 * ```
 *   hash(n)      = sign(n) * (|n| mod P)               int n
 *   hash(m * 2^e) = sign * (|m| * 2^e mod P)           finite double, m a 53-bit integer
 *   hash(+inf) = 314159,  hash(-inf) = -314159,  hash(NaN) = 0
 *   then -1 -> -2
 * ```
 *
 * Why a Mersenne prime: 2^31 ≡ 1 (mod P), so multiplying by 2^k mod P is a
 * rotation of a 31-bit value by k mod 31 bits (`rotl31`), and a negative
 * exponent is a rotation the other way. Reducing an int of 30-bit digits is
 * then one rotate-and-add per digit (`hashIntDigits`), and a double is one
 * `%` and one rotate (`hashDouble`). Small ints hash to themselves.
 *
 * NaN hashes to 0 (CPython before 3.10), not by identity: objects here have
 * no stable identity across heaps. NaN is never equal to itself, so two NaN
 * keys still stay apart in a dict unless they are the same object.
 *
 * ## Bytes and str: xxHash32, seed 0
 *
 * `hashBytesRange` is Yann Collet's xxHash32 over the bytes, read as
 * little-endian words from the byte view (so the result does not depend on
 * the platform's endianness) with seed 0: the same bytes hash the same in
 * every runtime and every heap, which lets a saved heap keep its cached
 * hashes. Chosen over FNV-1a for its avalanche (dict slots are taken from
 * the low bits) and because it eats 16 bytes per round on long inputs.
 * A str hashes its UTF-8 bytes.
 *
 * Invariants:
 * - every function here returns an i32 other than -1;
 * - hashSafeInt(n) === hashBigInt(BigInt(n)) === hashDouble(n) for every safe integer n;
 * - hashIntDigits over an int's digits === hashBigInt of its value.
 */
import { INT_DIGIT_BITS } from './layout.js';

/** Bits of the numeric hash modulus. */
export const HASH_BITS = 31;
/** The Mersenne prime 2^31 - 1 that numeric hashes reduce by (CPython: 2^61 - 1). */
export const HASH_MODULUS = 2 ** HASH_BITS - 1;
/** hash(float('inf')); hash(-inf) is its negation (CPython's _PyHASH_INF). */
export const HASH_INF = 314159;
/** hash(float('nan')): a constant (see the header). */
export const HASH_NAN = 0;
/** The value no hash may take (it means "not computed"). */
export const HASH_INVALID = -1;
/** What a computed HASH_INVALID becomes. */
export const HASH_INVALID_REPLACEMENT = -2;

const HASH_MODULUS_BIG = BigInt(HASH_MODULUS);

/** Map a raw i32 hash to a valid one: -1 becomes -2, every other value stays. */
export function fixHash(h: number): number {
  h |= 0;
  return h === HASH_INVALID ? HASH_INVALID_REPLACEMENT : h;
}

/**
 * x * 2^k mod P for 0 <= x < P and 0 <= k < HASH_BITS: a rotation left by k
 * inside 31 bits (2^31 ≡ 1 mod P). Never yields P itself, since only the
 * all-ones pattern P rotates to P.
 */
export function rotl31(x: number, k: number): number {
  if (k === 0) return x;
  const keep = HASH_BITS - k;
  return (((x & ((1 << keep) - 1)) << k) | (x >>> keep)) >>> 0;
}

/** Apply the sign to a reduced magnitude and fix -1. */
function signedHash(magnitude: number, negative: boolean): number {
  return fixHash(negative ? -magnitude : magnitude);
}

/** hash(n) for a safe integer n (|n| < 2^53: the `%` is exact on doubles). */
export function hashSafeInt(n: number): number {
  const negative = n < 0;
  return signedHash((negative ? -n : n) % HASH_MODULUS, negative);
}

/** hash(n) for any integer, by bigint arithmetic (cold path and reference model). */
export function hashBigInt(n: bigint): number {
  const negative = n < 0n;
  return signedHash(Number((negative ? -n : n) % HASH_MODULUS_BIG), negative);
}

/**
 * hash of the int whose `ndigits` 30-bit digits start at word index `index`
 * of `u32` (least significant first), negated when `negative`. Folds the
 * digits from the most significant: x = x * 2^30 + digit (mod P), where
 * multiplying by 2^30 is rotl31(x, 30).
 */
export function hashIntDigits(u32: Uint32Array, index: number, ndigits: number, negative: boolean): number {
  let x = 0;
  for (let i = index + ndigits - 1; i >= index; i--) {
    x = rotl31(x, INT_DIGIT_BITS) + u32[i];
    if (x >= HASH_MODULUS) x -= HASH_MODULUS;
  }
  return signedHash(x, negative);
}

// A double split into its 53-bit integer significand and binary exponent,
// through one scratch word pair (a conversion buffer, not state).
const scratch = new DataView(new ArrayBuffer(8));
const MANTISSA_HIGH_BITS = 20;
const MANTISSA_HIGH_MASK = (1 << MANTISSA_HIGH_BITS) - 1;
const IMPLICIT_BIT = 1 << MANTISSA_HIGH_BITS;
const EXPONENT_MASK = 0x7ff;
/** Exponent of the significand's unit in the last place: 1023 (bias) + 52 (fraction bits). */
const EXPONENT_BIAS_ULP = 1075;
/** A subnormal's exponent field is 0 but it scales like field 1. */
const SUBNORMAL_EXPONENT = 1 - EXPONENT_BIAS_ULP;
const WORD_SCALE = 2 ** 32;

/**
 * hash(v) for a double: int-compatible (hashDouble(3) === hashSafeInt(3)).
 * v = m * 2^e with m < 2^53 an integer, so hash = rotl31(m mod P, e mod 31).
 * Gives the same value as CPython's _Py_HashDouble rule with P = 2^31 - 1.
 */
export function hashDouble(v: number): number {
  if (v !== v) return HASH_NAN;
  if (v === Infinity) return HASH_INF;
  if (v === -Infinity) return -HASH_INF;
  if (Number.isSafeInteger(v)) return hashSafeInt(v);
  scratch.setFloat64(0, v, true);
  const high = scratch.getUint32(4, true);
  const low = scratch.getUint32(0, true);
  const field = (high >>> MANTISSA_HIGH_BITS) & EXPONENT_MASK;
  const top = field === 0 ? high & MANTISSA_HIGH_MASK : (high & MANTISSA_HIGH_MASK) | IMPLICIT_BIT;
  const exponent = field === 0 ? SUBNORMAL_EXPONENT : field - EXPONENT_BIAS_ULP;
  const mantissa = top * WORD_SCALE + low;
  const k = ((exponent % HASH_BITS) + HASH_BITS) % HASH_BITS;
  return signedHash(rotl31(mantissa % HASH_MODULUS, k), v < 0);
}

// xxHash32 primes (from the xxHash specification).
const PRIME32_1 = 0x9e3779b1 | 0;
const PRIME32_2 = 0x85ebca77 | 0;
const PRIME32_3 = 0xc2b2ae3d | 0;
const PRIME32_4 = 0x27d4eb2f;
const PRIME32_5 = 0x165667b1;
/** Bytes per xxHash32 stripe (four 32-bit lanes). */
const STRIPE = 16;
const WORD_BYTES = 4;
const BYTE_BITS = 8;
/** The seed: fixed, so hashes are reproducible across runtimes and saved heaps. */
const SEED = 0;

function rotl32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** The little-endian u32 at byte offset `i` of `u8` (any alignment). */
function readLE32(u8: Uint8Array, i: number): number {
  return u8[i] | (u8[i + 1] << BYTE_BITS) | (u8[i + 2] << (2 * BYTE_BITS)) | (u8[i + 3] << (3 * BYTE_BITS));
}

/** One xxHash32 lane round. */
function round(acc: number, input: number): number {
  acc = (acc + Math.imul(input, PRIME32_2)) | 0;
  return Math.imul(rotl32(acc, 13), PRIME32_1);
}

/** The four-lane loop over the whole stripes; returns the merged lanes. */
function hashStripes(u8: Uint8Array, start: number, end: number): number {
  let v1 = (SEED + PRIME32_1 + PRIME32_2) | 0;
  let v2 = (SEED + PRIME32_2) | 0;
  let v3 = SEED;
  let v4 = (SEED - PRIME32_1) | 0;
  for (let i = start; i < end; i += STRIPE) {
    v1 = round(v1, readLE32(u8, i));
    v2 = round(v2, readLE32(u8, i + 4));
    v3 = round(v3, readLE32(u8, i + 8));
    v4 = round(v4, readLE32(u8, i + 12));
  }
  return (rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18)) | 0;
}

/** xxHash32 (seed 0) of `len` bytes of `u8` from `start`, as an i32 (not yet fixed). */
export function xxHash32(u8: Uint8Array, start: number, len: number): number {
  const end = start + len;
  let i = start;
  let h: number;
  if (len >= STRIPE) {
    const stripesEnd = start + (len - (len % STRIPE));
    h = hashStripes(u8, start, stripesEnd);
    i = stripesEnd;
  } else {
    h = (SEED + PRIME32_5) | 0;
  }
  h = (h + len) | 0;
  for (; i + WORD_BYTES <= end; i += WORD_BYTES) {
    h = (h + Math.imul(readLE32(u8, i), PRIME32_3)) | 0;
    h = Math.imul(rotl32(h, 17), PRIME32_4);
  }
  for (; i < end; i++) {
    h = (h + Math.imul(u8[i], PRIME32_5)) | 0;
    h = Math.imul(rotl32(h, 11), PRIME32_1);
  }
  h ^= h >>> 15;
  h = Math.imul(h, PRIME32_2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME32_3);
  return h ^ (h >>> 16);
}

/** The hash of a byte string (bytes data, or a str's UTF-8): xxHash32, then fixHash. */
export function hashBytesRange(u8: Uint8Array, start: number, len: number): number {
  return fixHash(xxHash32(u8, start, len));
}
