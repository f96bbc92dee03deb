import type { HeapBackend } from '@pymem/core';
import type { Runtime } from '@pymem/refcount';

/*
 * Runtime workloads: code that makes and drops objects through a refcount
 * Runtime, timed in the worker of one runtime contender. The same two halves
 * as the allocation contenders, never meeting in one thread:
 *
 * ```
 *   main thread                          worker thread (one per contender and workload)
 *   RuntimeContenderSpec.name     ───▶   createRuntime({ backend, checks }) -> Runtime
 *   RuntimeWorkloadSpec.name, size ──▶   prepare(rt, size) -> WorkloadRun   (untimed)
 *   ops(size), phases, unit              measure: run(laps, facts) once, fresh runtime
 *                                        replay:  run(laps, null) per replay, timed by phase
 * ```
 *
 * `objects` uses allocator contenders (a Runtime over pool, over tlsf) and the
 * object workloads; a `gc` subcommand would add contenders that differ by GC
 * strategy and workloads that make cycles, and reuse everything else
 * (runtime/subject.ts in the worker, measure/runtime-runner.ts on the main side).
 */

/** How a runtime contender's Runtime is configured by the command line. */
export interface RuntimeBuildOptions {
  backend: HeapBackend;
  /** The runtime's checked mode (RuntimeOptions.checks). */
  checks: boolean;
}

/** One way of building a Runtime: the part that differs between contenders. */
export interface RuntimeContenderSpec {
  /** The name used by --allocators, tables and JSON. */
  readonly name: string;
  /** One line for --help and the README. */
  readonly summary: string;
  /** The memory the runtime's heap lives on (JSON `heap`). */
  heapLabel(backend: HeapBackend): string;
  /** Worker side: a fresh runtime on a fresh heap. */
  createRuntime(options: RuntimeBuildOptions): Runtime;
}

/**
 * Phase boundaries inside one run. A workload with phases [build, dealloc]
 * calls `mark()` once, between them; the harness reads the clock before the
 * run and after it.
 */
export interface Laps {
  mark(): void;
}

/**
 * What a measuring pass records about its run (chain depths, element counts)
 * for the results' `check`; null in timed runs, so the checks cost nothing there.
 */
export type Facts = Record<string, number>;

/** A workload prepared on one runtime: everything JS-side (types, classes, input strings) is made. */
export interface WorkloadRun {
  /**
   * One run. Deterministic, and it must leave the runtime as it found it:
   * every object it makes is freed by the end (the harness checks).
   */
  run(laps: Laps, facts: Facts | null): void;
}

/** A runtime workload: a pure function of a runtime and a size. */
export interface RuntimeWorkloadSpec {
  /** The name used by --workloads, tables and JSON. */
  readonly name: string;
  /** The subcommand that runs it (`objects`; `gc` later). */
  readonly suite: 'objects';
  /** One line for --help and the README. */
  readonly summary: string;
  /** What one op is, singular ("object", "element"); results are ns per op. */
  readonly unit: string;
  /** Phase names in run order. */
  readonly phases: readonly string[];
  /** Index of the phase behind the headline nsPerOp. */
  readonly headline: number;
  /** The size of a run at --scale 1 (the workload's own unit: objects, rounds, depth). */
  readonly size: number;
  /** Ops per phase of one run of `size`. */
  ops(size: number): number[];
  /** Worker side, untimed, once per runtime. */
  prepare(rt: Runtime, size: number): WorkloadRun;
}
