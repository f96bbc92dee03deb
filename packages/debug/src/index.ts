/**
 * @pymem/debug: CPython's PYTHONMALLOC=debug hooks as a wrapper around any
 * pymem Allocator: 0xCD / 0xDD / 0xFD fills, guard bytes on both sides of
 * every block, API-family ids, a quarantine that catches writes after free,
 * and CPython's report layout followed by a typed error instead of an abort.
 */
export { DebugAllocator, createDebug, DEFAULT_QUARANTINE } from './debug.js';
export { DebugFamily } from './family.js';
export { DebugMemoryError, type DebugFault } from './errors.js';
export type { DebugOptions, DebugStats } from './api.js';
export type { TracebackHook } from './report.js';
export {
  API_MEM,
  API_OBJ,
  API_RAW,
  CLEANBYTE,
  DEADBYTE,
  DEBUG_EXTRA_BYTES,
  FORBIDDENBYTE,
  HEADER_BYTES,
  LEADING_PAD_BYTES,
  OFF_API,
  OFF_LEADING_PAD,
  OFF_SIZE,
  OFF_SIZE_HIGH,
  SST,
  TAIL_PAD_BYTES,
  type ApiId,
} from './layout.js';
export { RING_HEADER_BYTES, SLOT_BYTES } from './quarantine.js';
