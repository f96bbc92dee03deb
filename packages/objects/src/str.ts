/**
 * str: immutable text stored inline as UTF-8, with its length in code
 * points and its hash cached; plus the interned-string table.
 *
 * ```
 *   ptr ──> +-------------------------+
 *       +0  | ob_refcnt (i32)         |
 *       +4  | ob_type   (u32)         |
 *       +8  | byteLength (u32)        |  b, bytes of UTF-8
 *       +12 | length     (u32)        |  code points (len(s) in Python)
 *       +16 | hash       (i32)        |  -1 until hash() first runs
 *       +20 | UTF-8 bytes [0 .. b-1]  |  4-aligned
 *           | NUL                     |
 *           +-------------------------+
 *   block size: STR_BASIC_SIZE + b + 1
 * ```
 *
 * Why UTF-8 rather than CPython's PEP 393 (Latin-1 / UCS-2 / UCS-4 by the
 * widest character): one encoding keeps equality and hashing a plain byte
 * compare, makes code point order equal byte order (`compare`), and is what
 * TextEncoder/TextDecoder speak. The price is O(n) indexing by code point,
 * which is why the code point count is stored: len() stays O(1), and
 * `byteLength === length` says "all ASCII", which the decoder uses.
 *
 * Lone surrogates (JS strings may hold them, UTF-8 cannot) are stored as
 * U+FFFD, as TextEncoder does; so `value(new(s)) === s` holds exactly for
 * well-formed strings.
 *
 * Encoding: one pass measures the UTF-8 length and the code points (needed
 * before allocating), then short strings are written by a hand loop and long
 * ones by TextEncoder.encodeInto straight into the heap. Decoding: short
 * strings by a hand loop, longer ones by TextDecoder (over a copy on a shared
 * heap: browsers refuse to decode SharedArrayBuffer views). Why the split,
 * measured on Node 20 (shared and arraybuffer heaps, ASCII, ns per call, on a
 * busy 2-core machine: the crossovers matter, not the absolute figures):
 *
 * ```
 *   units          1    4    8   16   32   64  128
 *   hand encode   14   27   97   98  310  615  935
 *   encodeInto   160  158  233  287  375  575  735
 *   hand decode    7   47  105  206  325  760 1300
 *   TextDecoder  170  218  210  205  198  195  215
 * ```
 *
 * encodeInto and TextDecoder cost ~150-250 ns per call whatever the length
 * (the call into C++ and the subarray), the loops ~5-10 ns per unit: hence
 * ENCODE_INTO_MIN_UNITS = 64 and DECODE_LOOP_MAX_BYTES = 16. Most strs
 * (attribute names, dict keys) are short.
 *
 * Interning: `intern(s)` returns the same immortal object for the same text
 * for the life of the runtime (attribute names, dict keys used often). The
 * table is a JS Map from text to pointer: a cache that could be rebuilt by
 * walking the heap's immortal str objects.
 *
 * States of the hash field: HASH_NOT_COMPUTED (-1) --hash()--> h (h !== -1), final.
 *
 * Invariants:
 * - the bytes are well-formed UTF-8 and decode to `length` code points;
 * - u8[ptr + STR_DATA + byteLength] === 0;
 * - length <= byteLength <= 4 * length; equal iff every code point is ASCII;
 * - hash is -1 or hashBytesRange(UTF-8 bytes);
 * - interned.get(s) is a live immortal str whose value is s.
 */
import { ObjectTypeError, TypeFlags, type Ptr } from '@pymem/core';
import { cachedHashesDiffer, compareRanges, rangesEqual } from './bytes.js';
import { hashBytesRange } from './hash.js';
import { HASH_NOT_COMPUTED, STR_BASIC_SIZE, STR_BYTE_LENGTH, STR_DATA, STR_HASH, STR_LENGTH } from './layout.js';
import type { Objects } from './objects.js';

