/**
 * The public contract of @pymem/gc-generational: options, what the
 * statistics and callbacks look like, the debug flags (CPython's values),
 * and the typed errors.
 */
import { PymemError } from '@pymem/core';

/** `gc.DEBUG_STATS`: print statistics when a collection starts and ends. */
export const DEBUG_STATS = 1 << 0;
/** `gc.DEBUG_COLLECTABLE`: print each collectable object found. */
export const DEBUG_COLLECTABLE = 1 << 1;
/** `gc.DEBUG_UNCOLLECTABLE`: print each uncollectable object found (pymem has no legacy finalizers: none ever is). */
export const DEBUG_UNCOLLECTABLE = 1 << 2;
/** `gc.DEBUG_SAVEALL`: keep unreachable objects in `garbage` instead of freeing them. */
export const DEBUG_SAVEALL = 1 << 5;
/** `gc.DEBUG_LEAK` = COLLECTABLE | UNCOLLECTABLE | SAVEALL (38). */
export const DEBUG_LEAK = DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE | DEBUG_SAVEALL;

/** The three thresholds (gc.get_threshold()). */
export type Thresholds = [threshold0: number, threshold1: number, threshold2: number];

export interface GenerationalGcOptions {
  /**
   * (threshold0, threshold1, threshold2): a generation-0 collection starts
   * when count0 exceeds threshold0 (0 turns automatic collection off); an
   * older generation is collected with it when its count exceeds its
   * threshold. Non-negative integers below 2^32.
   * @defaultValue [2000, 10, 10] (CPython 3.13)
   */
  thresholds?: Thresholds;
  /**
   * Automatic collection on (gc.enable()) or off (gc.disable()).
   * @defaultValue true
   */
  enabled?: boolean;
  /**
   * Debug flags (DEBUG_*), as gc.set_debug.
   * @defaultValue 0
   */
  debug?: number;
  /**
   * Where debug lines go (one call per line, no trailing newline), as
   * CPython writes them to stderr.
   * @defaultValue console.error
   */
  write?: (line: string) => void;
  /**
   * Untrack tuples and dicts (types flagged UNTRACK_WHEN_ATOMIC) whose
   * contents cannot take part in a cycle, as CPython does.
   * @defaultValue true
   */
  untrackAtomic?: boolean;
}

/** One generation's entry of gc.get_stats(). */
export interface GenerationStats {
  /** Collections of this generation (younger ones included in it are not counted again). */
  collections: number;
  /** Objects freed by those collections. */
  collected: number;
  /** Objects found uncollectable by them (always 0: pymem has no legacy tp_del). */
  uncollectable: number;
}

/** What gc.callbacks receive with each phase. */
export interface CollectionInfo {
  /** The generation being collected. */
  generation: number;
  /** Objects collected (0 in the `start` phase). */
  collected: number;
  /** Objects found uncollectable (0 in the `start` phase). */
  uncollectable: number;
}

/** A gc.callbacks entry: called with `start` before and `stop` after each collection. */
export type GcCallback = (phase: 'start' | 'stop', info: CollectionInfo) => void;

/** gc.collect / gc.get_objects with a generation outside 0..2 (CPython's ValueError). */
export class GcGenerationError extends PymemError {
  readonly generation: unknown;
  constructor(generation: unknown) {
    super('ERR_GC_GENERATION', `invalid generation ${String(generation)}: expected an integer from 0 to 2`);
    this.generation = generation;
  }
}

/** A bad threshold or debug value, or the collector used before (or attached after) its runtime. */
export class GcArgumentError extends PymemError {
  constructor(message: string) {
    super('ERR_GC_ARGUMENT', message);
  }
}
