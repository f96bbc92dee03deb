/**
 * @pymem/tlsf — Two-Level Segregated Fit: an O(1) malloc/free over a pymem
 * Heap, with immediate coalescing, aligned arenas and heap trimming.
 */
export { DEFAULT_TRIM_THRESHOLD, type TlsfOptions, type TlsfStats } from './api.js';
export { MAX_ALIGN, Tlsf, createTlsf } from './tlsf.js';
export { checkHeap } from './check.js';
export {
  AL_SIZE,
  ANCHOR_COUNT,
  BLOCK_MINSIZE,
  BLOCK_OVERHEAD,
  CONTROL_SIZE,
  FIRST_BLOCK,
  FIRST_DATA,
  FL_COUNT,
  FREE,
  LIST_COUNT,
  MIN_BLOCK_TOTAL,
  PREV_FREE,
  SB_SIZE,
  SL_SIZE,
  TLSF_MAGIC,
  listOf,
} from './layout.js';
export { EXACT_SCAN_LIMIT } from './freelist.js';