/** The NUL after the data. */
const TERMINATOR_BYTES = 1;
/** Strings of at least this many UTF-16 units are encoded by TextEncoder.encodeInto. */
export const ENCODE_INTO_MIN_UNITS = 64;
/** Strings of at most this many UTF-8 bytes are decoded by a hand loop. */
export const DECODE_LOOP_MAX_BYTES = 16;

// UTF-8 / UTF-16 constants.
const ASCII_END = 0x80;
const TWO_BYTE_END = 0x800;
const SURROGATE_MASK = 0xfc00;
/** Masks any surrogate (0xd800..0xdfff) down to 0xd800. */
const SURROGATE_RANGE_MASK = 0xf800;
const HIGH_SURROGATE = 0xd800;
const LOW_SURROGATE = 0xdc00;
const REPLACEMENT_CHARACTER = 0xfffd;
const SUPPLEMENTARY_BASE = 0x10000;
const SURROGATE_BITS = 10;
const SURROGATE_PAYLOAD = (1 << SURROGATE_BITS) - 1;
const CONTINUATION = 0x80;
const CONTINUATION_BITS = 6;
const CONTINUATION_PAYLOAD = (1 << CONTINUATION_BITS) - 1;
const LEAD_2 = 0xc0;
const LEAD_3 = 0xe0;
const LEAD_4 = 0xf0;
const BYTES_2 = 2;
const BYTES_3 = 3;
const BYTES_4 = 4;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class StrOps {
  readonly type: number;
  /** Interned text -> its immortal str object. */
  private readonly interned = new Map<string, Ptr>();
  /** Code points found by the last `measure` (its second result; avoids allocating a pair). */
  private measuredCodePoints = 0;

  constructor(readonly o: Objects) {
    // IMMORTAL_CAPABLE: interned strs are made immortal.
    this.type = o.rt.registerType({
      name: 'str',
      basicSize: STR_BASIC_SIZE,
      itemSize: 1,
      flags: TypeFlags.VAR_SIZED | TypeFlags.IMMORTAL_CAPABLE,
    });
  }

  // ------------------------------------------------------------- making

  /** A new str holding `s` as UTF-8 (a new reference). ObjectTypeError unless `s` is a string. */
  new(s: string): Ptr {
    if (typeof s !== 'string') throw new ObjectTypeError(0, `str.new: expected a string, got a ${typeof s}`);
    const byteLength = this.measure(s);
    const p = this.allocate(byteLength, this.measuredCodePoints);
    const u8 = this.o.rt.heap.u8;
    const start = p + STR_DATA;
    if (s.length >= ENCODE_INTO_MIN_UNITS) encoder.encodeInto(s, u8.subarray(start, start + byteLength));
    else if (byteLength === s.length) writeAscii(u8, start, s);
    else writeUtf8(u8, start, s);
    return p;
  }

  /**
   * The interned str for `s`: the same immortal object every time for the
   * same text. Immortal, so the caller may decref it or not.
   */
  intern(s: string): Ptr {
    const found = this.interned.get(s);
    if (found !== undefined) return found;
    if (typeof s !== 'string') throw new ObjectTypeError(0, `str.intern: expected a string, got a ${typeof s}`);
    // Texts with lone surrogates are stored as their well-formed form: share its object.
    const text = s.isWellFormed() ? s : s.toWellFormed();
    const p = text === s ? this.new(s) : this.intern(text);
    if (text === s) this.o.rt.makeImmortal(p);
    this.interned.set(s, p);
    return p;
  }

  /** a + b, a new str (a new reference). */
  concat(a: Ptr, b: Ptr): Ptr {
    const na = this.checkedByteLength(a, 'str.concat');
    const nb = this.checkedByteLength(b, 'str.concat');
    const u32 = this.o.rt.heap.u32;
    const length = u32[(a + STR_LENGTH) >>> 2] + u32[(b + STR_LENGTH) >>> 2];
    const p = this.allocate(na + nb, length);
    const u8 = this.o.rt.heap.u8;
    u8.copyWithin(p + STR_DATA, a + STR_DATA, a + STR_DATA + na);
    u8.copyWithin(p + STR_DATA + na, b + STR_DATA, b + STR_DATA + nb);
    return p;
  }

  // ------------------------------------------------------------ reading

  /** The text, decoded from the heap. */
  value(p: Ptr): string {
    const n = this.checkedByteLength(p, 'str.value');
    const start = p + STR_DATA;
    const heap = this.o.rt.heap;
    if (n <= DECODE_LOOP_MAX_BYTES) return readUtf8(heap.u8, start, n);
    const bytes = heap.backend === 'shared' ? heap.u8.slice(start, start + n) : heap.u8.subarray(start, start + n);
    return decoder.decode(bytes);
  }

  /** Bytes of UTF-8 (without the NUL). */
  byteLength(p: Ptr): number {
    return this.checkedByteLength(p, 'str.byteLength');
  }

  /** len(s): code points. */
  length(p: Ptr): number {
    this.o.expect(p, this.type, 'str.length');
    return this.o.rt.heap.u32[(p + STR_LENGTH) >>> 2];
  }

  // ------------------------------------------------- comparing, hashing

  /** hash(s): xxHash32 of the UTF-8 bytes (hash.ts), computed once and cached at STR_HASH. */
  hash(p: Ptr): number {
    this.o.expect(p, this.type, 'str.hash');
    const i32 = this.o.rt.heap.i32;
    const cached = i32[(p + STR_HASH) >>> 2];
    if (cached !== HASH_NOT_COMPUTED) return cached;
    const h = hashBytesRange(this.o.rt.heap.u8, p + STR_DATA, this.o.rt.heap.u32[(p + STR_BYTE_LENGTH) >>> 2]);
    i32[(p + STR_HASH) >>> 2] = h;
    return h;
  }

  /** a == b: the same text (a byte compare). Both must be str. */
  equals(a: Ptr, b: Ptr): boolean {
    this.o.expect(a, this.type, 'str.equals');
    this.o.expect(b, this.type, 'str.equals');
    if (a === b) return true;
    const heap = this.o.rt.heap;
    const n = heap.u32[(a + STR_BYTE_LENGTH) >>> 2];
    if (n !== heap.u32[(b + STR_BYTE_LENGTH) >>> 2]) return false;
    if (cachedHashesDiffer(heap.i32, (a + STR_HASH) >>> 2, (b + STR_HASH) >>> 2)) return false;
    return rangesEqual(heap.u8, heap.u32, a + STR_DATA, b + STR_DATA, n);
  }

  /** -1, 0 or 1 in code point order (UTF-8 byte order is code point order). */
  compare(a: Ptr, b: Ptr): -1 | 0 | 1 {
    const na = this.checkedByteLength(a, 'str.compare');
    const nb = this.checkedByteLength(b, 'str.compare');
    return compareRanges(this.o.rt.heap.u8, a + STR_DATA, na, b + STR_DATA, nb);
  }

  // ------------------------------------------------------------ private

  /** The UTF-8 byte length, after checking that `p` is a str (`what` names the operation). */
  private checkedByteLength(p: Ptr, what: string): number {
    this.o.expect(p, this.type, what);
    return this.o.rt.heap.u32[(p + STR_BYTE_LENGTH) >>> 2];
  }

  /** A str of `byteLength` zero bytes and `length` code points, hash not computed. */
  private allocate(byteLength: number, length: number): Ptr {
    const p = this.o.rt.newObject(this.type, byteLength + TERMINATOR_BYTES);
    const heap = this.o.rt.heap;
    heap.u32[(p + STR_BYTE_LENGTH) >>> 2] = byteLength;
    heap.u32[(p + STR_LENGTH) >>> 2] = length;
    heap.i32[(p + STR_HASH) >>> 2] = HASH_NOT_COMPUTED;
    return p;
  }

  /** UTF-8 byte length of `s` (lone surrogates count as U+FFFD); code points go to measuredCodePoints. */
  private measure(s: string): number {
    const n = s.length;
    let bytes = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < ASCII_END) bytes++;
      else if (c < TWO_BYTE_END) bytes += BYTES_2;
      else if (isSurrogatePair(s, i, c)) {
        bytes += BYTES_4;
        pairs++;
        i++;
      } else bytes += BYTES_3;
    }
    this.measuredCodePoints = n - pairs;
    return bytes;
  }
}

