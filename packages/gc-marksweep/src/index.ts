/**
 * @pymem/gc-marksweep: a tracing mark-sweep cycle collector for pymem
 * runtimes. Roots are explicit root handles plus every object referenced
 * from outside the heap's tracked objects; what they cannot reach is
 * disposed of by gc-common, exactly as the other collectors do.
 */
export { MarkSweepGc, markSweepGc } from './collector.js';
export {
  DEFAULT_THRESHOLD,
  GcAttachError,
  GcRootError,
  type MarkSweepOptions,
  type MarkSweepStats,
  type RootEntry,
  type RootHandle,
} from './api.js';
export { MAX_ROOTS } from './roots.js';
