/**
 * Checking a live block's decoration (CPython's _PyMem_DebugCheckAddress),
 * in CPython's order: the API id, then the leading pad (an underrun may have
 * hit the size field too, so it is checked before the size is trusted), then
 * the size field, then the trailing pad.
 *
 * findFault is the hot path (free, realloc): byte compares, no allocation. It
 * returns a fault code; faultOffset, on the cold path, finds the exact byte.
 */
import {
  FORBIDDENBYTE,
  HEADER_BYTES,
  LEADING_PAD_BYTES,
  OFF_API,
  OFF_SIZE,
  SST,
  TAIL_PAD_BYTES,
  readSize,
  readSizeHigh,
} from './layout.js';

/** The decoration is intact. */
export const FAULT_NONE = 0;
/** The API id byte is not the family the block is checked with. */
export const FAULT_API = 1;
/** A leading pad byte is not FORBIDDENBYTE (an underrun). */
export const FAULT_LEADING_PAD = 2;
/** The size field differs from the size the block was made with. */
export const FAULT_SIZE = 3;
/** A trailing pad byte is not FORBIDDENBYTE (an overrun). */
export const FAULT_TAIL = 4;

/**
 * Check the live block at `p`, made with `size` bytes, against API id byte
 * `api`. Returns FAULT_NONE or the first fault found.
 */
export function findFault(u8: Uint8Array, u32: Uint32Array, p: number, size: number, api: number): number {
  const head = p - HEADER_BYTES;
  if (u8[head + OFF_API] !== api) return FAULT_API;
  for (let k = LEADING_PAD_BYTES; k >= 1; k--) {
    if (u8[p - k] !== FORBIDDENBYTE) return FAULT_LEADING_PAD;
  }
  if (readSize(u32, head) !== size || readSizeHigh(u32, head) !== 0) return FAULT_SIZE;
  const tail = p + size;
  for (let k = 0; k < TAIL_PAD_BYTES; k++) {
    if (u8[tail + k] !== FORBIDDENBYTE) return FAULT_TAIL;
  }
  return FAULT_NONE;
}

/**
 * The offset from `p` of the first bad byte of a fault findFault reported:
 * -8 for the API id, -7..-1 for the leading pad (scanned from p-7 up, as
 * CPython does), -16..-9 for the size field, size..size+7 for the tail.
 */
export function faultOffset(u8: Uint8Array, p: number, size: number, fault: number): number {
  const head = p - HEADER_BYTES;
  switch (fault) {
    case FAULT_API:
      return OFF_API - HEADER_BYTES;
    case FAULT_LEADING_PAD:
      for (let k = LEADING_PAD_BYTES; k >= 1; k--) if (u8[p - k] !== FORBIDDENBYTE) return -k;
      break;
    case FAULT_SIZE:
      for (let i = 0; i < SST; i++) {
        if (u8[head + OFF_SIZE + i] !== expectedSizeByte(size, i)) return OFF_SIZE + i - HEADER_BYTES;
      }
      break;
    case FAULT_TAIL:
      for (let k = 0; k < TAIL_PAD_BYTES; k++) if (u8[p + size + k] !== FORBIDDENBYTE) return size + k;
      break;
  }
  return 0;
}

/** Byte `i` (0..7) of the size field holding `size`: a little-endian u32, then four zeros. */
function expectedSizeByte(size: number, i: number): number {
  const BYTE_BITS = 8;
  const WORD_BYTES = 4;
  return i < WORD_BYTES ? (size >>> (i * BYTE_BITS)) & 0xff : 0;
}

/** The words CPython ends its report with, per fault. */
export function faultReason(fault: number, found: number, expected: number): string {
  switch (fault) {
    case FAULT_API:
      return `bad ID: Allocated using API '${apiChar(found)}', verified using API '${apiChar(expected)}'`;
    case FAULT_LEADING_PAD:
      return 'bad leading pad byte';
    case FAULT_SIZE:
      return `bad size field: the header says ${found} bytes, the block was made with ${expected}`;
    case FAULT_TAIL:
      return 'bad trailing pad byte';
    default:
      return 'no fault';
  }
}

/** An API id byte as CPython's `%c` would print it; a non-printable byte as `\xNN`. */
export function apiChar(b: number): string {
  const FIRST_PRINTABLE = 0x20;
  const LAST_PRINTABLE = 0x7e;
  if (b >= FIRST_PRINTABLE && b <= LAST_PRINTABLE) return String.fromCharCode(b);
  return `\\x${b.toString(16).padStart(2, '0')}`;
}
