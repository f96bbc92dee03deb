import { cpus, totalmem } from 'node:os';
import type { HeapBackend } from '@pymem/core';

/*
 * The results model. `pnpm bench alloc --json OUT` writes a BenchResults;
 * the table is rendered from the same objects. Fields marked (required) are
 * the documented contract; the rest may grow.
 */

/** How a contender's series on one workload ended. `skipped`: it cannot run on this machine (note says why). */
export type ResultStatus = 'ok' | 'timeout' | 'error' | 'skipped';

/** Spread of the timed runs, in ns/event. */
export interface Spread {
  min: number;
  max: number;
  /** Median absolute deviation / median (0.01 = 1 %). */
  rmad: number;
}

/** One contender on one workload. */
export interface AllocResult {
  /** Workload name (the trace file name without .pymtrace). (required) */
  workload: string;
  /** Contender name. (required) */
  contender: string;
  /** Median over the timed runs of ns per trace event; null unless status is ok. (required) */
  nsPerEvent: number | null;
  /** Peak bytes the contender held for the trace on its first, fresh-heap pass; null if unknown. (required) */
  peakReservedBytes: number | null;
  /** Max over the trace of requested bytes live at once (a property of the trace). (required) */
  peakLiveBytes: number;
  /** Number of timed runs behind nsPerEvent. (required) */
  runs: number;
  /** Memory the contender ran on: arraybuffer / wasm / shared (pymem heaps), fixed, js. */
  heap: string;
  status: ResultStatus;
  /** ns/event of each timed run (its summed replay time / (replaysPerRun x events)), in round order. */
  runsNs: number[];
  /** Spread of runsNs; null without timed runs. */
  spread: Spread | null;
  /** Untimed warm-up runs before the timed runs (after the measuring pass). */
  warmup: number;
  /** Replays in each run (short replays are repeated so a run lasts at least 0.1 s); runsNs are per event either way. */
  replaysPerRun: number;
  /** Events in the trace. */
  events: number;
  /** Why the series is short, cut, failed or skipped. */
  note?: string;
  /** The bytes behind peakReservedBytes by part, when the contender tells (cpython: arenas, raw). */
  reservedParts?: Record<string, number>;
}

/** What a workload asks of an allocator. */
export interface WorkloadInfo {
  name: string;
  source: string;
  events: number;
  peakLiveBytes: number;
  peakLiveBlocks: number;
}

/** The settings a run used. */
export interface AllocSettings {
  heap: HeapBackend;
  warmup: number;
  runs: number;
  /** Seconds one contender may spend replaying one workload before its series is shortened. */
  budgetSeconds: number;
  /** Seconds one replay may take before its worker is stopped. */
  timeoutSeconds: number;
}

export interface MachineInfo {
  node: string;
  v8: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cpus: number;
  totalMemoryBytes: number;
}

/** The whole JSON file. `results` is the required part. */
export interface BenchResults {
  schema: typeof RESULTS_SCHEMA;
  command: 'alloc';
  createdAt: string;
  machine: MachineInfo;
  settings: AllocSettings;
  workloads: WorkloadInfo[];
  results: AllocResult[];
}

/** The settings an `objects` run used. */
export interface RuntimeSettings extends AllocSettings {
  /** The runtime's checked mode (--checks): every incref/decref validates its pointer. */
  checks: boolean;
  /** Every workload's size is its --scale 1 size times this (at least 1). */
  scale: number;
}

/** One phase of a runtime workload on one contender. */
export interface PhaseResult {
  phase: string;
  /** Median over the timed runs of ns per op of this phase; null unless status is ok. */
  nsPerOp: number | null;
  /** Median absolute deviation of runsNs, in ns per op; null without runs. */
  mad: number | null;
  /** Ops in one run of this phase. */
  ops: number;
  /** ns per op of each timed run, in round order. */
  runsNs: number[];
  spread: Spread | null;
}

/** One runtime contender on one runtime workload (`objects`). */
export interface RuntimeResult {
  /** Workload name. (required) */
  workload: string;
  /** Contender name (the allocator under the runtime). (required) */
  contender: string;
  /** The headline phase's median ns per op; null unless status is ok. (required) */
  nsPerOp: number | null;
  /** Median absolute deviation of the headline phase, ns per op; null without runs. (required) */
  mad: number | null;
  /** Ops in one run of the headline phase. (required) */
  ops: number;
  /** heap.peakByteLength after the first run on a fresh runtime; null if that run did not finish. (required) */
  peakHeapBytes: number | null;
  /** The headline phase's name. */
  phase: string;
  /** What one op is: object, element, instance. */
  unit: string;
  /** 1e9 / nsPerOp. */
  opsPerSecond: number | null;
  /** Timed runs behind nsPerOp (0 when it is null). */
  runs: number;
  heap: string;
  checks: boolean;
  status: ResultStatus;
  /** The headline phase's ns per op of each timed run. */
  runsNs: number[];
  spread: Spread | null;
  warmup: number;
  replaysPerRun: number;
  /** The workload's size (its own unit) after --scale. */
  size: number;
  /** Every phase, in run order, the headline among them. */
  phases: PhaseResult[];
  /** What the first run checked: object counts before and after, and the workload's own facts. null if it did not finish. */
  check: Record<string, number> | null;
  note?: string;
}

