import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import type { HeapBackend } from '@pymem/core';

/*
 * The results model: one schema for every command (README, "results.json").
 *
 * ```
 *   ResultsHeader        schema, command, createdAt, machine, noise   (every file)
 *   AllocSection         settings, workloads, results, memory          (alloc)
 *   RuntimeSection       settings, workloads, results                  (objects)
 *   GcSection            settings, workloads, python, results          (gc)
 *
 *   alloc / objects / gc  --json:  header + its one section's fields at the top level
 *   all                   --json:  header + { alloc, objects, gc } (a section per suite run)
 * ```
 *
 * Tables and report.html are rendered from these objects, so a results.json
 * can be rendered again the same way. Fields marked (required) are the
 * documented contract; the rest may grow.
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
  /** Synthetic workloads' event counts are their --scale 1 count times this (at least 2,000 events); traces ignore it. */
  scale: number;
}

/** The machine a run ran on. (required, every field) */
export interface MachineInfo {
  cpuModel: string;
  /** Logical cores (os.cpus().length). */
  cpus: number;
  totalMemoryBytes: number;
  /** Kernel name and release (os.type(), os.release()), e.g. `Linux 6.8.0`. */
  os: string;
  platform: string;
  arch: string;
  /** Node's version, e.g. `v20.19.5`. */
  node: string;
  v8: string;
  /** `python3 --version`'s version when a cpython contender ran (or was asked for); null otherwise. */
  python: string | null;
  /** The heap backend of the pymem heaps (--heap). */
  heap: string;
  /** When the run started (ISO 8601). */
  date: string;
}

/** How noisy the run was. */
export interface NoiseInfo {
  /** The median, over every ok series of the run (all suites), of its relative MAD (0.01 = 1 %); null without one. (required) */
  medianRmad: number | null;
  /** The largest such relative MAD; null without one. */
  maxRmad: number | null;
  /** Series behind those figures. */
  series: number;
  /** 1-minute load average when the run started and when it ended (os.loadavg()[0]; 0 on Windows). (required) */
  loadStart: number;
  loadEnd: number;
}

/** What every results file starts with. */
export interface ResultsHeader<C extends BenchCommand = BenchCommand> {
  schema: typeof RESULTS_SCHEMA;
  command: C;
  createdAt: string;
  machine: MachineInfo;
  noise: NoiseInfo;
}

/** The commands that write results. */
export type BenchCommand = 'alloc' | 'objects' | 'gc' | 'all';

/** One contender's memory over an untimed replay: sample i was taken after `events[i]` events. */
export interface MemorySeries {
  contender: string;
  /** Events replayed when each sample was taken. */
  events: number[];
  /** heap.byteLength at that point (memory the allocator holds, its own state included). */
  reservedBytes: number[];
  /** Usable bytes of the live blocks (allocator.stats().allocatedBytes). */
  allocatedBytes: number[];
  /** Requested bytes live (a property of the trace). */
  liveBytes: number[];
}

/** One size class of the pool after a replay, its leftovers still live. */
export interface SizeClassFragmentation {
  sizeClass: number;
  blockSize: number;
  /** Pools of the class in use (partly used or full). */
  pools: number;
  blocksInUse: number;
  /** Free blocks in those pools (on free lists or not yet carved). */
  freeBlocks: number;
  /** freeBlocks / (blocksInUse + freeBlocks); null when the class has no pool. */
  freeFraction: number | null;
}

/** Memory over time and fragmentation, from a separate untimed replay of one workload (report.html's memory charts). */
export interface MemoryProfile {
  /** The workload replayed (the first trace of the run). */
  workload: string;
  /** Sampled every this many events. */
  every: number;
  series: MemorySeries[];
  /** The pool's size classes when the replay ends (its live-at-end blocks still allocated); null when pool did not run. */
  fragmentation: SizeClassFragmentation[] | null;
}

/** The `alloc` section. */
export interface AllocSection {
  settings: AllocSettings;
  workloads: WorkloadInfo[];
  /** One per workload and contender, workloads in order, contenders in --allocators order. (required) */
  results: AllocResult[];
  /** Absent when no pymem allocator ran. */
  memory?: MemoryProfile;
}

/** The JSON of `alloc --json`. `results` is the required part. */
export type BenchResults = ResultsHeader<'alloc'> & AllocSection;

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

/** The `objects` section. */
export interface RuntimeSection {
  settings: RuntimeSettings;
  workloads: RuntimeWorkloadInfo[];
  results: RuntimeResult[];
}

/** The JSON of `objects --json`. `results` is the required part. */
export type RuntimeBenchResults = ResultsHeader<'objects'> & RuntimeSection;

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

/** The `gc` section. */
export interface GcSection {
  settings: GcSettings;
  workloads: GcWorkloadInfo[];
  python: PythonInfo;
  results: GcResult[];
}

/** The JSON of `gc --json`. `results` is the required part. */
export type GcBenchResults = ResultsHeader<'gc'> & GcSection;

/** The JSON of `all --json` (and of a default run): a section per suite that ran. */
export interface AllBenchResults extends ResultsHeader<'all'> {
  alloc?: AllocSection;
  objects?: RuntimeSection;
  gc?: GcSection;
}

/** Any results file. */
export type AnyBenchResults = BenchResults | RuntimeBenchResults | GcBenchResults | AllBenchResults;

/** Identifies the JSON layout; bumped when a required field changes (2: machine grew, noise, memory, `all`). */
export const RESULTS_SCHEMA = 'pymem-bench/2';

/** The machine, now. `python`: the version of python3 when the run used it. */
export function machineInfo(heap = 'shared', python: string | null = null, date = new Date()): MachineInfo {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cpus: cpu.length,
    totalMemoryBytes: totalmem(),
    os: `${osType()} ${release()}`,
    platform: process.platform,
    arch: process.arch,
    node: process.version,
    v8: process.versions.v8,
    python,
    heap,
    date: date.toISOString(),
  };
}

/** The 1-minute load average now. */
export function loadNow(): number {
  return loadavg()[0];
}

/** The noise figure of a run from its series' relative MADs (ok series only) and the load at start and end. */
export function noiseInfo(rmads: readonly number[], loadStart: number, loadEnd = loadNow()): NoiseInfo {
  const sorted = [...rmads].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianRmad = sorted.length === 0 ? null : sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { medianRmad, maxRmad: sorted.length === 0 ? null : sorted[sorted.length - 1], series: sorted.length, loadStart, loadEnd };
}

/** The relative MADs of a section's ok series with more than one timed run. */
export function seriesRmads(results: readonly { status: ResultStatus; runs: number; spread: Spread | null }[]): number[] {
  return results.filter((r) => r.status === 'ok' && r.runs > 1 && r.spread !== null).map((r) => r.spread!.rmad);
}

/** Reserved bytes per live byte, or null when either is unknown. */
export function reservedPerLive(r: Pick<AllocResult, 'peakReservedBytes' | 'peakLiveBytes'>): number | null {
  return r.peakReservedBytes !== null && r.peakLiveBytes > 0 ? r.peakReservedBytes / r.peakLiveBytes : null;
}

/** The JSON text of a run (2-space indented, trailing newline). */
export function resultsJson(results: AnyBenchResults): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}
