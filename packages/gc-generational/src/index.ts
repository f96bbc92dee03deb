/**
 * @pymem/gc-generational: CPython's gc module as a pymem GC strategy. Three
 * generations plus the permanent one, thresholds and the long-lived rule,
 * atomic tuple/dict untracking, finalizers, weakrefs, gc.garbage, freeze,
 * callbacks, debug flags and statistics.
 */
export { GenerationalGc, generationalGc } from './generational.js';
export {
  DEBUG_COLLECTABLE,
  DEBUG_LEAK,
  DEBUG_SAVEALL,
  DEBUG_STATS,
  DEBUG_UNCOLLECTABLE,
  GcArgumentError,
  GcGenerationError,
  type CollectionInfo,
  type GcCallback,
  type GenerationStats,
  type GenerationalGcOptions,
  type Thresholds,
} from './api.js';
export { DEFAULT_THRESHOLDS, NUM_GENERATIONS } from './state.js';
export { AtomicUntracker } from './atomic.js';
