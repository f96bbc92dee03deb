import type { HeapBackend } from '@pymem/core';
import { UsageError } from './errors.js';
import { DEFAULT_CONTENDERS } from './contenders/registry.js';
import { DEFAULT_WORKLOADS, WORKLOADS, expandWorkloadNames } from './workloads/registry.js';
import { DEFAULT_RUNTIME_CONTENDERS } from './runtime/contenders.js';
import { DEFAULT_GC_CONTENDERS, parseGcAllocator } from './runtime/gc-contenders.js';
import { suiteWorkloads } from './runtime/workloads.js';
import type { AllocSettings, GcSettings, RuntimeSettings } from './results.js';

/** The settings every suite shares (AllocSettings without alloc's --scale). */
export type RunSettingsBase = Omit<AllocSettings, 'scale'>;

/*
 * Command-line values as commander hands them over (strings, lists), and
 * their checked form. Every check happens here, before a worker starts, and
 * fails with a UsageError naming the option and the value.
 */

export const HEAP_BACKENDS: readonly HeapBackend[] = ['arraybuffer', 'wasm', 'shared'];

/** Defaults of a full run, and of --quick. */
export const DEFAULTS = {
  heap: 'shared' as HeapBackend,
  warmup: 2,
  runs: 7,
  quickWarmup: 1,
  quickRuns: 3,
  /**
   * gc: a run is one collection, over in milliseconds, and V8 needs several
   * before the collector's loops are optimized (measured: the first dozen
   * collections of gc_traversal take 1.5-3x the steady-state time):
   * warm up more, so the figures are steady-state, as CPython's are.
   */
  gcWarmup: 20,
  gcQuickWarmup: 6,
  budgetSeconds: 30,
  timeoutSeconds: 60,
  /** --quick: a slow contender (thing) is cut sooner. */
  quickBudgetSeconds: 10,
  quickTimeoutSeconds: 15,
  /** objects: workload sizes as designed. */
  scale: 1,
  /** alloc --quick: the synthetic workloads at a quarter of their events (50,000) unless --scale says otherwise. */
  quickSyntheticScale: 0.25,
  /** objects: the runtime's checked mode is off, so the allocators, not the checks, are measured. */
  checks: false,
} as const;

/** The options shared by every measuring subcommand, as parsed by commander. */
export interface RawRunOptions {
  runs?: string;
  warmup?: string;
  quick?: boolean;
  heap?: string;
  json?: string;
  html?: string;
  budget?: string;
  timeout?: string;
  progress?: boolean;
}

/** `alloc`'s own options on top of the shared ones. */
export interface RawAllocOptions extends RawRunOptions {
  trace?: string[];
  workloads?: string[];
  allocators?: string[];
  scale?: string;
}

export interface AllocOptions {
  /** Built-in workload names or trace file paths, in order. */
  traces: string[];
  /** Contender names, in order (checked against the registry later). */
  allocators: string[];
  settings: AllocSettings;
  /** Where to write the results JSON: a path, `-` for stdout, or null. */
  json: string | null;
  /** Where to write report.html, or null. */
  html: string | null;
  progress: boolean;
}

/** `objects`'s own options on top of the shared ones. */
export interface RawObjectsOptions extends RawRunOptions {
  workloads?: string[];
  allocators?: string[];
  checks?: boolean;
  scale?: string;
}

export interface ObjectsOptions {
  /** Runtime workload names, in order (checked against the registry later). */
  workloads: string[];
  /** Runtime contender names, in order (checked later). */
  allocators: string[];
  settings: RuntimeSettings;
  json: string | null;
  html: string | null;
  progress: boolean;
}

/** `gc`'s own options on top of the shared ones. */
export interface RawGcOptions extends RawRunOptions {
  workloads?: string[];
  strategies?: string[];
  allocator?: string;
  scale?: string;
}

export interface GcOptions {
  /** GC workload names, in order (checked against the registry later). */
  workloads: string[];
  /** Strategy names and `cpython`, in order (checked later). */
  strategies: string[];
  settings: GcSettings;
  json: string | null;
  html: string | null;
  progress: boolean;
}

/** commander argParser for repeatable, comma-separated list options. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return [...(previous ?? []), ...items];
}

/**
 * alloc's workloads: the --trace files (or built-in names), then the
 * --workloads names (`trace` and `synthetic` stand for every built-in one of
 * that kind); every built-in workload when neither is given.
 */
