/**
 * The debug block layout: CPython's PYTHONMALLOC=debug decoration on 64-bit
 * (without the optional serial number), inside one block of the wrapped
 * ("inner") allocator.
 *
 * ```
 *   head = the inner block (16-aligned)                  p = head + 16 (16-aligned: handed out)
 *   |                                                     |
 *   v +0          +4          +8    +9                    v                      p+N          p+N+8
 *     +-----------+-----------+-----+---------------------+------ ... ------+------------------+
 *     | size (u32)| size high | API | leading pad         | data: N bytes   | trailing pad     |
 *     | N         | (u32) = 0 | id  | 7 x FORBIDDENBYTE   | CLEANBYTE when  | 8 x FORBIDDENBYTE|
 *     |           |           |     |                     | new (0 calloc)  |                  |
 *     +-----------+-----------+-----+---------------------+------ ... ------+------------------+
 *     |<---------- SST ------>|<--------- SST ----------->|                 |<----- SST ------>|
 *
 *   API id: 'r' raw (PyMem_RawMalloc), 'm' mem (PyMem_Malloc), 'o' object (PyObject_Malloc).
 *   SST = 8 (sizeof(size_t) on 64-bit). The inner block is N + DEBUG_EXTRA_BYTES (N + 24) bytes.
 * ```
 *
 * CPython writes the requested size as one size_t (8 bytes, big-endian there).
 * Pointers and sizes here are u32, so the size is a little-endian u32 followed
 * by a u32 that is always 0: 8 bytes, as on 64-bit, and a nonzero high word
 * is itself a sign of corruption.
 *
 * States of a block:
 *   live         in the live map; header, pads and tail as drawn; data is the user's.
 *   quarantined  every one of its N + 24 bytes is DEADBYTE; its inner block is still
 *                allocated (held in the quarantine ring, quarantine.ts).
 *   released     given back to the inner allocator; its bytes are the inner's again.
 *
 * Invariants (live block at p with requested size N and API id a):
 *   u32[head] == N  and  u32[head + 4] == 0
 *   u8[head + OFF_API] == a,  a in { 'r', 'm', 'o' }
 *   u8[p - k] == FORBIDDENBYTE for k in 1..7
 *   u8[p + N + k] == FORBIDDENBYTE for k in 0..7
 *   p % ALIGNMENT == 0  (because head % ALIGNMENT == 0 and HEADER_BYTES == ALIGNMENT)
 */

/** sizeof(size_t) on 64-bit: the width of the size field and of each pad. */
export const SST = 8;
/** Byte offset (from head) of the requested size, a u32. */
export const OFF_SIZE = 0;
/** Byte offset (from head) of the size's high u32, always 0. */
export const OFF_SIZE_HIGH = OFF_SIZE + 4;
/** Byte offset (from head) of the API id byte. */
export const OFF_API = SST;
/** Byte offset (from head) of the leading pad. */
export const OFF_LEADING_PAD = OFF_API + 1;
/** Bytes in the leading pad: the rest of the second word. */
export const LEADING_PAD_BYTES = SST - 1;
/** Bytes before the data: size word and API id + pad word. Equal to ALIGNMENT. */
export const HEADER_BYTES = 2 * SST;
/** Bytes in the trailing pad after the data. */
export const TAIL_PAD_BYTES = SST;
/** What the decoration adds to every request (CPython's PYMEM_DEBUG_EXTRA_BYTES). */
export const DEBUG_EXTRA_BYTES = HEADER_BYTES + TAIL_PAD_BYTES;

/** Fill of new memory (PYMEM_CLEANBYTE): reading it as data shows uninitialised use. */
export const CLEANBYTE = 0xcd;
/** Fill of freed memory (PYMEM_DEADBYTE): reading it shows use after free. */
export const DEADBYTE = 0xdd;
/** The pads' byte (PYMEM_FORBIDDENBYTE): any other value there is a buffer overrun. */
export const FORBIDDENBYTE = 0xfd;
/** DEADBYTE in all four bytes of a u32, for word-wide scans. */
export const DEADWORD = (DEADBYTE * 0x01010101) >>> 0;

/** The three API families and their id bytes. */
export type ApiId = 'r' | 'm' | 'o';
export const API_RAW = 0x72; // 'r'
export const API_MEM = 0x6d; // 'm'
export const API_OBJ = 0x6f; // 'o'

/** The id byte of an API family, or -1 for anything else. */
export function apiByte(api: ApiId): number {
  switch (api) {
    case 'r':
      return API_RAW;
    case 'm':
      return API_MEM;
    case 'o':
      return API_OBJ;
    default:
      return -1;
  }
}

/** Whether `b` is one of the three API id bytes. */
export function isApiByte(b: number): boolean {
  return b === API_RAW || b === API_MEM || b === API_OBJ;
}

/** The data pointer of the inner block at `head`. */
export function dataOf(head: number): number {
  return head + HEADER_BYTES;
}

/** The inner block of the data pointer `p`. */
export function headOf(p: number): number {
  return p - HEADER_BYTES;
}

/** Write a live block's header and both pads (not its data). */
export function decorate(u8: Uint8Array, u32: Uint32Array, head: number, size: number, api: number): void {
  const w = head >>> 2;
  u32[w] = size;
  u32[w + 1] = 0;
  u8[head + OFF_API] = api;
  for (let at = head + OFF_LEADING_PAD, end = head + HEADER_BYTES; at < end; at++) u8[at] = FORBIDDENBYTE;
  const tail = head + HEADER_BYTES + size;
  for (let at = tail, end = tail + TAIL_PAD_BYTES; at < end; at++) u8[at] = FORBIDDENBYTE;
}

/** Bytes in a u32. */
const WORD_BYTES = 4;
/** Above this many bytes TypedArray.fill beats the word loop (its ~100 ns call cost is paid off). */
const NATIVE_FILL_MIN = 2048;

/**
 * Fill [from, to) with `byte`: u32 stores over the aligned middle, byte
 * stores at the ends. Tricky: on Node 20 `u8.fill` costs ~100 ns a call
 * whatever the length, more than the whole word loop for small blocks.
 */
export function fillBytes(u8: Uint8Array, u32: Uint32Array, byte: number, from: number, to: number): void {
  if (to - from >= NATIVE_FILL_MIN) {
    u8.fill(byte, from, to);
    return;
  }
  let at = from;
  while (at < to && (at & (WORD_BYTES - 1)) !== 0) u8[at++] = byte;
  const word = Math.imul(byte, 0x01010101) >>> 0;
  const wordEnd = to & ~(WORD_BYTES - 1);
  for (let w = at >>> 2, we = wordEnd >>> 2; w < we; w++) u32[w] = word;
  if (wordEnd > at) at = wordEnd;
  while (at < to) u8[at++] = byte;
}

/** The size field as written (low word only; see readSizeHigh). */
export function readSize(u32: Uint32Array, head: number): number {
  return u32[head >>> 2];
}

/** The size field's high word (0 unless corrupted). */
export function readSizeHigh(u32: Uint32Array, head: number): number {
  return u32[(head >>> 2) + 1];
}
