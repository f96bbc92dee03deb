/**
 * The contract of @pymem/gc-marksweep: options, statistics, root handles and
 * the errors the collector throws. The collector itself is collector.ts.
 */
import { PymemError, formatPtr, type Ptr } from '@pymem/core';

/** Automatic collection after this many GC-object creations (net of destructions) by default. */
export const DEFAULT_THRESHOLD = 10_000;

export interface MarkSweepOptions {
  /**
   * Collect automatically when the GC objects created since the last
   * collection, minus those destroyed since (never below zero), reach this
   * count. 0 turns automatic collection off (as CPython's threshold0 = 0).
   * A non-negative integer below 2^32, else InvalidSizeError.
   * @defaultValue 10_000
   */
  threshold?: number;
  /**
   * Whether automatic collection starts enabled. `collect()` always works.
   * @defaultValue true
   */
  enabled?: boolean;
}

/** What the collector has done (collector-wide counts plus the last collection's figures). */
export interface MarkSweepStats {
  /** Collections run so far (automatic and on demand; a collect() refused because one is running does not count). */
  collections: number;
  /** Objects the last collection marked: reachable from a root, so left alone. */
  marked: number;
  /** Objects the last collection found unmarked and handed to disposal (its garbage set). */
  swept: number;
  /** Objects the last collection freed (the swept ones that were not resurrected, plus weakrefs freed after their callbacks). */
  collected: number;
  /** Swept objects of the last collection that a finalizer resurrected. */
  resurrected: number;
  /** Objects freed by every collection so far. */
  totalCollected: number;
  /** Wall time of the last collection, in milliseconds, finalizers and deallocation included. */
  lastPauseMs: number;
}

/**
 * Names one registration of a root (see `addRoot`). A plain number under a
 * brand: slot index and generation, so a handle that was removed never
 * matches a later root that reuses its slot.
 */
export type RootHandle = number & { readonly __rootHandle: true };

/**
 * Misuse of root handles: `removeRoot` of a handle that was already removed
 * (or that `addRoot` never returned), or more roots than the table holds.
 * Thrown before anything changes.
 */
export class GcRootError extends PymemError {
  /** The handle involved, or null when the error is about the table (too many roots). */
  readonly handle: number | null;
  constructor(handle: number | null, reason: string) {
    super('ERR_GC_ROOT', handle === null ? reason : `root handle ${formatHandle(handle)}: ${reason}`);
    this.handle = handle;
  }
}

/** A strategy used before a runtime attached it, or attached to a second runtime. */
export class GcAttachError extends PymemError {
  constructor(reason: string) {
    super('ERR_GC_ATTACH', `mark-sweep collector: ${reason}`);
  }
}

function formatHandle(handle: number): string {
  return typeof handle === 'number' && Number.isInteger(handle) && handle >= 0 ? formatPtr(handle) : String(handle);
}

/** One root: its handle and the object it holds. */
export interface RootEntry {
  readonly handle: RootHandle;
  readonly ptr: Ptr;
}