export function resolveAllocOptions(raw: RawAllocOptions): AllocOptions {
  const allocators = raw.allocators ?? [...DEFAULT_CONTENDERS];
  if (raw.allocators && raw.allocators.length === 0) throw new UsageError('--allocators needs at least one name');
  if (raw.trace && raw.trace.length === 0) throw new UsageError('--trace needs at least one file');
  if (raw.workloads && raw.workloads.length === 0) throw new UsageError('--workloads needs at least one name');
  const named = expandWorkloadNames(raw.workloads ?? []);
  const unknown = named.filter((name) => !WORKLOADS.some((w) => w.name === name));
  if (unknown.length > 0) {
    throw new UsageError(`unknown alloc workload(s) ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${WORKLOADS.map((w) => w.name).join(', ')}, trace, synthetic`);
  }
  const traces = raw.trace === undefined && raw.workloads === undefined ? [...DEFAULT_WORKLOADS] : [...(raw.trace ?? []), ...named];
  return {
    traces,
    allocators,
    settings: { ...resolveSettings(raw), scale: raw.scale === undefined && raw.quick ? DEFAULTS.quickSyntheticScale : parseScale(raw.scale) },
    json: raw.json ?? null,
    html: raw.html ?? null,
    progress: raw.progress ?? true,
  };
}

export function resolveObjectsOptions(raw: RawObjectsOptions): ObjectsOptions {
  if (raw.allocators && raw.allocators.length === 0) throw new UsageError('--allocators needs at least one name');
  if (raw.workloads && raw.workloads.length === 0) throw new UsageError('--workloads needs at least one name');
  return {
    workloads: raw.workloads ?? suiteWorkloads('objects').map((w) => w.name),
    allocators: raw.allocators ?? [...DEFAULT_RUNTIME_CONTENDERS],
    settings: {
      ...resolveSettings(raw),
      checks: raw.checks ?? DEFAULTS.checks,
      scale: parseScale(raw.scale),
    },
    json: raw.json ?? null,
    html: raw.html ?? null,
    progress: raw.progress ?? true,
  };
}

export function resolveGcOptions(raw: RawGcOptions): GcOptions {
  if (raw.strategies && raw.strategies.length === 0) throw new UsageError('--strategies needs at least one name');
  if (raw.workloads && raw.workloads.length === 0) throw new UsageError('--workloads needs at least one name');
  return {
    workloads: raw.workloads ?? suiteWorkloads('gc').map((w) => w.name),
    strategies: raw.strategies ?? [...DEFAULT_GC_CONTENDERS],
    settings: {
      ...resolveSettings(raw),
      warmup: parseCount('--warmup', raw.warmup, raw.quick ? DEFAULTS.gcQuickWarmup : DEFAULTS.gcWarmup, 0),
      // The collectors are measured, not the runtime's pointer validation.
      checks: false,
      scale: parseScale(raw.scale),
      allocator: parseGcAllocator(raw.allocator),
    },
    json: raw.json ?? null,
    html: raw.html ?? null,
    progress: raw.progress ?? true,
  };
}

/** --scale: a positive factor on every workload's size. */
export function parseScale(value: string | undefined): number {
  if (value === undefined) return DEFAULTS.scale;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--scale must be a positive number; got "${value}"`);
  }
  return n;
}

/** The run settings: --quick picks its own counts unless --runs / --warmup say otherwise. */
export function resolveSettings(raw: RawRunOptions): RunSettingsBase {
  const quick = raw.quick ?? false;
  return {
    heap: parseHeap(raw.heap ?? DEFAULTS.heap),
    warmup: parseCount('--warmup', raw.warmup, quick ? DEFAULTS.quickWarmup : DEFAULTS.warmup, 0),
    runs: parseCount('--runs', raw.runs, quick ? DEFAULTS.quickRuns : DEFAULTS.runs, 1),
    budgetSeconds: parseSeconds('--budget', raw.budget, quick ? DEFAULTS.quickBudgetSeconds : DEFAULTS.budgetSeconds),
    timeoutSeconds: parseSeconds('--timeout', raw.timeout, quick ? DEFAULTS.quickTimeoutSeconds : DEFAULTS.timeoutSeconds),
  };
}

export function parseHeap(value: string): HeapBackend {
  const backend = HEAP_BACKENDS.find((b) => b === value);
  if (!backend) throw new UsageError(`--heap must be one of ${HEAP_BACKENDS.join(', ')}; got "${value}"`);
  return backend;
}

/** An integer option of at least `min`. */
export function parseCount(option: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${option} must be an integer >= ${min}; got "${value}"`);
  }
  return n;
}

/** A positive number of seconds. */
export function parseSeconds(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${option} must be a positive number of seconds; got "${value}"`);
  }
  return n;
}
