import type { HeapBackend } from '@pymem/core';
import type { Objects } from '@pymem/objects';

/*
 * Runtime workloads: code that makes and drops objects through a refcount
 * Runtime, timed in the worker of one runtime contender. The same two halves
 * as the allocation contenders, never meeting in one thread:
 *
 * ```
 *   main thread                          worker thread (one per contender and workload)
 *   RuntimeContenderSpec.name     ───▶   createRuntime({ backend, checks, allocator }) -> Objects
 *   RuntimeWorkloadSpec.name, size ──▶   prepare(py, size) -> WorkloadRun   (untimed)
 *   ops(size), phases, unit              measure: run(laps, facts) once, fresh runtime
 *                                        replay:  run(laps, null) per replay, timed by phase
 * ```
 *
 * A contender hands over the runtime with its built-in types registered
 * (an `Objects`; the facade's `PyRuntime` is one), so a workload never
 * registers them a second time. Two suites share this machinery:
 * - `objects`: allocator contenders (a Runtime over pool, over tlsf, no
 *   cycle collector) and the object workloads (measure/runtime-runner.ts);
 * - `gc`: contenders that differ by GC strategy (runtime/gc-contenders.ts,
 *   all over the allocator of --allocator) and workloads that make cycles
 *   and collect them (measure/gc-runner.ts).
 * Both run in the worker through runtime/subject.ts.
 */

/** The subcommand a runtime contender or workload belongs to. */
export type RuntimeSuite = 'objects' | 'gc';

/** How a runtime contender's Runtime is configured by the command line. */
export interface RuntimeBuildOptions {
  backend: HeapBackend;
  /** The runtime's checked mode (RuntimeOptions.checks). */
  checks: boolean;
  /**
   * `gc` only: the allocator under every strategy's runtime (pool,
   * pool-unchecked, tlsf). `objects` contenders are allocators themselves
   * and ignore it.
   */
  allocator: string;
}

/** One way of building a Runtime: the part that differs between contenders. */
export interface RuntimeContenderSpec {
  /** The name used by --allocators, tables and JSON. */
  readonly name: string;
  /** One line for --help and the README. */
  readonly summary: string;
  /** The memory the runtime's heap lives on (JSON `heap`). */
  heapLabel(backend: HeapBackend): string;
  /** Worker side: a fresh runtime on a fresh heap, its built-in types registered. */
  createRuntime(options: RuntimeBuildOptions): Objects;
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
  /** The subcommand that runs it. */
  readonly suite: RuntimeSuite;
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
  /** Worker side, untimed, once per runtime: `py.rt` is the Runtime. */
  prepare(py: Objects, size: number): WorkloadRun;
}
