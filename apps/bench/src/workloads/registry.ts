import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import type { WorkloadSpec } from './api.js';
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

/**
 * The built-in workloads, by name. `--trace NAME` picks one of these; any
 * other value is a file path.
 */
export const WORKLOADS: readonly { name: string; summary: string; spec: () => WorkloadSpec }[] = [
  {
    name: 'startup',
    summary: 'CPython 3.11 startup (`python3.11 -c pass`), 161,647 events, bundled in traces/',
    spec: () => traceFileWorkload(join(bundledTracesDir(), STARTUP_TRACE), 'CPython 3.11 startup (bundled)'),
  },
];

/** What a run replays when no --trace is given. */
export const DEFAULT_WORKLOADS: readonly string[] = ['startup'];

/** A built-in workload name, or a path to a .pymtrace file. */
export function resolveWorkload(arg: string): WorkloadSpec {
  const builtin = WORKLOADS.find((w) => w.name === arg);
  if (builtin) return builtin.spec();
  if (!existsSync(arg)) {
    const names = WORKLOADS.map((w) => w.name).join(', ');
    throw new UsageError(`no trace file "${arg}" (and no built-in workload of that name; built-in: ${names})`);
  }
  return traceFileWorkload(arg);
}

/** Resolve every argument; names that collide get a `#2`, `#3` suffix so results stay distinct. */
export function resolveWorkloads(args: readonly string[]): WorkloadSpec[] {
  const seen = new Map<string, number>();
  return args.map((arg) => {
    const spec = resolveWorkload(arg);
    const n = (seen.get(spec.name) ?? 0) + 1;
    seen.set(spec.name, n);
    return n === 1 ? spec : { ...spec, name: `${spec.name}#${n}` };
  });
}
