/**
 * The contract of @pymem/gc-trial-deletion: options, statistics, colours and
 * the errors the collector throws. The collector itself is collector.ts.
 */
import { PymemError } from '@pymem/core';

/** Candidates the buffer holds before a decref collects automatically, by default. */
export const DEFAULT_BUFFER_SIZE = 10_000;
/** Largest bufferSize accepted: the buffer length is a u32 and must be able to reach it. */
export const MAX_BUFFER_SIZE = 0x7fffffff;

export interface TrialDeletionOptions {
  /**
   * Bacon and Rajan's root-buffer size: when a decref to non-zero makes the
   * buffer hold this many purple candidates, the collector runs at once
   * (inside that decref). `collect()` works at any time. An integer from 1
   * to MAX_BUFFER_SIZE, else InvalidSizeError (thrown by the constructor).
   * @defaultValue 10_000
   */
  bufferSize?: number;
}

/**
 * Bacon and Rajan's colours, as `colourOf` names them.
 * - black: in use (or free): the resting colour of every object;
 * - gray: a possible member of a garbage cycle, while markGray runs;
 * - white: a member of a garbage cycle, from scan until disposal ends;
 * - purple: a possible root of a garbage cycle: buffered (its count fell to
 *   a non-zero value) or held over from the last collection.
 */
export type Colour = 'black' | 'gray' | 'white' | 'purple';

/** What the collector has done so far, and what it holds now. */
export interface TrialDeletionStats {
  /** Collections run (automatic and on demand; a collect() refused because one is running does not count). */
  collections: number;
  /** Of those, the ones a full buffer started. */
  automatic: number;
  /** Objects freed by all collections (garbage that stayed garbage, plus weakrefs freed after their callbacks). */
  collected: number;
  /** Objects markGray coloured gray, summed over all collections: the work done. */
  examined: number;
  /** Objects the last collection coloured gray. */
  lastExamined: number;
  /** Objects the last collection freed. */
  lastCollected: number;
  /** The most candidates the buffer has held at once. */
  maxBuffer: number;
  /** Candidates in the buffer now (`candidates()`). */
  candidates: number;
  /** Survivors of the last disposal (resurrected, or left alive by clear), held over as roots for the next collection. */
  held: number;
}

/** A strategy used before a runtime attached it, or attached to a second runtime. */
export class GcAttachError extends PymemError {
  constructor(reason: string) {
    super('ERR_GC_ATTACH', `trial-deletion collector: ${reason}`);
  }
}
