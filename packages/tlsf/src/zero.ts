/**
 * Zeroing for calloc. A typed array's fill() is a call into the runtime that
 * costs more than storing a few dozen words, so small blocks are cleared
 * word by word and only large ones with fill().
 */
/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison --
   Zero and Sc are named numbers (const enums, so that the bundler writes
   them into the code as literals), not sets of choices: comparing a number
   with them is the point. */
import type { Heap } from '@pymem/core';
import { Sc } from './layout.js';

/** Up to this many bytes are cleared with a loop of word stores. */
export const enum Zero {
  LOOP_LIMIT = 256,
}

/** Set `n` bytes at `ptr` to 0; both are multiples of AL_SIZE. */
export function zeroBytes(heap: Heap, ptr: number, n: number): void {
  if (n > Zero.LOOP_LIMIT) {
    heap.u8.fill(0, ptr, ptr + n);
    return;
  }
  const u32 = heap.u32;
  const end = (ptr + n) >>> Sc.WORD_SHIFT;
  for (let w = ptr >>> Sc.WORD_SHIFT; w < end; w++) u32[w] = 0;
}