/** A high surrogate at `i` followed by a low one. */
function isSurrogatePair(s: string, i: number, c: number): boolean {
  return (c & SURROGATE_MASK) === HIGH_SURROGATE && i + 1 < s.length && (s.charCodeAt(i + 1) & SURROGATE_MASK) === LOW_SURROGATE;
}

/** Write an all-ASCII `s` at `at`. */
function writeAscii(u8: Uint8Array, at: number, s: string): void {
  for (let i = 0; i < s.length; i++) u8[at + i] = s.charCodeAt(i);
}

/** Write `s` as UTF-8 at `at` (lone surrogates as U+FFFD). */
function writeUtf8(u8: Uint8Array, at: number, s: string): void {
  let j = at;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < ASCII_END) {
      u8[j++] = c;
    } else if (c < TWO_BYTE_END) {
      u8[j++] = LEAD_2 | (c >>> CONTINUATION_BITS);
      u8[j++] = CONTINUATION | (c & CONTINUATION_PAYLOAD);
    } else if (isSurrogatePair(s, i, c)) {
      const cp = SUPPLEMENTARY_BASE + (((c & SURROGATE_PAYLOAD) << SURROGATE_BITS) | (s.charCodeAt(++i) & SURROGATE_PAYLOAD));
      u8[j++] = LEAD_4 | (cp >>> (3 * CONTINUATION_BITS));
      u8[j++] = CONTINUATION | ((cp >>> (2 * CONTINUATION_BITS)) & CONTINUATION_PAYLOAD);
      u8[j++] = CONTINUATION | ((cp >>> CONTINUATION_BITS) & CONTINUATION_PAYLOAD);
      u8[j++] = CONTINUATION | (cp & CONTINUATION_PAYLOAD);
    } else {
      if ((c & SURROGATE_RANGE_MASK) === HIGH_SURROGATE) c = REPLACEMENT_CHARACTER;
      u8[j++] = LEAD_3 | (c >>> (2 * CONTINUATION_BITS));
      u8[j++] = CONTINUATION | ((c >>> CONTINUATION_BITS) & CONTINUATION_PAYLOAD);
      u8[j++] = CONTINUATION | (c & CONTINUATION_PAYLOAD);
    }
  }
}

