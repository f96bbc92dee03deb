import type { Trace, TraceStats } from '@pymem/trace';

/**
 * An allocation workload: anything that yields a trace (a file today;
 * synthetic generators later). Adding one is one registry entry.
 */
export interface WorkloadSpec {
  /** The name used by tables and JSON (`workload`). */
  readonly name: string;
  /** One line for --help and the README. */
  readonly summary: string;
  /** Where it comes from (a file path, or a generator's description). */
  readonly source: string;
  /** Decode or generate the trace. */
  load(): Trace;
}

/** A workload ready to replay, with what main computed about it once. */
export interface LoadedWorkload {
  readonly name: string;
  readonly source: string;
  readonly trace: Trace;
  readonly stats: TraceStats;
  /** Ids still bound when the trace ends (freed after each replay, untimed). */
  readonly liveAtEnd: Uint32Array;
}
