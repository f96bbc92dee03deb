import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import type { WorkloadSpec } from './api.js';
import { SYNTHETIC_SUMMARIES, syntheticWorkloads } from './synthetic.js';
import { traceFileWorkload } from './trace-file.js';

/** The repository folder holding the bundled traces, and the default trace in it. */
const TRACES_DIR = 'traces';
const STARTUP_TRACE = 'startup.pymtrace';

/**
 * Find the repository's `traces/` folder by walking up from this module
 * (src/workloads/ under vitest, dist/ when built): the first ancestor with
 * traces/startup.pymtrace.
 */
export function bundledTracesDir(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, TRACES_DIR, STARTUP_TRACE))) return join(dir, TRACES_DIR);
    if (dirname(dir) === dir) {
      throw new UsageError(`cannot find the bundled ${TRACES_DIR}/${STARTUP_TRACE} above ${from}; pass --trace FILE`);
    }
  }
}

/** What kind of workload a built-in one is (`--workloads trace` / `synthetic` pick a kind). */
export type WorkloadKind = 'trace' | 'synthetic';

/** A built-in workload: `spec(scale)` builds it (synthetic ones scale their event count). */
export interface BuiltinWorkload {
  name: string;
  kind: WorkloadKind;
  summary: string;
  spec: (scale: number) => WorkloadSpec;
}

function synthetic(name: keyof typeof SYNTHETIC_SUMMARIES): BuiltinWorkload {
  return {
    name,
    kind: 'synthetic',
    summary: SYNTHETIC_SUMMARIES[name],
    spec: (scale) => syntheticWorkloads(scale, () => bundledTracesDir(), STARTUP_TRACE).find((w) => w.name === name)!,
  };
}

/**
 * The built-in workloads, by name. `--trace NAME` / `--workloads NAME` pick
 * one of these; any other --trace value is a file path.
 */
export const WORKLOADS: readonly BuiltinWorkload[] = [
  {
    name: 'startup',
    kind: 'trace',
    summary: 'CPython 3.11 startup (`python3.11 -c pass`), 161,647 events, bundled in traces/',
    spec: () => traceFileWorkload(join(bundledTracesDir(), STARTUP_TRACE), 'CPython 3.11 startup (bundled)'),
  },
  synthetic('same_size_churn'),
  synthetic('mixed_sizes'),
  synthetic('realloc_growth'),
  synthetic('larson'),
];

/** What a run replays when neither --trace nor --workloads is given: every built-in workload. */
export const DEFAULT_WORKLOADS: readonly string[] = WORKLOADS.map((w) => w.name);

/** Names of the built-in workloads, `trace` and `synthetic` standing for every workload of that kind. */
export function expandWorkloadNames(names: readonly string[]): string[] {
  return names.flatMap((name) => (name === 'trace' || name === 'synthetic' ? WORKLOADS.filter((w) => w.kind === name).map((w) => w.name) : [name]));
}

/** A built-in workload name, or a path to a .pymtrace file. */
export function resolveWorkload(arg: string, scale = 1): WorkloadSpec {
  const builtin = WORKLOADS.find((w) => w.name === arg);
  if (builtin) return builtin.spec(scale);
  if (!existsSync(arg)) {
    const names = WORKLOADS.map((w) => w.name).join(', ');
    throw new UsageError(`no trace file "${arg}" (and no built-in workload of that name; built-in: ${names})`);
  }
  return traceFileWorkload(arg);
}

/** Resolve every argument; names that collide get a `#2`, `#3` suffix so results stay distinct. */
export function resolveWorkloads(args: readonly string[], scale = 1): WorkloadSpec[] {
  const seen = new Map<string, number>();
  return args.map((arg) => {
    const spec = resolveWorkload(arg, scale);
    const n = (seen.get(spec.name) ?? 0) + 1;
    seen.set(spec.name, n);
    return n === 1 ? spec : { ...spec, name: `${spec.name}#${n}` };
  });
}