/** What a runtime workload asked for in a run. */
export interface RuntimeWorkloadInfo {
  name: string;
  summary: string;
  unit: string;
  size: number;
  phases: { phase: string; ops: number }[];
  headline: string;
}

/** The JSON of `objects --json`. `results` is the required part. */
export interface RuntimeBenchResults {
  schema: typeof RESULTS_SCHEMA;
  command: 'objects';
  createdAt: string;
  machine: MachineInfo;
  settings: RuntimeSettings;
  workloads: RuntimeWorkloadInfo[];
  results: RuntimeResult[];
}

/** The settings a `gc` run used: `objects`' plus the allocator under every strategy. */
export interface GcSettings extends RuntimeSettings {
  /** The allocator under every strategy's runtime (--allocator): pool, pool-unchecked or tlsf. */
  allocator: string;
}

/** One phase of a GC workload on one contender, in ns per run. */
export interface GcPhaseResult {
  phase: string;
  /** Median over the timed runs of the phase's ns in one run; null unless status is ok. */
  ns: number | null;
  /** Median absolute deviation of runsNs; null without runs. */
  mad: number | null;
  /** The phase's ns in each timed run (summed over the run's repeats, divided by them), in round order. */
  runsNs: number[];
}

/** One GC contender (a strategy, or CPython) on one GC workload. */
export interface GcResult {
  /** Workload name. (required) */
  workload: string;
  /** A strategy (none, generational, trial-deletion, mark-sweep) or cpython. (required) */
  contender: string;
  /** Median over the timed runs of the ns of one full collection (the `collect` phase); null unless status is ok. (required) */
  collectNs: number | null;
  /** Objects of the shape the collection faces (ring nodes, lists, the live tree's nodes); null if the first run did not finish. (required) */
  objects: number | null;
  /** References among those objects; null if unknown. (required) */
  edges: number | null;
  /** What that collection reported as found and freed (the first run's; every run is checked against the shape). (required) */
  collected: number | null;
  /** Median absolute deviation of runsNs, in ns; null without runs. */
  mad: number | null;
  /** Timed runs behind collectNs (0 when it is null). */
  runs: number;
  /** collectNs / edges; null when either is missing or edges is 0. */
  nsPerEdge: number | null;
  /** collectNs / objects; null when either is missing or objects is 0. */
  nsPerObject: number | null;
  /** collectNs / cpython's collectNs on the same workload; null when either is missing. */
  vsCpython: number | null;
  /** Median over the timed runs of a whole run (every phase); null unless status is ok. */
  totalNs: number | null;
  /** Collections the contender ran during the first run (periodic, automatic and the timed one); null if unknown. */
  collections: number | null;
  status: ResultStatus;
  /** ns of the collection in each timed run, in round order. */
  runsNs: number[];
  spread: Spread | null;
  warmup: number;
  /** Workload runs repeated in each timed run (a run lasts at least 0.1 s); runsNs are per workload run. */
  replaysPerRun: number;
  /** The heap backend (strategies), or `python` (cpython). */
  heap: string;
  /** The allocator under the runtime (strategies), or `pymalloc` (cpython). */
  allocator: string;
  /** The workload's size after --scale (rings, lists, tree depth). */
  size: number;
  /** Every phase in run order. */
  phases: GcPhaseResult[];
  /** What the first run recorded (the workload's facts; strategies add the runtime's object and block counts). null if it did not finish. */
  check: Record<string, number> | null;
  /** cpython only: the interpreter's version. */
  python?: string;
  note?: string;
}

/** What a GC workload asked for in a run. */
export interface GcWorkloadInfo {
  name: string;
  summary: string;
  size: number;
  /** Phase names in run order. */
  phases: string[];
  /** The phase behind collectNs. */
  collectPhase: string;
}

/** The python3 that ran the cpython contender, or why it did not run. */
export interface PythonInfo {
  status: 'ok' | 'skipped' | 'not requested';
  /** `python3 --version`'s version, when it ran. */
  version?: string;
  /** The command used (python3, or $PYMEM_BENCH_PYTHON). */
  command?: string;
  note?: string;
}

/** The JSON of `gc --json`. `results` is the required part. */
export interface GcBenchResults {
  schema: typeof RESULTS_SCHEMA;
  command: 'gc';
  createdAt: string;
  machine: MachineInfo;
  settings: GcSettings;
  workloads: GcWorkloadInfo[];
  python: PythonInfo;
  results: GcResult[];
}

/** Identifies the JSON layout; bumped when a required field changes. */
export const RESULTS_SCHEMA = 'pymem-bench/1';

export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpu[0]?.model ?? 'unknown',
    cpus: cpu.length,
    totalMemoryBytes: totalmem(),
  };
}

/** Reserved bytes per live byte, or null when either is unknown. */
export function reservedPerLive(r: Pick<AllocResult, 'peakReservedBytes' | 'peakLiveBytes'>): number | null {
  return r.peakReservedBytes !== null && r.peakLiveBytes > 0 ? r.peakReservedBytes / r.peakLiveBytes : null;
}

/** The JSON text of a run (2-space indented, trailing newline). */
export function resultsJson(results: BenchResults | RuntimeBenchResults | GcBenchResults): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}
