import type { HeapBackend } from '@pymem/core';
import type { Trace } from '@pymem/trace';

/*
 * A contender is one way of serving a trace's malloc/free stream. Most run in
 * JavaScript, in two halves that never meet in one thread:
 *
 * ```
 *   main thread                         worker thread (one per contender)
 *   ContenderSpec.name / summary  ───▶  WorkerContenderSpec.create(job) -> ReplaySubject
 *   heapLabel(), reservedMeaning        measure() once, then replay() per run
 * ```
 *
 * Each worker builds exactly one subject, so every call site in its replay
 * loop sees one allocator class and stays monomorphic.
 *
 * A contender written in another language (`cpython`: CPython's pymalloc
 * driven from C) is a ProcessContenderSpec instead: main prepares its
 * program once per bench run (building it if need be), then starts one child
 * process per workload that speaks the same measure/replay protocol on
 * stdin/stdout (measure/protocol.ts).
 */

/** Everything a worker needs to build its subject: the trace and what main learnt about it. */
export interface ReplayJob {
  trace: Trace;
  /** Heap backend for the contenders that run on a pymem Heap. */
  backend: HeapBackend;
  /** Max over the trace of the requested bytes live at once. */
  peakLiveBytes: number;
  /** Max over the trace of the blocks live at once. */
  peakLiveBlocks: number;
  /** Ids still bound when the trace ends: freed after each replay, untimed. */
  liveAtEnd: Uint32Array;
}

/** What the measuring pass found. */
export interface MeasureResult {
  /** Peak bytes the contender held for the trace (its own meaning: ContenderSpec.reservedMeaning). */
  peakReservedBytes: number;
  /** Something odd the contender did that readers of the results should know (a leak, ...). */
  remark?: string;
  /** The bytes behind peakReservedBytes by part, when the contender can tell (cpython: arenas, raw). */
  reservedParts?: Record<string, number>;
}

/** Called during a measuring pass with the number of events replayed so far. */
export type ProgressSink = (eventsDone: number) => void;

/**
 * One contender's state inside its worker. The allocator is created once and
 * reused by every pass, like CPython keeping freed arenas mapped.
 *
 * States: fresh --measure()--> reused --replay()--> dirty --releaseLeftovers()--> reused
 */
export interface ReplaySubject {
  /**
   * The untimed first pass on the fresh allocator: replay the whole trace,
   * measure its peak reserved bytes, and free the leftovers.
   */
  measure(progress: ProgressSink): MeasureResult;
  /** The timed section: replay the whole trace; the blocks live at its end stay allocated. */
  replay(): void;
  /** Untimed: free the blocks the last replay left live. */
  releaseLeftovers(): void;
}

/** What main shows about any contender. */
interface ContenderInfo {
  /** The name used by --allocators, tables and JSON. */
  readonly name: string;
  /** One line for --help and the README. */
  readonly summary: string;
  /** What "peak reserved" means for this contender (README, JSON docs). */
  readonly reservedMeaning: string;
  /** The memory the contender runs on, for the table's heap column and JSON's `heap`. */
  heapLabel(backend: HeapBackend): string;
}

/** A contender replayed by a JavaScript subject in a worker thread of its own. */
export interface WorkerContenderSpec extends ContenderInfo {
  readonly kind: 'worker';
  /** Worker side only: build the subject that replays `job`. */
  create(job: ReplayJob): ReplaySubject;
}

/** A program ready to start, or why the contender cannot run on this machine. */
export type PreparedProgram =
  | { readonly ok: true; readonly command: string; readonly args: readonly string[] }
  | { readonly ok: false; readonly reason: string };

/** What a process contender's prepare() may use: a line for the user (progress notes). */
export interface PrepareEnv {
  note(text: string): void;
}

/**
 * A contender replayed by a child process. The child is started as
 * `command ...args TRACE_FILE --serve` and speaks the line protocol of
 * measure/protocol.ts.
 */
export interface ProcessContenderSpec extends ContenderInfo {
  readonly kind: 'process';
  /** Main side, once per bench run: find or build the program. Never throws for a missing toolchain. */
  prepare(env: PrepareEnv): Promise<PreparedProgram>;
}

/** A registry entry. */
export type ContenderSpec = WorkerContenderSpec | ProcessContenderSpec;
