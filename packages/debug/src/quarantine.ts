/**
 * The quarantine: a FIFO ring of freed blocks, kept in one block of the inner
 * allocator. A freed block is filled with DEADBYTE and parked here, still
 * allocated in the inner allocator, so nothing else can be placed over it.
 * When it leaves (the ring is full and another block comes in, or on flush),
 * its bytes are checked: any byte that is no longer DEADBYTE was written
 * after free. Then it goes back to the inner allocator.
 *
 * ```
 *   ring (inner block of RING_HEADER_BYTES + capacity * SLOT_BYTES bytes)
 *   +0       +4       +8         +12      +16
 *   +--------+--------+----------+--------+----------------------------------+---------
 *   | first  | count  | capacity | 0      | slot 0: head | nbytes | api | 0  | slot 1 ...
 *   | (u32)  | (u32)  | (u32)    |        | (u32 each)                       |
 *   +--------+--------+----------+--------+----------------------------------+---------
 *   first: slot of the oldest block; the blocks are slots first .. first+count-1 (mod capacity)
 *   head: the inner block; nbytes: its requested size; api: its API id byte
 * ```
 *
 * States of a slot: empty (outside first..first+count-1, contents stale) or
 * holding a quarantined block.
 *
 * Invariants:
 *   0 <= first < capacity,  0 <= count <= capacity
 *   every held block's nbytes + 24 bytes from head are DEADBYTE unless written after free
 *   a held block is allocated in the inner allocator and in no live map
 */
import { DEBUG_EXTRA_BYTES, DEADBYTE, DEADWORD } from './layout.js';

const WORD = 4;
/** Word offsets in the ring header. */
const W_FIRST = 0;
const W_COUNT = 1;
const W_CAPACITY = 2;
/** Header of the ring: four words, keeps slots 16-aligned. */
export const RING_HEADER_BYTES = 4 * WORD;
/** Word offsets in a slot. */
const S_HEAD = 0;
const S_NBYTES = 1;
const S_API = 2;
/** One slot: four words. */
export const SLOT_BYTES = 4 * WORD;
const SLOT_WORDS = SLOT_BYTES / WORD;

/** Bytes the ring block needs for `capacity` slots. */
export function ringBytes(capacity: number): number {
  return RING_HEADER_BYTES + capacity * SLOT_BYTES;
}

/** Set up an empty ring in the block at `ring`. */
export function initRing(u32: Uint32Array, ring: number, capacity: number): void {
  const w = ring >>> 2;
  u32[w + W_FIRST] = 0;
  u32[w + W_COUNT] = 0;
  u32[w + W_CAPACITY] = capacity;
  u32[w + W_CAPACITY + 1] = 0;
}

export function ringCount(u32: Uint32Array, ring: number): number {
  return u32[(ring >>> 2) + W_COUNT];
}

export function ringCapacity(u32: Uint32Array, ring: number): number {
  return u32[(ring >>> 2) + W_CAPACITY];
}

export function ringIsFull(u32: Uint32Array, ring: number): boolean {
  const w = ring >>> 2;
  return u32[w + W_COUNT] === u32[w + W_CAPACITY];
}

/** Word index of the slot `i` places after the oldest. */
function slotWord(u32: Uint32Array, ring: number, i: number): number {
  const w = ring >>> 2;
  const slot = (u32[w + W_FIRST] + i) % u32[w + W_CAPACITY];
  return w + RING_HEADER_BYTES / WORD + slot * SLOT_WORDS;
}

/** The inner block `i` places after the oldest. */
export function slotHead(u32: Uint32Array, ring: number, i: number): number {
  return u32[slotWord(u32, ring, i) + S_HEAD];
}

export function slotNbytes(u32: Uint32Array, ring: number, i: number): number {
  return u32[slotWord(u32, ring, i) + S_NBYTES];
}

export function slotApi(u32: Uint32Array, ring: number, i: number): number {
  return u32[slotWord(u32, ring, i) + S_API];
}

/** Park a block. The ring must not be full. */
export function ringPush(u32: Uint32Array, ring: number, head: number, nbytes: number, api: number): void {
  const w = ring >>> 2;
  const s = slotWord(u32, ring, u32[w + W_COUNT]);
  u32[s + S_HEAD] = head;
  u32[s + S_NBYTES] = nbytes;
  u32[s + S_API] = api;
  u32[w + W_COUNT]++;
}

/** Drop the oldest block from the ring (the caller releases it). */
export function ringShift(u32: Uint32Array, ring: number): void {
  const w = ring >>> 2;
  u32[w + W_FIRST] = (u32[w + W_FIRST] + 1) % u32[w + W_CAPACITY];
  u32[w + W_COUNT]--;
}

/** Position (from the oldest) of the block at `head`, or -1. Cold path. */
export function ringFind(u32: Uint32Array, ring: number, head: number): number {
  const n = ringCount(u32, ring);
  for (let i = 0; i < n; i++) if (slotHead(u32, ring, i) === head) return i;
  return -1;
}

/**
 * Whether a dead block of `nbytes` requested bytes at `head` is still all
 * DEADBYTE: word-wide over the aligned part, then byte by byte.
 */
export function deadIntact(u8: Uint8Array, u32: Uint32Array, head: number, nbytes: number): boolean {
  const end = head + nbytes + DEBUG_EXTRA_BYTES;
  const wordEnd = head + ((nbytes + DEBUG_EXTRA_BYTES) & ~(WORD - 1));
  for (let w = head >>> 2, we = wordEnd >>> 2; w < we; w++) if (u32[w] !== DEADWORD) return false;
  for (let at = wordEnd; at < end; at++) if (u8[at] !== DEADBYTE) return false;
  return true;
}