/** Decode `n` bytes of well-formed UTF-8 at `at` (what writeUtf8 and encodeInto wrote). */
function readUtf8(u8: Uint8Array, at: number, n: number): string {
  let s = '';
  const end = at + n;
  for (let i = at; i < end; ) {
    const lead = u8[i];
    if (lead < ASCII_END) {
      s += String.fromCharCode(lead);
      i++;
    } else if (lead < LEAD_3) {
      s += String.fromCharCode(((lead & ~LEAD_2) << CONTINUATION_BITS) | (u8[i + 1] & CONTINUATION_PAYLOAD));
      i += BYTES_2;
    } else if (lead < LEAD_4) {
      s += String.fromCharCode(
        ((lead & ~LEAD_3) << (2 * CONTINUATION_BITS)) | ((u8[i + 1] & CONTINUATION_PAYLOAD) << CONTINUATION_BITS) | (u8[i + 2] & CONTINUATION_PAYLOAD),
      );
      i += BYTES_3;
    } else {
      s += String.fromCodePoint(
        ((lead & ~LEAD_4) << (3 * CONTINUATION_BITS)) |
          ((u8[i + 1] & CONTINUATION_PAYLOAD) << (2 * CONTINUATION_BITS)) |
          ((u8[i + 2] & CONTINUATION_PAYLOAD) << CONTINUATION_BITS) |
          (u8[i + 3] & CONTINUATION_PAYLOAD),
      );
      i += BYTES_4;
    }
  }
  return s;
}
