/**
 * The text of a debug report, in the line layout of CPython's
 * _PyObject_DebugDumpAddress and _PyMem_DumpTraceback:
 *
 * ```
 * Debug memory block at address p=0x4040: API 'm'
 *     16 bytes originally requested
 *     The 7 pad bytes at p-7 are FORBIDDENBYTE, as expected.
 *     The 8 pad bytes at tail=0x4050 are not all FORBIDDENBYTE (0xfd):
 *         at tail+0: 0x78 *** OUCH
 *         at tail+1: 0xfd
 *         ...
 *     Data at p: cd cd cd cd cd cd cd cd ... cd cd cd cd cd cd cd cd
 *
 * Enable tracemalloc to get the memory block allocation traceback
 *
 * Memory error: free: bad trailing pad byte
 * ```
 *
 * The last line stands where CPython prints `Fatal Python error: <func>:
 * <reason>` and aborts; here the process goes on and the caller gets a
 * DebugMemoryError carrying this text.
 *
 * Cold path only: plain string building. Every read is bounded by the heap's
 * length, since a corrupted size field may point anywhere.
 */
import { formatPtr } from '@pymem/core';
import { apiChar } from './check.js';
import {
  DEADBYTE,
  FORBIDDENBYTE,
  HEADER_BYTES,
  LEADING_PAD_BYTES,
  OFF_API,
  SST,
  TAIL_PAD_BYTES,
  readSize,
  readSizeHigh,
} from './layout.js';

/** Where a block's allocation traceback comes from (tracemalloc plugs in here). */
export type TracebackHook = (ptr: number) => readonly string[] | null;

/** Data bytes shown from each end of the block. */
const DATA_SHOWN = 8;
/** Changed bytes listed for a block written after free. */
const DEAD_SHOWN = 16;
const INDENT = '    ';
const INDENT2 = INDENT + INDENT;

/** `0x41` for a byte. */
function hexByte(b: number): string {
  return `0x${hex2(b)}`;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** A byte of the heap, or 0 past its end. */
function byteAt(u8: Uint8Array, at: number): number {
  return at >= 0 && at < u8.length ? u8[at] : 0;
}

/** The lines of _PyObject_DebugDumpAddress for the block at `p`. */
export function dumpAddress(u8: Uint8Array, u32: Uint32Array, p: number): string[] {
  const head = p - HEADER_BYTES;
  const lines = [`Debug memory block at address p=${formatPtr(p)}: API '${apiChar(byteAt(u8, head + OFF_API))}'`];
  // The high word is nonzero only if corrupted; CPython would print the whole size_t.
  const nbytes = readSize(u32, head) + readSizeHigh(u32, head) * 2 ** 32;
  lines.push(`${INDENT}${nbytes} bytes originally requested`);
  lines.push(...leadingPadLines(u8, p));
  const tail = p + nbytes;
  lines.push(...trailingPadLines(u8, tail));
  if (nbytes > 0) lines.push(`${INDENT}Data at p:${dataBytes(u8, p, tail)}`);
  lines.push('');
  return lines;
}

function leadingPadLines(u8: Uint8Array, p: number): string[] {
  const head = `${INDENT}The ${LEADING_PAD_BYTES} pad bytes at p-${LEADING_PAD_BYTES} are `;
  let ok = true;
  for (let k = 1; k <= LEADING_PAD_BYTES; k++) if (byteAt(u8, p - k) !== FORBIDDENBYTE) ok = false;
  if (ok) return [`${head}FORBIDDENBYTE, as expected.`];
  const lines = [`${head}not all FORBIDDENBYTE (${hexByte(FORBIDDENBYTE)}):`];
  for (let k = LEADING_PAD_BYTES; k >= 1; k--) {
    const b = byteAt(u8, p - k);
    lines.push(`${INDENT2}at p-${k}: ${hexByte(b)}${b !== FORBIDDENBYTE ? ' *** OUCH' : ''}`);
  }
  lines.push(`${INDENT}Because memory is corrupted at the start, the count of bytes requested`);
  lines.push(`       may be bogus, and checking the trailing pad bytes may segfault.`);
  return lines;
}

function trailingPadLines(u8: Uint8Array, tail: number): string[] {
  const head = `${INDENT}The ${TAIL_PAD_BYTES} pad bytes at tail=${formatPtr(tail)} are `;
  let ok = true;
  for (let k = 0; k < TAIL_PAD_BYTES; k++) if (byteAt(u8, tail + k) !== FORBIDDENBYTE) ok = false;
  if (ok) return [`${head}FORBIDDENBYTE, as expected.`];
  const lines = [`${head}not all FORBIDDENBYTE (${hexByte(FORBIDDENBYTE)}):`];
  for (let k = 0; k < TAIL_PAD_BYTES; k++) {
    const b = byteAt(u8, tail + k);
    lines.push(`${INDENT2}at tail+${k}: ${hexByte(b)}${b !== FORBIDDENBYTE ? ' *** OUCH' : ''}`);
  }
  return lines;
}

/** Up to 8 data bytes from the start and, after ` ...`, up to 8 before the tail. */
function dataBytes(u8: Uint8Array, p: number, tail: number): string {
  let out = '';
  let q = p;
  for (let i = 0; q < tail && i < DATA_SHOWN; i++, q++) out += ` ${hex2(byteAt(u8, q))}`;
  if (q < tail) {
    if (tail - q > DATA_SHOWN) {
      out += ' ...';
      q = tail - DATA_SHOWN;
    }
    for (; q < tail; q++) out += ` ${hex2(byteAt(u8, q))}`;
  }
  return out;
}

/**
 * The lines for a quarantined block whose dead bytes changed (no CPython
 * counterpart: CPython gives freed memory straight back). `nbytes` and `api`
 * come from the quarantine slot, since the header itself is dead.
 */
export function dumpDeadBlock(u8: Uint8Array, p: number, nbytes: number, api: number): string[] {
  const head = p - HEADER_BYTES;
  const end = p + nbytes + TAIL_PAD_BYTES;
  const lines = [
    `Debug memory block at address p=${formatPtr(p)}: API '${apiChar(api)}' (freed)`,
    `${INDENT}${nbytes} bytes originally requested`,
    `${INDENT}The ${nbytes + HEADER_BYTES + TAIL_PAD_BYTES} bytes from p-${HEADER_BYTES} to tail+${SST} are not all DEADBYTE (${hexByte(DEADBYTE)}):`,
  ];
  let shown = 0;
  let changed = 0;
  for (let at = head; at < end; at++) {
    const b = byteAt(u8, at);
    if (b === DEADBYTE) continue;
    changed++;
    if (shown < DEAD_SHOWN) {
      shown++;
      lines.push(`${INDENT2}at p${offsetText(at - p)}: ${hexByte(b)} *** OUCH`);
    }
  }
  if (changed > shown) lines.push(`${INDENT2}... ${changed - shown} more changed bytes`);
  lines.push('');
  return lines;
}

function offsetText(off: number): string {
  return off < 0 ? `${off}` : `+${off}`;
}

/** The lines of _PyMem_DumpTraceback: the frames, or how to get them. */
export function tracebackLines(hook: TracebackHook | null, p: number): string[] {
  if (!hook) return ['Enable tracemalloc to get the memory block allocation traceback', ''];
  const frames = hook(p);
  if (!frames) return [];
  return ['Memory block allocated at (most recent call first):', ...frames.map((f) => `  ${f}`), ''];
}
